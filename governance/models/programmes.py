"""Optional programmes (CERN Convention Art. V(6)-(7), ESA optional programmes) and attendance.

Only the states taking part in a programme vote on its matters, weighted by the programme's own
contribution key; a council counting members *present* needs to know who attended the vote.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored
from core.validators import MOTION_TEXT_MAX, length_at_most, max_length, validate_name
from governance.models.membership import Council, MemberState


class Programme(models.Model):
    """An optional programme: its own participants, key and deciding council."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    council = models.ForeignKey(
        Council,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("council deciding its matters"),
    )
    description = models.TextField(
        _("description"), blank=True, validators=[max_length(MOTION_TEXT_MAX)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="programme_name_present"),
            models.CheckConstraint(condition=~Q(code=""), name="programme_code_present"),
            length_at_most("description", MOTION_TEXT_MAX, name="programme_description_length"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class ProgrammeParticipation(models.Model):
    """A state's part in a programme from a date: its share of the programme's key.

    A key is set whole (every participant at once, from one date), so the shares of the
    participants on any date sum to 1; the service checks that, the rows keep the history.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="participations"
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="programme_participations"
    )
    share = models.DecimalField(_("contribution key"), max_digits=21, decimal_places=18)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme participation")
        verbose_name_plural = _("programme participations")
        ordering = ("programme", "-valid_from", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "member_state", "valid_from"],
                name="programme_participation_unique_start",
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="programme_share_0_to_1"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="programme_participation_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("valid_from") & date_stored("valid_until"),
                name="programme_participation_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.member_state_id}: {self.share}"


class AttendanceSource(models.TextChoices):
    SECRETARY = "secretary", _("marked by the secretary")
    CHECK_IN = "check_in", _("checked in by the delegation")


class Attendance(models.Model):
    """Whether a state is present for a motion's vote: one row per state, the latest mark.

    One row rather than a log of marks: a rule asks one question (present or not?), which a
    unique row answers with a database constraint; every mark's history is in the audit trail,
    and what counted is frozen into the tally and signed when the vote closes.
    """

    motion = models.ForeignKey(
        "governance.Motion", on_delete=models.PROTECT, related_name="attendance"
    )
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))
    source = models.CharField(_("source"), max_length=16, choices=AttendanceSource.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ("motion", "member_state__code")
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "member_state"], name="attendance_one_per_state"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AttendanceSource.values), name="attendance_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} {self.member_state_id}: {'present' if self.present else 'absent'}"
