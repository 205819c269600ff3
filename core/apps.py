from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel: users, the audit trail, API tokens, MFA and API error handling."""

    name = "core"
    default = True
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from core import schema  # noqa: F401 - registers the OpenAPI auth extension
        from core.api import UtcDateTimeField

        # Every model date-time the API writes is in UTC (see UtcDateTimeField), in one place.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = (
            UtcDateTimeField
        )


class ConcordiaAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the MFA-gated site as its default."""

    default = False
    default_site = "core.admin_site.ConcordiaAdminSite"
