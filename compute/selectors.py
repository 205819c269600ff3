"""Reads of compute data that pages, the API, the sync and other apps share."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from compute import rules
from compute.models import (
    LOGIN_NAME,
    AllocationPeriod,
    AllocationRefusal,
    AllocationStatus,
    Cluster,
    ClusterLogin,
    ComputeFreeze,
    FreezeAuthority,
    NationalQuota,
    ProjectAllocation,
    ProjectMember,
    SyncRun,
    UsageDay,
)
from compute.reconcile import ROOT, AccountSpec, Caps
from core.models import User
from funding import selectors as funding_selectors
from governance.choices import ProjectStatus
from governance.selectors import today

if TYPE_CHECKING:
    from governance.models import MemberState, ResearchProject

_SLURM_USER = re.compile(LOGIN_NAME)


def cluster_list() -> QuerySet[Cluster]:
    return Cluster.objects.prefetch_related("gpu_types").order_by("name")


def period_list(*, cluster: Cluster | None = None) -> QuerySet[AllocationPeriod]:
    qs = AllocationPeriod.objects.select_related("cluster")
    if cluster is not None:
        qs = qs.filter(cluster=cluster)
    return qs.order_by("cluster__name", "-starts_on")


def period_current(*, cluster: Cluster, on: dt.date | None = None) -> AllocationPeriod | None:
    on = on or today()
    return period_list(cluster=cluster).filter(starts_on__lte=on, ends_on__gt=on).first()


def active_freezes(now: dt.datetime | None = None) -> QuerySet[ComputeFreeze]:
    now = now or timezone.now()
    return ComputeFreeze.objects.filter(
        Q(until__isnull=True) | Q(until__gt=now), lifted_at__isnull=True
    )


def freeze_in_force(project: ResearchProject) -> ComputeFreeze | None:
    """The freeze that holds the project, a safety freeze before an operational one."""
    freezes = freezes_in_force(project)
    return freezes[0] if freezes else None


def freezes_in_force(project: ResearchProject) -> list[ComputeFreeze]:
    """Every freeze holding the project (at most one of each kind), safety freezes first."""
    rows = list(active_freezes().filter(project=project).select_related("project"))
    return sorted(rows, key=lambda f: (not f.is_safety, f.ordered_at))


def frozen_project_ids() -> set[int]:
    """The projects any freeze holds now (one query), to mark them in lists."""
    return set(active_freezes().values_list("project_id", flat=True))


def freeze_list_in_force() -> QuerySet[ComputeFreeze]:
    """Every freeze in force on any project, for the operators' page."""
    return active_freezes().select_related("project").order_by("project__code", "ordered_at")


def operational_freeze_in_force(project: ResearchProject) -> ComputeFreeze | None:
    return (
        active_freezes()
        .filter(project=project, authority=FreezeAuthority.OPERATIONAL)
        .select_related("project")
        .first()
    )


def slurm_user(username: str) -> str | None:
    """The cluster login derived from a platform user name, or None where it is not a valid one."""
    name = username.lower()
    return name if _SLURM_USER.match(name) else None


@dataclass(frozen=True)
class LoginProblem:
    """A person who should run jobs on a cluster but has no usable login there."""

    username: str
    project: str
    reason: str


def cluster_login_of(user: User) -> ClusterLogin | None:
    """The login an operator (or the directory) gave this person, if any."""
    return ClusterLogin.objects.filter(user=user).first()


