from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    """The public portal; only reads, through the other apps' selectors."""

    name = "transparency"
    verbose_name = _("Transparency portal")
