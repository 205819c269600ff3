from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """Contribution scales, assessments, payments and arrears; imports governance only."""

    name = "funding"
    verbose_name = _("Funding")