def cluster_logins(user_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Each person's cluster login: the one an operator set, else their user name lower-cased
    when that is a valid login nobody else holds. Returns (logins, why-not for the others)."""
    explicit = dict(ClusterLogin.objects.values_list("user_id", "login"))
    taken = {login: user_id for user_id, login in explicit.items()}
    logins: dict[int, str] = {}
    problems: dict[int, str] = {}
    derived: dict[str, list[int]] = defaultdict(list)
    for user_id, username in User.objects.filter(pk__in=user_ids).values_list("pk", "username"):
        if user_id in explicit:
            logins[user_id] = explicit[user_id]
            continue
        login = slurm_user(username)
        if login is None:
            problems[user_id] = "invalid"
        elif taken.get(login, user_id) != user_id:
            problems[user_id] = "taken"
        else:
            derived[login].append(user_id)
    for login, holders in derived.items():
        if len(holders) > 1:  # "Jane" and "jane": neither may take the other's jobs
            problems.update(dict.fromkeys(holders, "ambiguous"))
        else:
            logins[holders[0]] = login
    return logins, problems


def state_account(code: str) -> str:
    return code.lower()


def burst_factor() -> Fraction:
    """COMPUTE_BURST_FACTOR, exactly (a decimal written as text)."""
    return Fraction(str(settings.COMPUTE_BURST_FACTOR))


def _period_minutes(starts_on: dt.date, ends_on: dt.date) -> int:
    return (ends_on - starts_on).days * 24 * 60


def _total_cap(caps: list[Caps], cluster_gpus: int, type_counts: dict[str, int]) -> Caps:
    """A state's (or the programme's) cap: its projects' caps added up, TRES by TRES, each at
    most what the cluster has (of that type)."""
    totals: dict[str, int] = defaultdict(int)
    for project_caps in caps:
        for tres, n in project_caps:
            totals[tres] += n
    bounded = {
        tres: min(n, type_counts.get(tres.partition(":")[2], 0) if ":" in tres else cluster_gpus)
        for tres, n in totals.items()
    }
    return tuple(sorted(bounded.items())) if cluster_gpus else ()


@dataclass(frozen=True)
class FairShares:
    """Each root account's Fairshare (RawShares) and where the contribution shares came from."""

    parts: dict[str, int]  # account -> RawShares
    shares: dict[str, Fraction]  # state code -> contribution share used
    # The adopted scale's reference and year, or the period whose split recorded the shares.
    source: str


def fair_shares(*, cluster: Cluster, on: dt.date | None = None) -> FairShares:
    """The states' Fairshare from their adopted contribution shares (funding's scale for the
    year), else from the shares the current period's split used; the programme's beside them."""
    on = on or today()
    period = period_current(cluster=cluster, on=on)
    scale = funding_selectors.scale_covering(on.year)
    shares = {
        c: Fraction(s) for c, s in funding_selectors.shares_for_year(on.year).items() if s > 0
    }
    source = f"{scale.reference} ({on.year})" if scale is not None and shares else ""
    if not shares and period is not None:
        shares = {
            code: Fraction(share)
            for code, share in NationalQuota.objects.filter(period=period).values_list(
                "member_state__code", "share"
            )
            if share > 0
        }
        source = f"{period.name}" if shares else ""
    national = Fraction(1)
    programme_weight = Fraction(0)
    if period is not None:
        national = 1 - Fraction(period.programme_share) - Fraction(period.reserve_share)
        programme_weight = Fraction(period.programme_share) / national if national else Fraction(0)
    by_code = rules.fairshare_parts(
        shares,
        programme=settings.COMPUTE_PROGRAMME_ACCOUNT if programme_weight else "",
        programme_weight=programme_weight,
    )
    parts = {
        (k if k == settings.COMPUTE_PROGRAMME_ACCOUNT else state_account(k)): v
        for k, v in by_code.items()
    }
    return FairShares(parts=parts, shares=shares, source=source)


