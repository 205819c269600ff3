from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """Who the members are, who may vote, and what was decided; imports no other app."""

    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from core.audit import register_presenter
        from core.permissions import register_audit_reader

        # Checks register on import; so do the per-kind decision handlers of the services
        # (governance.decisions), which certification dispatches to without importing them.
        from governance import checks, permissions, selectors, services  # noqa: F401

        # The auditor's role lives here; core's audit trail asks through these hooks.
        register_audit_reader(permissions.is_auditor)
        register_presenter("ballot.cast", selectors.ballot_cast_rows_for_reading)
