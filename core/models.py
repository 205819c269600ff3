"""Users, the append-only audit trail and API tokens."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import AuditImmutableError
from core.timezones import validate_time_zone


class User(AbstractUser):
    """A person who signs in: a delegate, a staff member or a researcher."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # An IANA name ("Europe/Berlin") checked by core.timezones; empty: the facility's zone
    # (settings.TIME_ZONE). Only how times are shown changes: storage stays UTC.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
    )

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses every bulk change: the trail only grows."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("The audit trail is append-only; rows cannot be updated.")

    def delete(self) -> NoReturn:
        raise AuditImmutableError("The audit trail is append-only; rows cannot be deleted.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AuditImmutableError("The audit trail is append-only; rows cannot be updated.")


class AuditSource(models.TextChoices):
    """The channel an action came through."""

    WEB = "web", _("web page")
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    TASK = "task", _("background task")
    COMMAND = "command", _("command")
    SYSTEM = "system", _("system")


class AuditEvent(models.Model):
    """Who did what, when, with the values before and after; never changed once written."""

    Source = AuditSource

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # PROTECT: a person who acted can be deactivated but never erased from the record.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=200)
    source = models.CharField(_("through"), max_length=16, choices=Source.choices)
    action = models.CharField(_("what"), max_length=100, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ("-occurred_at", "-id")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=[s.value for s in AuditSource]),
                name="audit_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not a side effect: only the first insert of a row is ever allowed.
        if not self._state.adding:
            raise AuditImmutableError("The audit trail is append-only; rows cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("The audit trail is append-only; rows cannot be deleted.")


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_sha256 = models.CharField(max_length=64, unique=True)
    # Whether the session that created the token had passed a second factor; a token made
    # without one can read but can never vote, certify or touch money.
    mfa_verified = models.BooleanField(_("made after a second factor"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self, now: Any = None) -> bool:
        """Whether the token may authenticate a request now."""
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class GeneratedDocument(models.Model):
    """What every document made in the background keeps: progress, the file's and data's hashes.

    Funding's reports and letters and the portal's annual reports inherit it; each adds what it
    is about, its status choices, where its file goes and when it counts as made.
    """

    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    data = models.TextField(_("data (canonical JSON)"), blank=True)
    data_sha256 = models.CharField(_("SHA-256 of the data"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    # Each document model declares these fields itself: its own status choices, the folder of
    # its files and the label of the moment it was made.
    status: str
    file: models.fields.files.FieldFile
    generated_at: Any

    class Meta:
        abstract = True