def desired_accounts(*, cluster: Cluster, on: dt.date | None = None) -> list[AccountSpec]:
    """The account tree the cluster should have on `on`, from quotas, allocations and freezes.

    Slurm never resets usage here (PriorityUsageResetPeriod=NONE), so limits are cumulative:
    each account's GrpTRESMins is the sum of its minutes over every period begun so far. A
    project has an account while it holds an active allocation in a period that has not ended.
    Each project's concurrency cap (GrpTRES) comes from its allocation in the current period
    (rules.concurrency_cap); its state's is the sum of its projects', at most the cluster.
    """
    on = on or today()
    programme = settings.COMPUTE_PROGRAMME_ACCOUNT
    started = AllocationPeriod.objects.filter(cluster=cluster, starts_on__lte=on)
    specs: dict[str, AccountSpec] = {}
    for row in (
        NationalQuota.objects.filter(period__in=started)
        .values("member_state__code")
        .annotate(total=Sum("minutes"))
    ):
        name = state_account(row["member_state__code"])
        specs[name] = AccountSpec(name, ROOT, int(row["total"]), description=name)
    programme_minutes = started.aggregate(total=Sum("programme_minutes"))["total"] or 0
    if programme_minutes:
        specs[programme] = AccountSpec(
            programme, ROOT, int(programme_minutes), description=programme
        )

    totals: dict[int, int] = defaultdict(int)
    current: dict[int, Any] = {}
    for a in (
        ProjectAllocation.objects.filter(period__in=started)
        .order_by("period__starts_on")
        .values(
            "project_id",
            "project__code",
            "project__status",
            "project__lead_id",
            "member_state__code",
            "minutes",
            "status",
            "period__starts_on",
            "period__ends_on",
            "gpu_type__gpu_type",
            "gpu_type__count",
        )
    ):
        totals[a["project_id"]] += int(a["minutes"])
        live = a["status"] == AllocationStatus.ACTIVE and a["period__ends_on"] > on
        if live and a["project__status"] not in (ProjectStatus.ENDED, ProjectStatus.REJECTED):
            current[a["project_id"]] = a
    people: dict[int, set[int]] = defaultdict(set)
    for project_id, user_id in ProjectMember.objects.filter(
        project_id__in=list(current)
    ).values_list("project_id", "user_id"):
        people[project_id].add(user_id)
    for project_id, a in current.items():
        people[project_id].add(a["project__lead_id"])
    logins, _problems = cluster_logins(set().union(*people.values()) if people else set())
    users = {
        project_id: {logins[u] for u in holders if u in logins}
        for project_id, holders in people.items()
    }
    frozen = set(active_freezes().values_list("project_id", flat=True))
    type_counts = dict(cluster.gpu_types.values_list("gpu_type", "count"))
    gpus = sum(type_counts.values())
    burst = burst_factor()
    parent_caps: dict[str, list[Caps]] = defaultdict(list)
    for project_id, a in current.items():
        code = str(a["member_state__code"] or "")
        parent = state_account(code) if code else programme
        if parent not in specs:  # a quota split away later; keep the tree whole
            specs[parent] = AccountSpec(parent, ROOT, None, description=parent)
        name = str(a["project__code"]).lower()
        caps: Caps = ()
        if gpus:
            cap = rules.concurrency_cap(
                minutes=int(a["minutes"]),
                period_minutes=_period_minutes(a["period__starts_on"], a["period__ends_on"]),
                burst=burst,
                cluster_gpus=gpus,
            )
            caps = (("gres/gpu", cap),)
            if a["gpu_type__gpu_type"]:
                typed = min(cap, int(a["gpu_type__count"]))
                caps = (("gres/gpu", typed), (f"gres/gpu:{a['gpu_type__gpu_type']}", typed))
            parent_caps[parent].append(caps)
        specs[name] = AccountSpec(
            name,
            parent,
            totals[project_id],
            frozen=project_id in frozen or a["project__status"] == ProjectStatus.SUSPENDED,
            description=name,
            users=frozenset(users.get(project_id, set())),
            gpu_caps=caps,
            fairshare=rules.project_fairshare(int(a["minutes"])),
        )
    for parent, caps_of_projects in parent_caps.items():
        specs[parent] = replace(
            specs[parent], gpu_caps=_total_cap(caps_of_projects, gpus, type_counts)
        )
    for name, parts in fair_shares(cluster=cluster, on=on).parts.items():
        if name in specs:
            specs[name] = replace(specs[name], fairshare=parts)
    return [specs[k] for k in sorted(specs)]


@dataclass(frozen=True)
class AccountLimits:
    """A state's (or the programme's) account as the sync sets it: budget, cap, projects."""

    account: str
    code: str  # the member state's code; empty for the programme
    gpu_minutes: int | None
    gpu_caps: Caps
    projects: int
    fairshare: int | None = None

    @property
    def gpu_cap(self) -> int | None:
        """GPUs its projects' jobs may hold at once, all types together (None: no cap)."""
        return dict(self.gpu_caps).get("gres/gpu")


def account_limits(*, cluster: Cluster, on: dt.date | None = None) -> list[AccountLimits]:
    """Each account below root with the limits the sync sets on it (from desired_accounts)."""
    specs = desired_accounts(cluster=cluster, on=on)
    children: dict[str, int] = defaultdict(int)
    for spec in specs:
        children[spec.parent] += 1
    programme = settings.COMPUTE_PROGRAMME_ACCOUNT
    return [
        AccountLimits(
            account=spec.name,
            code="" if spec.name == programme else spec.name.upper(),
            gpu_minutes=spec.gpu_minutes,
            gpu_caps=spec.gpu_caps,
            projects=children[spec.name],
            fairshare=spec.fairshare,
        )
        for spec in specs
        if spec.parent == ROOT
    ]


def project_caps(*, cluster: Cluster, on: dt.date | None = None) -> dict[str, int]:
    """Each project account's concurrency cap (gres/gpu), by account name."""
    return {
        spec.name: dict(spec.gpu_caps).get("gres/gpu", 0)
        for spec in desired_accounts(cluster=cluster, on=on)
        if spec.parent != ROOT and spec.gpu_caps
    }


