from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """Contribution scales, assessments, payments and arrears; imports governance only."""

    name = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        from funding.services.decisions import on_decision_certified
        from governance.signals import decision_certified

        # Budget motions of the finance committee adopt scales and approve budgets.
        decision_certified.connect(
            on_decision_certified, dispatch_uid="funding.on_decision_certified"
        )
        from funding.calendar import payment_due_dates
        from governance.calendar import register_feed_source

        # Payment due dates in the finance officers' calendar feeds (issue 18).
        register_feed_source("payment-due", payment_due_dates)
