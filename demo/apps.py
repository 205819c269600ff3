from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for the local platform and the tests; nothing imports it."""

    name = "demo"
    verbose_name = _("Demo data")