def login_problems(*, cluster: Cluster, on: dt.date | None = None) -> list[LoginProblem]:
    """Members and leads of the cluster's running projects whose jobs cannot run: no valid
    login of their own (the sync leaves them out of Slurm), for the operators to settle."""
    on = on or today()
    live = ProjectAllocation.objects.filter(
        period__cluster=cluster,
        period__starts_on__lte=on,
        period__ends_on__gt=on,
        status=AllocationStatus.ACTIVE,
    ).exclude(project__status__in=[ProjectStatus.ENDED, ProjectStatus.REJECTED])
    pairs = set(live.values_list("project__code", "project__lead_id", "project__lead__username"))
    pairs |= set(
        ProjectMember.objects.filter(project_id__in=live.values("project_id")).values_list(
            "project__code", "user_id", "user__username"
        )
    )
    _logins, problems = cluster_logins({user_id for _code, user_id, _name in pairs})
    rows = [
        LoginProblem(username, code, problems[user_id])
        for code, user_id, username in pairs
        if user_id in problems
    ]
    return sorted(rows, key=lambda p: (p.username, p.project))


def sync_run_list(*, cluster: Cluster | None = None) -> QuerySet[SyncRun]:
    qs = SyncRun.objects.select_related("cluster")
    if cluster is not None:
        qs = qs.filter(cluster=cluster)
    return qs.order_by("-started_at", "-id")


