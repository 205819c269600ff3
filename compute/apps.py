from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    """GPU quotas and the scheduler sync; imports governance and reads funding."""

    name = "compute"
    verbose_name = _("Compute")
