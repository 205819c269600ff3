"""Council sessions: the meeting around the motions, its agenda, attendance, amendments, minutes.

A session is convened (the convocation goes to every delegation a number of days ahead, as the
council's rules of procedure say), opened (the agenda is adopted by a vote, itself a motion),
held item by item and closed; its minutes are drafted from the record, circulated for comments
and approved at the next session, each approved version frozen with its SHA-256.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import datetime_stored
from core.validators import MOTION_TEXT_MAX, NOTE_MAX, max_length, validate_name
from governance.models.membership import Accreditation, Council, MemberState
from governance.models.motions import Motion


class RulesOfProcedure(models.Model):
    """The settings of a council's rules of procedure that its sessions follow."""

    council = models.OneToOneField(
        Council, on_delete=models.PROTECT, related_name="rules_of_procedure"
    )
    convocation_days = models.PositiveSmallIntegerField(
        _("days' notice of a convocation"),
        default=21,
        help_text=_("An ordinary session is convened at least this many days ahead."),
    )
    extraordinary_convocation_days = models.PositiveSmallIntegerField(
        _("days' notice of an extraordinary session"), default=5
    )
    comment_days = models.PositiveSmallIntegerField(
        _("days for comments on draft minutes"), default=14
    )
    # A late item is admitted only by this fraction of the states voting (a qualified majority).
    late_item_majority = models.CharField(
        _("majority to admit a late item"), max_length=9, default="2/3"
    )
    # The session may decide only with this fraction of its seated voting members present.
    presence_quorum = models.CharField(_("quorum of presence"), max_length=9, default="1/2")

    class Meta:
        verbose_name = _("rules of procedure")
        verbose_name_plural = _("rules of procedure")
        constraints = [
            models.CheckConstraint(
                condition=Q(convocation_days__lte=365)
                & Q(extraordinary_convocation_days__lte=365)
                & Q(comment_days__gte=1)
                & Q(comment_days__lte=90),
                name="rules_of_procedure_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(late_item_majority__regex=r"^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$"),
                name="rules_of_procedure_majority_fraction",
            ),
            models.CheckConstraint(
                condition=Q(presence_quorum__regex=r"^[0-9]{1,4}/[1-9][0-9]{0,3}$"),
                name="rules_of_procedure_quorum_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council.code}: rules of procedure"


class SessionKind(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary session")
    EXTRAORDINARY = "extraordinary", _("extraordinary session")


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    CONVENED = "convened", _("convened")
    OPEN = "open", _("in session")
    CLOSED = "closed", _("closed")


class Session(models.Model):
    """One meeting of a council, from its planning to its close."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="sessions")
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SessionKind.choices, default=SessionKind.ORDINARY
    )
    title = models.CharField(_("title"), max_length=300, validators=[validate_name])
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    format = models.CharField(
        _("format"), max_length=16, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    convened_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The vote that adopts the agenda at the opening, and the SHA-256 of the agenda it adopts.
    agenda_motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="adopts_agenda_of"
    )
    agenda_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ("-starts_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=datetime_stored("starts_at") & datetime_stored("ends_at"),
                name="session_times_in_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="session_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(format__in=SessionFormat.values), name="session_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="session_title_present"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


def session_document_path(instance: SessionDocument, filename: str) -> str:
    return f"sessions/{instance.session_id}/{secrets.token_hex(8)}-{filename[-100:]}"


class ItemKind(models.TextChoices):
    MOTION = "motion", _("for decision")
    INFORMATION = "information", _("for information")
    MINUTES = "minutes", _("approval of the minutes")


class AgendaItem(models.Model):
    """One item of a session's agenda, in order: a motion to decide, or an item for information."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=300, validators=[validate_name])
    description = models.TextField(_("description"), blank=True, validators=[max_length(NOTE_MAX)])
    motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_item"
    )
    # The minutes an item approves (the first item of the next session).
    minutes = models.ForeignKey(
        "governance.Minutes",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_items",
    )
    # Added after the convocation: admitted only by a qualified vote (that vote's motion).
    late = models.BooleanField(_("added late"), default=False)
    admission_motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="admits_item"
    )
    admitted = models.BooleanField(_("admitted"), default=True)
    summary = models.TextField(
        _("summary of the discussion"), blank=True, validators=[max_length(MOTION_TEXT_MAX)]
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ("session", "position", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ItemKind.values), name="agenda_item_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=ItemKind.MOTION, motion__isnull=False)
                | (~Q(kind=ItemKind.MOTION) & Q(motion__isnull=True)),
                name="agenda_item_motion_iff_decision",
            ),
            models.CheckConstraint(
                condition=Q(late=True) | Q(admitted=True), name="agenda_item_timely_is_admitted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class SessionDocument(models.Model):
    """A file attached to a session or to one of its items (a report, an annex)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="documents")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=300, validators=[validate_name])
    file = models.FileField(_("file"), upload_to=session_document_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session document")
        verbose_name_plural = _("session documents")
        ordering = ("session", "uploaded_at", "id")

    def __str__(self) -> str:
        return self.title


class CheckInSource(models.TextChoices):
    SECRETARY = "secretary", _("marked by the secretary")
    CHECK_IN = "check_in", _("checked in by the delegation")


class SessionAttendance(models.Model):
    """A delegation's presence at a session: one row per state, the latest mark.

    Each mark's history is in the audit trail; the people present are the delegation's
    accredited members (head, delegates, alternates, advisers) named at the check-in.
    """

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))
    source = models.CharField(_("source"), max_length=16, choices=CheckInSource.choices)
    people = models.ManyToManyField(Accreditation, blank=True, related_name="+")
    # Represented by another delegation's proxy (a proxy granted for the session's dates).
    represented_by = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        ordering = ("session", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member_state"], name="session_attendance_one_per_state"
            ),
            models.CheckConstraint(
                condition=Q(source__in=CheckInSource.values), name="session_attendance_source"
            ),
            models.CheckConstraint(
                condition=~Q(represented_by=models.F("member_state")),
                name="session_attendance_not_own_proxy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} at {self.session_id}: {self.present}"


class AmendmentKind(models.TextChoices):
    AMENDMENT = "amendment", _("amendment")
    # The secretariat's proposal, as in OpenSlides: taken over unless a delegation asks for a vote.
    RECOMMENDATION = "recommendation", _("change recommendation")


class AmendmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    VOTING = "voting", _("being voted on")
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")
    ACCEPTED = "accepted", _("accepted")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Amendment(models.Model):
    """A change to lines of a motion's text, proposed by a delegation or the secretariat."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="amendments")
    kind = models.CharField(
        _("kind"), max_length=16, choices=AmendmentKind.choices, default=AmendmentKind.AMENDMENT
    )
    member_state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The proposing delegation; empty for the secretariat's recommendation."),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    line_from = models.PositiveIntegerField(_("from line"))
    line_to = models.PositiveIntegerField(_("to line"))
    # The text the lines line_from..line_to become (empty: the lines are deleted).
    new_text = models.TextField(_("new text"), blank=True, validators=[max_length(MOTION_TEXT_MAX)])
    # The text it was proposed against (its SHA-256): a diff is shown against exactly that.
    base_sha256 = models.CharField(max_length=64)
    reason = models.TextField(_("reason"), blank=True, validators=[max_length(NOTE_MAX)])
    group = models.CharField(_("group"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("order of voting"), default=0)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PROPOSED,
    )
    vote = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="decides_amendment"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ("motion", "position", "number")
        constraints = [
            models.UniqueConstraint(fields=["motion", "number"], name="amendment_number_unique"),
            models.CheckConstraint(
                condition=Q(line_from__gte=1) & Q(line_to__gte=models.F("line_from")),
                name="amendment_lines_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AmendmentKind.values), name="amendment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AmendmentStatus.values), name="amendment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=AmendmentKind.RECOMMENDATION, member_state__isnull=True)
                | Q(kind=AmendmentKind.AMENDMENT, member_state__isnull=False),
                name="amendment_proposer_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion.reference} A{self.number}"


class Consolidation(models.Model):
    """The text a motion is put to its final vote with: its original and the changes adopted."""

    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="consolidation")
    original_text = models.TextField(validators=[max_length(MOTION_TEXT_MAX)])
    original_sha256 = models.CharField(max_length=64)
    text = models.TextField(validators=[max_length(MOTION_TEXT_MAX)])
    sha256 = models.CharField(max_length=64)
    amendments = models.JSONField(default=list, help_text=_("The numbers of the changes applied."))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consolidated text")
        verbose_name_plural = _("consolidated texts")

    def __str__(self) -> str:
        return f"{self.motion_id} consolidated {self.sha256[:12]}"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    CIRCULATED = "circulated", _("circulated for comments")
    APPROVED = "approved", _("approved")


class Minutes(models.Model):
    """The minutes of one session: drafted from the record, circulated, then approved."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="minutes")
    status = models.CharField(
        _("status"), max_length=16, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    # The record (attendance, each item's result) as drafted: frozen data, rendered per language.
    record = models.JSONField(default=dict)
    summary = models.JSONField(
        _("summaries of the discussion"), default=dict, help_text=_("{item position: text}")
    )
    circulated_at = models.DateTimeField(null=True, blank=True)
    comments_until = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_in = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MinutesStatus.values), name="minutes_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=MinutesStatus.APPROVED) | Q(approved_at__isnull=False),
                name="minutes_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"minutes of {self.session_id}"


class MinutesComment(models.Model):
    """A delegation's comment on circulated draft minutes."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="comments")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), validators=[max_length(NOTE_MAX)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment on minutes")
        verbose_name_plural = _("comments on minutes")
        ordering = ("minutes", "made_at", "id")

    def __str__(self) -> str:
        return f"{self.member_state_id} on {self.minutes_id}"


class MinutesVersion(models.Model):
    """One frozen version of approved minutes: the exact document, hashed, per language."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    # The canonical JSON of the record and summaries that was approved, and its SHA-256.
    canonical = models.TextField()
    sha256 = models.CharField(max_length=64)
    # {"en": "<html>", ...}: the HTML as approved in each language, and each one's SHA-256.
    html = models.JSONField(default=dict)
    html_sha256 = models.JSONField(default=dict)
    decisions = models.JSONField(default=list, help_text=_("[{reference, statement_sha256}]"))
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("approved minutes")
        verbose_name_plural = _("approved minutes")
        ordering = ("minutes", "number")
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_unique")
        ]

    def __str__(self) -> str:
        return f"minutes {self.minutes_id} v{self.number} {self.sha256[:12]}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarSubscription(models.Model):
    """A person's calendar feed (a secret URL they can rotate) and session e-mail choice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    rotated_at = models.DateTimeField(default=timezone.now)
    # Convocations and minutes by e-mail; turned off by the unsubscribe link without signing in.
    session_emails = models.BooleanField(_("session e-mails"), default=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