@dataclass(frozen=True)
class QuotaLine:
    """A quota or allocation with what has been granted and used of it, in GPU-minutes."""

    key: str
    label: str
    minutes: int
    allocated: int
    used: int  # GPU-minutes used, rounded down: for display only
    # Exact GPU-seconds used; None where only whole minutes are known (a report's saved data).
    used_seconds: int | None = None

    @classmethod
    def of(cls, key: str, label: str, minutes: int, allocated: int, seconds: int) -> QuotaLine:
        """A line from the exact GPU-seconds used."""
        return cls(key, label, minutes, allocated, seconds // 60, seconds)

    @property
    def _exact_seconds(self) -> int:
        return self.used * 60 if self.used_seconds is None else self.used_seconds

    @property
    def left(self) -> int:
        """What is still to be used: right for a project's allocation, not for a quota."""
        return self.minutes - self.used

    @property
    def unallocated(self) -> int:
        """What a quota still holds for new allocations (rules.check_allocation's "available")."""
        return self.minutes - self.allocated

    @property
    def used_percent(self) -> int:
        return 0 if not self.minutes else min(999, self._exact_seconds * 100 // (self.minutes * 60))

    @property
    def used_share(self) -> Fraction:
        """What was used of the quota, as a share (for a percentage in the reader's style)."""
        return Fraction(self._exact_seconds, self.minutes * 60) if self.minutes else Fraction(0)


def _used_by_project(period: AllocationPeriod) -> dict[int, int]:
    rows = (
        UsageDay.objects.filter(
            cluster_id=period.cluster_id,
            day__gte=period.starts_on,
            day__lt=period.ends_on,
            project__isnull=False,
        )
        .values("project_id")
        .annotate(seconds=Sum("gpu_seconds"))
    )
    return {r["project_id"]: int(r["seconds"]) for r in rows}


def allocation_lines(*, period: AllocationPeriod) -> list[tuple[ProjectAllocation, QuotaLine]]:
    """Every allocation of the period with its usage in the period (two queries)."""
    seconds = _used_by_project(period)
    allocations = ProjectAllocation.objects.filter(period=period).select_related(
        "project", "member_state"
    )
    return [
        (
            a,
            QuotaLine.of(
                a.project.code,
                a.project.title,
                int(a.minutes),
                int(a.minutes),
                seconds.get(a.project_id, 0),
            ),
        )
        for a in allocations.order_by("project__code")
    ]


def quota_lines(*, period: AllocationPeriod) -> list[QuotaLine]:
    """Each state's quota, the programme's share, what was allocated and used of each."""
    seconds = _used_by_project(period)
    allocated: dict[str, int] = defaultdict(int)
    used_seconds: dict[str, int] = defaultdict(int)
    for project_id, code, minutes in ProjectAllocation.objects.filter(period=period).values_list(
        "project_id", "member_state__code", "minutes"
    ):
        allocated[code or ""] += int(minutes)
        used_seconds[code or ""] += seconds.pop(project_id, 0)
    lines = [
        QuotaLine.of(
            q.member_state.code,
            q.member_state.name,
            int(q.minutes),
            allocated[q.member_state.code],
            used_seconds[q.member_state.code],
        )
        for q in NationalQuota.objects.filter(period=period).select_related("member_state")
    ]
    lines.append(
        QuotaLine.of(
            "programme",
            "facility programme",
            int(period.programme_minutes),
            allocated[""],
            used_seconds[""],
        )
    )
    return lines


def project_allocations(*, project: ResearchProject) -> list[tuple[ProjectAllocation, QuotaLine]]:
    lines = []
    for allocation in (
        ProjectAllocation.objects.filter(project=project)
        .select_related("period", "period__cluster", "member_state")
        .order_by("period__starts_on")
    ):
        used = (
            UsageDay.objects.filter(
                project=project,
                cluster_id=allocation.period.cluster_id,
                day__gte=allocation.period.starts_on,
                day__lt=allocation.period.ends_on,
            ).aggregate(s=Sum("gpu_seconds"))["s"]
            or 0
        )
        lines.append(
            (
                allocation,
                QuotaLine.of(
                    project.code, allocation.period.name, int(allocation.minutes),
                    int(allocation.minutes), int(used),
                ),
            )
        )  # fmt: skip
    return lines


def project_ids_for_member(user: User) -> list[int]:
    """The projects a person may run jobs under as a member (governance asks, see apps.py)."""
    return list(ProjectMember.objects.filter(user=user).values_list("project_id", flat=True))


def project_members(*, project: ResearchProject) -> QuerySet[ProjectMember]:
    return ProjectMember.objects.filter(project=project).select_related("user")


def usage_daily(
    *, project: ResearchProject | None = None, state_code: str | None = None, days: int = 30
) -> list[dict[str, object]]:
    """GPU-minutes per day (UTC) for a project or a state, newest first."""
    qs = UsageDay.objects.filter(day__gte=today() - dt.timedelta(days=days))
    if project is not None:
        qs = qs.filter(project=project)
    if state_code is not None:
        # A project's usage counts against its host nation unless charged to the programme.
        qs = qs.filter(project__host_state__code=state_code, project__charged_to_programme=False)
    rows = qs.values("day").annotate(seconds=Sum("gpu_seconds")).order_by("-day")
    return [{"day": r["day"], "gpu_minutes": int(r["seconds"]) // 60} for r in rows]


def refusals() -> QuerySet[AllocationRefusal]:
    return AllocationRefusal.objects.select_related("motion", "project").order_by("-created_at")


def periods_on(on: dt.date | None = None) -> QuerySet[AllocationPeriod]:
    """The allocation periods running on `on` (today by default), one per cluster at most."""
    on = on or today()
    return (
        AllocationPeriod.objects.filter(starts_on__lte=on, ends_on__gt=on)
        .select_related("cluster")
        .order_by("cluster__name")
    )


def period_used_minutes(period: AllocationPeriod) -> int:
    """GPU-minutes used on the period's cluster during the period, by every account."""
    seconds = UsageDay.objects.filter(
        cluster_id=period.cluster_id, day__gte=period.starts_on, day__lt=period.ends_on
    ).aggregate(total=Sum("gpu_seconds"))["total"]
    return int(seconds or 0) // 60


def state_quota_history(*, member_state: MemberState) -> list[tuple[AllocationPeriod, QuotaLine]]:
    """A state's quota in every period with what was allocated and used of it (two queries)."""
    used = (
        UsageDay.objects.filter(
            project_id=OuterRef("project_id"),
            cluster_id=OuterRef("period__cluster_id"),
            day__gte=OuterRef("period__starts_on"),
            day__lt=OuterRef("period__ends_on"),
        )
        .values("project_id")
        .annotate(total=Sum("gpu_seconds"))
        .values("total")
    )
    allocated: dict[int, int] = defaultdict(int)
    used_seconds: dict[int, int] = defaultdict(int)
    for period_id, minutes, seconds in (
        ProjectAllocation.objects.filter(member_state=member_state)
        .annotate(used_seconds=Coalesce(Subquery(used), 0))
        .values_list("period_id", "minutes", "used_seconds")
    ):
        allocated[period_id] += int(minutes)
        used_seconds[period_id] += int(seconds)
    return [
        (
            q.period,
            QuotaLine.of(
                member_state.code,
                member_state.name,
                int(q.minutes),
                allocated[q.period_id],
                used_seconds[q.period_id],
            ),
        )
        for q in NationalQuota.objects.filter(member_state=member_state)
        .select_related("period__cluster")
        .order_by("-period__starts_on", "period__cluster__name")
    ]


def national_quota_list() -> QuerySet[NationalQuota]:
    """Every national quota with its period, cluster and state, period by period, states by code."""
    return NationalQuota.objects.select_related("period__cluster", "member_state").order_by(
        "period__starts_on", "period_id", "member_state__code"
    )
