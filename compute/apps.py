from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    """GPU quotas and the scheduler sync; imports governance and reads funding."""

    name = "compute"
    verbose_name = _("Compute")

    def ready(self) -> None:
        from compute.receivers import on_decision_certified, on_freeze_ordered, on_unfreeze_ordered
        from compute.selectors import project_ids_for_member
        from governance.registry import register_project_membership
        from governance.signals import (
            compute_freeze_ordered,
            compute_unfreeze_ordered,
            decision_certified,
        )

        decision_certified.connect(
            on_decision_certified, dispatch_uid="compute.allocation_from_decision"
        )
        compute_freeze_ordered.connect(on_freeze_ordered, dispatch_uid="compute.safety_freeze")
        compute_unfreeze_ordered.connect(
            on_unfreeze_ordered, dispatch_uid="compute.safety_unfreeze"
        )
        # Governance keeps who leads a project; who else works on it lives here.
        register_project_membership("compute.members", project_ids_for_member)
