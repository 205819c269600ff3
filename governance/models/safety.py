"""AI safety levels, escalations about projects, interim freezes and level history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from governance.models.motions import Motion
from governance.models.projects import ResearchProject


class SafetyLevel(models.Model):
    """One of the four AI safety levels and the controls it demands (like biosafety levels)."""

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    name_en = models.CharField(max_length=100)
    name_de = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=100)
    description_en = models.TextField()
    description_de = models.TextField()
    description_fr = models.TextField()
    max_gpu_hours_without_review = models.PositiveIntegerField(
        _("largest allocation without a further review (GPU-hours)"), null=True, blank=True
    )
    weights_release_allowed = models.BooleanField(_("model weights may be released"), default=True)
    isolated_partition_required = models.BooleanField(
        _("must run in an isolated partition"), default=False
    )
    controls = models.TextField(_("other controls"), blank=True)

    class Meta:
        verbose_name = _("safety level")
        verbose_name_plural = _("safety levels")
        ordering = ("level",)
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=4), name="safety_level_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_en)

    @property
    def description(self) -> str:
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"description_{lang}", "") or self.description_en)


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class SafetyMeasure(models.TextChoices):
    RAISE_LEVEL = "raise_level", _("raise the safety level")
    FREEZE = "freeze", _("freeze compute")
    SUSPEND = "suspend", _("suspend the project")
    TERMINATE = "terminate", _("terminate the project")
    LOWER_LEVEL = "lower_level", _("lower the safety level")
    UNFREEZE = "unfreeze", _("unfreeze compute")
    REOPEN = "reopen", _("reopen the project")


# Measures that make things safer need a low bar; those that relax them a high one.
TIGHTENING = (
    SafetyMeasure.RAISE_LEVEL,
    SafetyMeasure.FREEZE,
    SafetyMeasure.SUSPEND,
    SafetyMeasure.TERMINATE,
)
LOOSENING = (SafetyMeasure.LOWER_LEVEL, SafetyMeasure.UNFREEZE, SafetyMeasure.REOPEN)


class EscalationStatus(models.TextChoices):
    RAISED = "raised", _("raised")
    DECIDED = "decided", _("decided")
    CLOSED = "closed", _("closed")


class Escalation(models.Model):
    """A safety concern about one or more projects, with a confidential account and a public summary."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    projects = models.ManyToManyField(ResearchProject, related_name="escalations")
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    # Confidential: never on a public page, in the public API, in open data, feeds or public PDFs.
    confidential_account = models.TextField(_("confidential account"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    public_summary = models.TextField(_("public summary"))
    proposed_measure = models.CharField(
        _("measure proposed"), max_length=16, choices=SafetyMeasure.choices
    )
    proposed_level = models.PositiveSmallIntegerField(_("level proposed"), null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.RAISED
    )
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("safety escalation")
        verbose_name_plural = _("safety escalations")
        ordering = ("-raised_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="escalation_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(proposed_measure__in=SafetyMeasure.values),
                name="escalation_measure_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EscalationStatus.values), name="escalation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(proposed_level__isnull=True)
                | (Q(proposed_level__gte=1) & Q(proposed_level__lte=4)),
                name="escalation_level_1_to_4",
            ),
            models.CheckConstraint(
                condition=~Q(public_summary=""), name="escalation_public_summary_present"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


def evidence_path(instance: EscalationEvidence, filename: str) -> str:
    return f"confidential/escalations/{instance.escalation_id}/{filename}"


class EscalationEvidence(models.Model):
    """A confidential file backing an escalation."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to=evidence_path)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title


class FreezeStatus(models.TextChoices):
    ACTIVE = "active", _("in force, awaiting the vote")
    CONFIRMED = "confirmed", _("confirmed by vote")
    LAPSED = "lapsed", _("lapsed")
    LIFTED = "lifted", _("lifted")


class InterimFreeze(models.Model):
    """The Safety Board chair's immediate freeze, which lapses unless a vote confirms it."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="freezes")
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(default=timezone.now)
    lapses_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=FreezeStatus.choices, default=FreezeStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    motion = models.ForeignKey(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("interim freeze")
        verbose_name_plural = _("interim freezes")
        ordering = ("-ordered_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FreezeStatus.values), name="freeze_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(lapses_at__gt=models.F("ordered_at")), name="freeze_lapses_after_order"
            ),
            models.UniqueConstraint(
                fields=["escalation"],
                condition=Q(status="active"),
                name="freeze_one_active_per_escalation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation.reference} freeze ({self.status})"


class SafetyDecision(models.Model):
    """What a certified safety vote decided about one project, and when it is reviewed."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="safety_decisions")
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    project = models.ForeignKey(
        ResearchProject, on_delete=models.PROTECT, related_name="safety_decisions"
    )
    measure = models.CharField(max_length=16, choices=SafetyMeasure.choices)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    adopted = models.BooleanField()
    decided_at = models.DateTimeField(default=timezone.now)
    review_on = models.DateField(null=True, blank=True)
    review_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("safety decision")
        verbose_name_plural = _("safety decisions")
        ordering = ("-decided_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "project"], name="safety_decision_once_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion.reference}: {self.measure} {self.project.code}"
