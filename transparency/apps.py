from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    """The public portal; only reads, through the other apps' selectors."""

    name = "transparency"
    verbose_name = _("Transparency portal")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import AuditEvent
        from transparency.cache import on_audit_saved

        post_save.connect(on_audit_saved, sender=AuditEvent, dispatch_uid="portal-cache-bump")
