"""A person's login on the clusters (their Unix user name there), set by an operator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# POSIX portable user names as Slurm and useradd take them: lower case, a letter or underscore
# first, then letters, digits, dot, underscore or dash; at most 32 characters (useradd's limit).
LOGIN_NAME = r"^[a-z_][a-z0-9_.-]{0,31}$"


class LoginSource(models.TextChoices):
    OPERATOR = "operator", _("set by an operator")
    DIRECTORY = "directory", _("from the directory")


class ClusterLogin(models.Model):
    """The user name a person's jobs run under on every cluster; one person, one login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cluster_login"
    )
    login = models.CharField(_("cluster login"), max_length=32, unique=True)
    source = models.CharField(
        _("source"), max_length=10, choices=LoginSource.choices, default=LoginSource.OPERATOR
    )
    set_by = models.CharField(_("set by"), max_length=200)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("cluster login")
        verbose_name_plural = _("cluster logins")
        ordering = ("login",)
        constraints = [
            models.CheckConstraint(condition=Q(login__regex=LOGIN_NAME), name="login_posix"),
            models.CheckConstraint(
                condition=Q(source__in=LoginSource.values), name="login_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.login
