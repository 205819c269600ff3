"""Motions before a council, the frozen electorate, ballots in a hash chain, proxies, recusals."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored, datetime_stored
from core.validators import (
    BIDI_CONTROLS,
    MOTION_TEXT_MAX,
    length_at_most,
    max_length,
    validate_name,
)
from governance import rules
from governance.models.membership import Council, MemberState
from governance.models.projects import ResearchProject


class MotionKind(models.TextChoices):
    PROJECT_APPROVAL = "project_approval", _("project approval")
    BUDGET = "budget", _("budget")
    SAFETY_ESCALATION = "safety_escalation", _("safety escalation")
    GENERAL = "general", _("general")


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    TABLED = "tabled", _("tabled")
    VOTING_OPEN = "voting_open", _("voting open")
    VOTING_CLOSED = "voting_closed", _("voting closed")
    CERTIFIED = "certified", _("certified")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary procedure")
    WRITTEN = "written", _("emergency written procedure")
    # Adopted unless a member objects (votes no) by the deadline: the engine's `silence` rule.
    SILENCE = "silence", _("silence procedure")


class CastingVote(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")


class MotionOutcome(models.TextChoices):
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")
    NO_QUORUM = "no_quorum", _("failed for lack of quorum")


class RuleVariant(models.TextChoices):
    ANY = "", _("any")
    TIGHTEN = "tighten", _("tightening a safety measure")
    LOOSEN = "loosen", _("loosening a safety measure")


TITLE_MAX = 300
# The whole map as stored JSON (the database's own bound; the validator is the precise one):
# three titles of TITLE_MAX characters even if each is written as a 12-character escape pair.
TITLE_TRANSLATIONS_MAX_JSON = 12_000


def title_translation_languages() -> tuple[str, ...]:
    """The languages a title may be given in: those the pages are offered in, but the filing
    language (English), whose title is the one filed and signed and cannot be replaced here."""
    return tuple(code for code, _name in settings.LANGUAGES if code != "en")


def validate_title_translations(value: object) -> None:
    """A map of language code to title: known languages only, bounded, no control characters.

    Refused are unknown or malformed keys, non-text values, titles longer than a title may be,
    and control or bidirectional-override characters (a title would read one way on a page and
    another in a signed record or a CSV).
    """
    if not isinstance(value, dict):
        raise ValidationError(_("Give the translated titles as a map of language to title."))
    known = title_translation_languages()
    for lang, title in value.items():
        if lang not in known:
            raise ValidationError(
                _("“%(lang)s” is not a language of this platform (%(known)s).")
                % {"lang": str(lang)[:10], "known": ", ".join(known)},
                code="unknown_language",
            )
        if not isinstance(title, str):
            raise ValidationError(
                _("The %(lang)s title must be text.") % {"lang": lang}, code="not_text"
            )
        if len(title) > TITLE_MAX:
            raise ValidationError(
                _("The %(lang)s title is longer than %(max)d characters.")
                % {"lang": lang, "max": TITLE_MAX},
                code="too_long",
            )
        if any(c in BIDI_CONTROLS or (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in title):
            raise ValidationError(
                _("The %(lang)s title contains a control character; remove it.") % {"lang": lang},
                code="control_character",
            )
        validate_name(title)


class VotingRulePolicy(models.Model):
    """The voting rule a council uses for one kind of motion (a rule is data)."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="rule_policies")
    motion_kind = models.CharField(_("motion kind"), max_length=32, choices=MotionKind.choices)
    # Safety votes deliberately use uneven bars: tightening low, loosening high.
    variant = models.CharField(
        _("variant"), max_length=16, choices=RuleVariant.choices, default="", blank=True
    )
    rule = models.JSONField(_("rule"), help_text=_("governance.rules.VotingRule.to_dict()"))

    class Meta:
        verbose_name = _("voting rule policy")
        verbose_name_plural = _("voting rule policies")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "motion_kind", "variant"], name="rule_policy_unique"
            ),
            models.CheckConstraint(
                condition=Q(motion_kind__in=MotionKind.values), name="rule_policy_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council.code}: {self.motion_kind}"


class Motion(models.Model):
    """A question put to a council's vote, from draft to published decision."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="motions")
    kind = models.CharField(_("kind"), max_length=32, choices=MotionKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_name])
    # The title in the readers' other languages, given by the secretariat: {"de": "...", "fr": "..."}.
    title_translations = models.JSONField(
        _("title in other languages"),
        default=dict,
        blank=True,
        validators=[validate_title_translations],
    )
    text = models.TextField(_("text"), validators=[max_length(MOTION_TEXT_MAX)])
    status = models.CharField(
        _("status"), max_length=16, choices=MotionStatus.choices, default=MotionStatus.DRAFT
    )
    procedure = models.CharField(
        _("procedure"), max_length=16, choices=Procedure.choices, default=Procedure.ORDINARY
    )
    rule = models.JSONField(_("voting rule"))
    secret = models.BooleanField(_("secret ballot"), default=False)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    project = models.ForeignKey(
        ResearchProject, null=True, blank=True, on_delete=models.PROTECT, related_name="motions"
    )
    # A programme's matter: only the states taking part in it vote, weighted by its key.
    programme = models.ForeignKey(
        "governance.Programme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="motions",
        verbose_name=_("programme"),
    )
    gpu_hours = models.PositiveIntegerField(_("GPU-hours asked for"), null=True, blank=True)
    # A safety-escalation motion: the measure put to the vote, the level it sets, the projects.
    escalation = models.ForeignKey(
        "governance.Escalation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="motions",
    )
    safety_measure = models.CharField(_("safety measure"), max_length=16, blank=True)
    safety_level = models.PositiveSmallIntegerField(_("safety level to set"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    tabled_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    # Filled when voting closes: the tally with every figure, and the ballot chain's head.
    tally = models.JSONField(null=True, blank=True)
    chain_head = models.CharField(max_length=64, blank=True)
    chain_length = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=MotionOutcome.choices, blank=True)
    # The chair's casting vote after a tie under a simple majority, given after the close.
    casting_vote = models.CharField(
        _("chair's casting vote"), max_length=3, choices=CastingVote.choices, blank=True
    )
    casting_vote_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    casting_vote_at = models.DateTimeField(null=True, blank=True)
    # Key for the per-state tags of a secret ballot; erased when voting closes, so that
    # afterwards nobody, not even the database's owner, can tell which state cast which ballot.
    secret_key = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ("-opens_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MotionStatus.values), name="motion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MotionKind.values), name="motion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(procedure__in=Procedure.values), name="motion_procedure_valid"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="motion_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MotionKind.PROJECT_APPROVAL)
                | (Q(project__isnull=False) & Q(gpu_hours__gt=0)),
                name="motion_project_approval_names_project_and_hours",
            ),
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(status__in=[MotionStatus.CERTIFIED, MotionStatus.PUBLISHED]),
                name="motion_outcome_only_when_certified",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[MotionStatus.CERTIFIED, MotionStatus.PUBLISHED])
                | ~Q(outcome=""),
                name="motion_certified_has_outcome",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="motion_title_present"),
            models.CheckConstraint(
                condition=Q(casting_vote="", casting_vote_at__isnull=True)
                | (Q(casting_vote__in=CastingVote.values) & Q(casting_vote_at__isnull=False)),
                name="motion_casting_vote_given_with_time",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    Length(Cast("title_translations", models.TextField())),
                    TITLE_TRANSLATIONS_MAX_JSON,
                ),
                name="motion_title_translations_length",
            ),
            length_at_most("text", MOTION_TEXT_MAX, name="motion_text_length"),
            models.CheckConstraint(
                condition=datetime_stored("opens_at") & datetime_stored("closes_at"),
                name="motion_times_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


def motion_document_path(instance: MotionDocument, filename: str) -> str:
    return f"motions/{instance.motion_id}/{filename}"


class MotionDocument(models.Model):
    """A file attached to a motion (the proposal, an annex, an opinion)."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=300, validators=[validate_name])
    file = models.FileField(_("file"), upload_to=motion_document_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("motion document")
        verbose_name_plural = _("motion documents")
        ordering = ("motion", "uploaded_at", "id")

    def __str__(self) -> str:
        return self.title


class ElectorateSnapshot(models.Model):
    """Who may vote on a motion, frozen when voting opened, with the SHA-256 of its encoding."""

    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="electorate")
    entries = models.JSONField()
    canonical = models.TextField(help_text=_("The exact bytes that were hashed."))
    sha256 = models.CharField(max_length=64)
    frozen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("electorate snapshot")
        verbose_name_plural = _("electorate snapshots")

    def __str__(self) -> str:
        return f"{self.motion.reference} electorate {self.sha256[:12]}"

    def as_electorate(self) -> rules.Electorate:
        """The frozen electorate as the typed, pure value every count and check reads."""
        return rules.Electorate.from_document(self.entries)


class BallotChoice(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    ABSTAIN = "abstain", _("abstain")


class Ballot(models.Model):
    """One entry of a motion's ballot chain; a later ballot of the same state supersedes it.

    `tag` is the state's code in a roll-call vote and an HMAC of it in a secret vote.
    """

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="ballots")
    seq = models.PositiveIntegerField()
    tag = models.CharField(max_length=64)
    choice = models.CharField(max_length=8, choices=BallotChoice.choices)
    # Roll-call only: in a secret vote who cast it lives in BallotParticipation instead.
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(null=True, blank=True)
    proxy_holder = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ("motion", "seq")
        constraints = [
            models.UniqueConstraint(fields=["motion", "seq"], name="ballot_unique_seq"),
            # One counting ballot per state per motion, whatever races the application loses.
            models.UniqueConstraint(
                fields=["motion", "tag"],
                condition=Q(is_current=True),
                name="ballot_one_current_per_state",
            ),
            models.CheckConstraint(
                condition=Q(choice__in=BallotChoice.values), name="ballot_choice_valid"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="ballot_seq_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id}#{self.seq}"


class BallotParticipation(models.Model):
    """In a secret vote: that a state voted, and who cast it, kept apart from the choice.

    No timestamp and a random key, so rows cannot be lined up with the ballot chain's order.
    """

    id = models.UUIDField(primary_key=True)
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="participations")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ballot participation")
        verbose_name_plural = _("ballot participations")
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "member_state"], name="participation_one_per_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id}: {self.member_state_id}"


class Recusal(models.Model):
    """A state's declared conflict of interest on a motion: it leaves the base."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="recusals")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="recusals")
    reason = models.TextField(_("reason"))
    declared_by = models.CharField(max_length=200)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [
            models.UniqueConstraint(fields=["motion", "member_state"], name="recusal_one_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} recused on {self.motion_id}"


class ProxyGrant(models.Model):
    """State A gives its vote to state B, for one motion or for a council session (dates)."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="proxies")
    grantor = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="proxies_held")
    motion = models.ForeignKey(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="proxies"
    )
    session_from = models.DateField(_("session from"), null=True, blank=True)
    session_until = models.DateField(
        _("session until"), null=True, blank=True, help_text=_("Last day of the session.")
    )
    instruction = models.TextField(_("instruction"), blank=True)
    granted_by = models.CharField(max_length=200)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        ordering = ("-granted_at",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(grantor=models.F("holder")), name="proxy_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(
                    motion__isnull=False, session_from__isnull=True, session_until__isnull=True
                )
                | Q(motion__isnull=True, session_from__isnull=False, session_until__isnull=False),
                name="proxy_for_a_motion_or_a_session",
            ),
            models.CheckConstraint(
                condition=Q(session_until__isnull=True)
                | Q(session_until__gte=models.F("session_from")),
                name="proxy_session_ordered",
            ),
            models.CheckConstraint(
                condition=date_stored("session_from") & date_stored("session_until"),
                name="proxy_session_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_id} → {self.holder_id}"


class VotingRightsSuspension(models.Model):
    """A period in which a state may not vote (e.g. arrears), with the decision behind it."""

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="suspensions"
    )
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    suspended_at = models.DateTimeField(default=timezone.now)
    suspended_by = models.CharField(max_length=200)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.CharField(max_length=200, blank=True)
    restore_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("voting-rights suspension")
        verbose_name_plural = _("voting-rights suspensions")
        ordering = ("-suspended_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["member_state"],
                condition=Q(restored_at__isnull=True),
                name="suspension_one_open_per_state",
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True)
                | Q(restored_at__gte=models.F("suspended_at")),
                name="suspension_restored_after_suspended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} suspended {self.suspended_at:%Y-%m-%d}"


class ContributionShare(models.Model):
    """A state's share of the contributions, as the weighted voting rules use it."""

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="contribution_shares"
    )
    share = models.DecimalField(max_digits=21, decimal_places=18)
    valid_from = models.DateField()
    source = models.CharField(max_length=200, help_text=_("e.g. the adopted scale it comes from"))

    class Meta:
        verbose_name = _("contribution share")
        verbose_name_plural = _("contribution shares")
        ordering = ("member_state", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "valid_from"], name="contribution_share_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=1), name="contribution_share_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.share}"


class VoteReminder(models.Model):
    """A reminder sent to a delegation that had not voted; each goes once."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="reminders")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "member_state", "kind"], name="reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} {self.member_state_id} {self.kind}"
