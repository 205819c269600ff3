"""Member states, councils, their seats over time, accredited delegates and staff roles."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored
from core.validators import validate_name


class MemberStatus(models.TextChoices):
    FULL = "full", _("full member")
    ASSOCIATE = "associate", _("associate member")
    OBSERVER = "observer", _("observer")


class MemberState(models.Model):
    """A nation that takes part in the facility, with the figures the voting rules need."""

    code = models.CharField(
        _("ISO 3166 alpha-2 code"), max_length=2, unique=True, help_text=_("e.g. DE, FR, GB")
    )
    name_en = models.CharField(_("name (English)"), max_length=100, validators=[validate_name])
    name_de = models.CharField(_("name (German)"), max_length=100, validators=[validate_name])
    name_fr = models.CharField(_("name (French)"), max_length=100, validators=[validate_name])
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices)
    accession_date = models.DateField(_("accession date"))
    population = models.PositiveBigIntegerField(
        _("population"), help_text=_("Used by double-majority voting rules.")
    )
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)

    class Meta:
        verbose_name = _("member state")
        verbose_name_plural = _("member states")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="member_state_code_iso_alpha2"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="member_state_currency_iso4217"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="member_state_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(population__gt=0), name="member_state_population_positive"
            ),
            models.CheckConstraint(condition=~Q(name_en=""), name="member_state_name_en_present"),
            models.CheckConstraint(
                condition=date_stored("accession_date"), name="member_state_accession_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        """The name in the active language (English where no translation exists)."""
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_en)


class CouncilKind(models.TextChoices):
    GOVERNING_COUNCIL = "governing_council", _("Governing Council")
    SCIENTIFIC_COUNCIL = "scientific_council", _("Scientific Council")
    FINANCE_COMMITTEE = "finance_committee", _("Finance Committee")
    SAFETY_BOARD = "safety_board", _("Safety Board")


class Council(models.Model):
    """A body of national delegations that votes: governing council, finance committee, ..."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=CouncilKind.choices)
    name_en = models.CharField(_("name (English)"), max_length=150, validators=[validate_name])
    name_de = models.CharField(_("name (German)"), max_length=150, validators=[validate_name])
    name_fr = models.CharField(_("name (French)"), max_length=150, validators=[validate_name])
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_councils",
    )
    # The council's policy for secret votes: how many trustees share the key, how many decrypt.
    secret_vote_trustees = models.PositiveSmallIntegerField(
        _("trustees of a secret vote"), default=3
    )
    secret_vote_threshold = models.PositiveSmallIntegerField(
        _("trustees needed to decrypt a secret vote"), default=2
    )

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CouncilKind.values), name="council_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name_en=""), name="council_name_en_present"),
            models.CheckConstraint(
                condition=Q(secret_vote_threshold__gte=1)
                & Q(secret_vote_threshold__lte=models.F("secret_vote_trustees"))
                & Q(secret_vote_trustees__lte=64),
                name="council_secret_vote_policy_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_en)


def _period_overlaps(
    start: dt.date, end: dt.date | None, other_start: dt.date, other_end: dt.date | None
) -> bool:
    """Half-open periods [start, end) overlap; an open end runs forever."""
    return (end is None or other_start < end) and (other_end is None or start < other_end)


class Seat(models.Model):
    """A member state's seat on a council for a period [seated_from, seated_until)."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="seats")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="seats")
    seated_from = models.DateField(_("seated from"))
    seated_until = models.DateField(
        _("seated until"),
        null=True,
        blank=True,
        help_text=_("First day without the seat; empty while it lasts."),
    )

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ("council", "member_state__code", "seated_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(seated_until__isnull=True)
                | Q(seated_until__gt=models.F("seated_from")),
                name="seat_period_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("seated_from") & date_stored("seated_until"),
                name="seat_period_in_range",
            ),
            models.UniqueConstraint(
                fields=["council", "member_state", "seated_from"], name="seat_unique_start"
            ),
            # PostgreSQL also refuses overlapping periods with an exclusion constraint
            # (migration 0002), which SQLite cannot express; clean() covers both.
        ]

    def __str__(self) -> str:
        until = f"–{self.seated_until}" if self.seated_until else "–"
        return f"{self.member_state.code} on {self.council.code} {self.seated_from}{until}"

    def clean(self) -> None:
        if self.seated_until and self.seated_from and self.seated_until <= self.seated_from:
            raise ValidationError({"seated_until": _("The seat must end after it starts.")})
        if self.council_id and self.member_state_id and self.seated_from:
            others = Seat.objects.filter(
                council_id=self.council_id, member_state_id=self.member_state_id
            ).exclude(pk=self.pk)
            for other in others:
                if _period_overlaps(
                    self.seated_from, self.seated_until, other.seated_from, other.seated_until
                ):
                    raise ValidationError(
                        {
                            "seated_from": _(
                                "This state already holds a seat on this council in that period."
                            )
                        }
                    )

    def is_current(self, on: dt.date) -> bool:
        return self.seated_from <= on and (self.seated_until is None or on < self.seated_until)


class DelegateRole(models.TextChoices):
    HEAD = "head", _("head of delegation")
    DELEGATE = "delegate", _("delegate")
    ALTERNATE = "alternate", _("alternate")
    ADVISER = "adviser", _("adviser")


# Advisers attend and speak but never cast the state's vote.
VOTING_ROLES = (DelegateRole.HEAD, DelegateRole.DELEGATE, DelegateRole.ALTERNATE)

# Councils whose delegates read confidential material (escalations' accounts and evidence):
# every accreditation to them needs the secretariat's approval before it grants anything.
CONFIDENTIAL_COUNCIL_KINDS = (CouncilKind.SAFETY_BOARD,)


class AccreditationApproval(models.TextChoices):
    PENDING = "pending", _("awaiting the secretariat's approval")
    APPROVED = "approved", _("approved")


class Accreditation(models.Model):
    """A person accredited for one member state to one council, in a role, for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accreditations"
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="accreditations"
    )
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="accreditations")
    role = models.CharField(_("role"), max_length=16, choices=DelegateRole.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("First day without the accreditation.")
    )
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Pending by default, so that a row written without the service grants nothing; the
    # service approves at once what the secretariat itself grants or what needs no approval.
    approval = models.CharField(
        _("approval"),
        max_length=16,
        choices=AccreditationApproval.choices,
        default=AccreditationApproval.PENDING,
    )
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations (delegates)")
        ordering = ("council", "member_state__code", "role", "valid_from")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="accreditation_period_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("valid_from") & date_stored("valid_until"),
                name="accreditation_period_in_range",
            ),
            models.CheckConstraint(
                condition=Q(role__in=DelegateRole.values), name="accreditation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(approval__in=AccreditationApproval.values),
                name="accreditation_approval_valid",
            ),
            models.UniqueConstraint(
                fields=["user", "council", "valid_from"], name="accreditation_unique_start"
            ),
            # PostgreSQL exclusion constraints (migration 0002): one state per person per
            # council at a time, and one head per delegation at a time.
        ]

    def __str__(self) -> str:
        state = self.member_state.code
        return f"{self.user} – {state} {self.get_role_display()} ({self.council.code})"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The accreditation must end after it starts.")})
        if not (self.user_id and self.council_id and self.valid_from):
            return
        same_person = Accreditation.objects.filter(
            user_id=self.user_id, council_id=self.council_id
        ).exclude(pk=self.pk)
        for other in same_person:
            if _period_overlaps(
                self.valid_from, self.valid_until, other.valid_from, other.valid_until
            ):
                raise ValidationError(
                    {"user": _("This person is already accredited to this council in that period.")}
                )
        if self.role == DelegateRole.HEAD and self.member_state_id:
            heads = Accreditation.objects.filter(
                council_id=self.council_id,
                member_state_id=self.member_state_id,
                role=DelegateRole.HEAD,
            ).exclude(pk=self.pk)
            for other in heads:
                if _period_overlaps(
                    self.valid_from, self.valid_until, other.valid_from, other.valid_until
                ):
                    raise ValidationError(
                        {"role": _("This delegation already has a head in that period.")}
                    )

    def is_current(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)

    @property
    def may_vote(self) -> bool:
        return self.role in VOTING_ROLES and self.is_approved

    @property
    def is_approved(self) -> bool:
        return self.approval == AccreditationApproval.APPROVED


