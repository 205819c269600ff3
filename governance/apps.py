from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """Who the members are, who may vote, and what was decided; imports no other app."""

    name = "governance"
    verbose_name = _("Governance")
