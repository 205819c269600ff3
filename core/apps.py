from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel: users, the audit trail, API tokens, MFA and API error handling."""

    name = "core"
    verbose_name = _("Platform")