class StaffRoleKind(models.TextChoices):
    COUNCIL_SECRETARY = "council_secretary", _("council secretary")
    FINANCE_OFFICER = "finance_officer", _("finance officer")
    SAFETY_OFFICER = "safety_officer", _("safety officer")
    COMPUTE_OPERATOR = "compute_operator", _("compute operator")
    # Reads the audit trail (API and admin); runs nothing, and never sees a ballot before the
    # vote closes.
    AUDITOR = "auditor", _("auditor")


class StaffRole(models.Model):
    """A staff member's role for a period; a secretary may be limited to one council."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=32, choices=StaffRoleKind.choices)
    council = models.ForeignKey(
        Council,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        help_text=_("For a council secretary: the council served; empty for all councils."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        ordering = ("role", "user__username")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="staff_role_period_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("valid_from") & date_stored("valid_until"),
                name="staff_role_period_in_range",
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRoleKind.values), name="staff_role_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(council__isnull=True) | Q(role=StaffRoleKind.COUNCIL_SECRETARY),
                name="staff_role_council_only_for_secretary",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "council", "valid_from"],
                name="staff_role_unique_start",
            ),
        ]

    def __str__(self) -> str:
        scope = f" ({self.council.code})" if self.council_id and self.council else ""
        return f"{self.user} – {self.get_role_display()}{scope}"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The role must end after it starts.")})
        if self.council_id and self.role != StaffRoleKind.COUNCIL_SECRETARY:
            raise ValidationError(
                {"council": _("Only a council secretary is assigned to one council.")}
            )

    def is_current(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)
