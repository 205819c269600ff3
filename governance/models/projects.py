"""Research projects proposed to the councils, with their status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import date_stored
from core.validators import ABSTRACT_MAX, length_at_most, max_length, validate_name
from governance.models.membership import MemberState


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    ENDED = "ended", _("ended")


# The moves a project may make; anything else is refused by project_status_change.
PROJECT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProjectStatus.PROPOSED: (ProjectStatus.APPROVED, ProjectStatus.REJECTED),
    ProjectStatus.APPROVED: (ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED, ProjectStatus.ENDED),
    ProjectStatus.ACTIVE: (ProjectStatus.SUSPENDED, ProjectStatus.ENDED),
    ProjectStatus.SUSPENDED: (ProjectStatus.ACTIVE, ProjectStatus.ENDED),
    ProjectStatus.REJECTED: (),
    ProjectStatus.ENDED: (),
}


class ResearchProject(models.Model):
    """A research proposal asking for GPU-hours, submitted by its lead."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=300, validators=[validate_name])
    abstract = models.TextField(_("abstract"), validators=[max_length(ABSTRACT_MAX)])
    host_institution = models.CharField(_("host institution"), max_length=300)
    host_state = models.ForeignKey(
        MemberState,
        verbose_name=_("host nation"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    charged_to_programme = models.BooleanField(
        _("charged to the facility's own programme"),
        default=False,
        help_text=_("Otherwise the GPU-hours come from the host nation's quota."),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project lead"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    gpu_hours_requested = models.PositiveIntegerField(_("GPU-hours asked for"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    safety_self_assessment = models.TextField(_("safety self-assessment"))
    proposed_safety_level = models.PositiveSmallIntegerField(_("proposed safety level"), default=1)
    safety_level = models.PositiveSmallIntegerField(_("current safety level"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ("-submitted_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(gpu_hours_requested__gt=0), name="project_gpu_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="project_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(proposed_safety_level__gte=1) & Q(proposed_safety_level__lte=4),
                name="project_safety_level_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(safety_level__gte=1) & Q(safety_level__lte=4),
                name="project_current_level_1_to_4",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="project_title_present"),
            length_at_most("abstract", ABSTRACT_MAX, name="project_abstract_length"),
            models.CheckConstraint(
                condition=date_stored("period_start") & date_stored("period_end"),
                name="project_period_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class ProjectStatusChange(models.Model):
    """One step in a project's history, with the decision behind it."""

    project = models.ForeignKey(
        ResearchProject, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ProjectStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.CharField(max_length=200)
    motion = models.ForeignKey(
        "governance.Motion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_changes",
    )
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("project status change")
        verbose_name_plural = _("project status changes")
        ordering = ("project", "changed_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=ProjectStatus.values), name="project_change_to_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.from_status or '∅'} → {self.to_status}"
