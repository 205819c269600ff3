"""Finished jobs from sacct into the database in bulk, and the 80% / 100% policy.

Ingestion reads parsable sacct lines (``JobIDRaw|Account|User|AllocTRES|ElapsedRaw|State|Start|End``)
from a stream and writes all of them or none, in one transaction; ingesting the same window twice
changes nothing. Memory stays flat whatever the size: rows go to the database in chunks of ~1 MB.

Every ingest also adds the jobs and GPU-seconds of exactly the rows it inserted to UsageDay (per
cluster, account, project and UTC day), in the same transaction; the quota pages read those sums.

On PostgreSQL the fast path (`compute.services.usage_fast`) checks and converts each ~1 MB chunk
column by column with Apache Arrow and streams the rows with COPY while it converts the next, so
the database parses and indexes one chunk while the next is made. When any line is not taken as it
is (a malformed line, a job twice in the file, a date like 2026-02-30 that only PostgreSQL's cast
refuses), the savepoint is rolled back and the checked path runs over the input again:
`parse_line` on every line, so the error names every bad line with its number and nothing is
written; or, if every line is good after all, a staging table and one ``INSERT ... SELECT`` of the
first line of each job not stored yet. Other databases (the SQLite demo) take the checked path.

Job ids are unique per cluster: on PostgreSQL each ingest holds its cluster's advisory lock until
it commits, and leaves out the jobs already stored (the job table is an append-only log with no
unique index, for speed; see `JobUsage`); SQLite keeps a primary key.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import IO, TYPE_CHECKING

import psycopg
from django.core.mail import send_mail
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from compute import permissions, selectors
from compute.backends import get_backend
from compute.errors import UsageFileInvalid
from compute.models import (
    AllocationStatus,
    Cluster,
    JobUsage,
    ProjectAllocation,
    QuotaNotice,
    UsageDay,
)
from compute.sacct import parse_line
from compute.services.usage_fast import (
    COPY_CHUNK,
    USAGE_DAY_ADD,
    Replayable,
    Unfit,
    ingest_fast,
)
from core.actors import Actor
from core.audit import audit_record
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

__all__ = [
    "IngestResult",
    "parse_line",
    "usage_ingest",
    "usage_ingest_window",
    "usage_policy_apply",
]

STAGING_COLUMNS = "job_id, account, username, gpus, elapsed, state, started_at, ended_at"


@dataclass(frozen=True)
class IngestResult:
    lines: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.lines - self.inserted


def usage_ingest(
    *, actor: Actor, cluster: Cluster, lines: Iterable[str], source: str = "sacct"
) -> IngestResult:
    """Ingest finished jobs: all lines or none; a malformed line is named with its number."""
    permissions.check_operate(actor)
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="\n") as spool,
        transaction.atomic(),
    ):
        source_lines = Replayable(lines, spool)
        result: IngestResult | None = None
        if connection.vendor == "postgresql":
            _ingest_lock(cluster)
            try:
                with transaction.atomic():
                    fast = ingest_fast(cluster, source_lines.chunks())
                    result = IngestResult(lines=fast.lines, inserted=fast.inserted)
            except (Unfit, DataError, IntegrityError, psycopg.DataError, psycopg.IntegrityError):
                result = None  # rolled back to the savepoint; the checked path decides
        if result is None:
            result = _ingest_checked(cluster, source_lines.replay())
        audit_record(
            actor=actor,
            action="compute.usage_ingest",
            target=cluster,
            after={"source": source[:200], "lines": result.lines, "inserted": result.inserted},
        )
    return result


# The first key of the ingest's advisory locks (the second is the cluster's id).
_INGEST_LOCK = 0x5AC7


def _ingest_lock(cluster: Cluster) -> None:
    """Wait for, and hold until commit, the cluster's ingest lock: one ingest of a cluster at a
    time, so the jobs an ingest finds stored are all the jobs stored until it commits (this is
    what keeps (cluster, job id) unique; the job table has no unique index)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_INGEST_LOCK, cluster.pk])


# (account, project id or None, day) -> [jobs, GPU-seconds]: what an ingest adds to UsageDay.
DaySums = dict[tuple[str, int | None, str], list[int]]


def _usage_days_add(cluster: Cluster, sums: DaySums) -> None:
    """Add jobs and GPU-seconds to the cluster's UsageDay rows, in key order (SQLite; on
    PostgreSQL each path adds its sums in SQL)."""
    keys = sorted(sums, key=lambda k: (k[0], k[1] or 0, k[2]))
    for account, project_id, day in keys:
        jobs, seconds = sums[(account, project_id, day)]
        updated = UsageDay.objects.filter(
            cluster=cluster, account=account, project_id=project_id, day=day
        ).update(jobs=F("jobs") + jobs, gpu_seconds=F("gpu_seconds") + seconds)
        if not updated:
            UsageDay.objects.create(
                cluster=cluster,
                account=account,
                project_id=project_id,
                day=dt.date.fromisoformat(day),
                jobs=jobs,
                gpu_seconds=seconds,
            )


def _validate(lines: Iterable[str], out: IO[str]) -> tuple[int, list[tuple[int, str]]]:
    """Write valid rows tab-separated to `out`; return the row count and every bad line."""
    count = 0
    bad: list[tuple[int, str]] = []
    write = out.write
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = parse_line(line)
        if isinstance(row, str):
            bad.append((number, row))
            continue
        count += 1
        if not bad:
            write("\t".join(row) + "\n")
    return count, bad


def _ingest_checked(cluster: Cluster, lines: Iterable[str]) -> IngestResult:
    """Check every line in Python first; raise naming every bad line, or write them all."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as rows:
        count, bad = _validate(lines, rows)
        if bad:
            listed = ", ".join(str(n) for n, _why in bad[:50])
            more = "" if len(bad) <= 50 else _(" and %(n)d more") % {"n": len(bad) - 50}
            first_line, first_why = bad[0]
            raise UsageFileInvalid(
                _(
                    "%(n)d malformed line(s), nothing was ingested: lines %(lines)s%(more)s. "
                    "Line %(first)d: %(why)s."
                )
                % {
                    "n": len(bad),
                    "lines": listed,
                    "more": more,
                    "first": first_line,
                    "why": first_why,
                },
                lines=bad,
            )
        rows.seek(0)
        if connection.vendor == "postgresql":
            try:
                inserted = _copy_postgresql(cluster, rows)
            except DataError as exc:  # the transaction is rolled back as this leaves it
                raise UsageFileInvalid(
                    _(
                        "Nothing was ingested: the GPU time of one account on one day adds up "
                        "to more than can be stored (%(why)s)."
                    )
                    % {"why": str(exc).splitlines()[0]},
                    lines=[],
                ) from exc
        else:
            inserted = _insert_portable(cluster, rows)
    return IngestResult(lines=count, inserted=inserted)


def _copy_postgresql(cluster: Cluster, rows: IO[str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE compute_usage_staging (job_id bigint, account text, "
            "username text, gpus integer, elapsed bigint, state text, started_at timestamptz, "
            "ended_at timestamptz) ON COMMIT DROP"
        )
        raw = cursor.cursor  # psycopg 3's own cursor, for copy()
        with raw.copy(f"COPY compute_usage_staging ({STAGING_COLUMNS}) FROM STDIN") as copy:
            while chunk := rows.read(COPY_CHUNK):
                copy.write(chunk)
        # A job given twice in the file with other figures is a conflict, not a duplicate. (The
        # fast path sends every file with a job twice here.)
        cursor.execute(
            "SELECT job_id, min(gpus), min(elapsed), max(gpus), max(elapsed) "
            "FROM compute_usage_staging GROUP BY job_id "
            "HAVING min(gpus) <> max(gpus) OR min(elapsed) <> max(elapsed) "
            "ORDER BY job_id LIMIT 50"
        )
        in_file = cursor.fetchall()
        # A job already stored (by an earlier ingest) given here with other figures is a
        # conflict too; the same job with the same figures is a duplicate, left out below.
        cursor.execute(
            "SELECT j.job_id, j.gpus, j.elapsed_seconds, s.gpus, s.elapsed "
            "FROM compute_usage_staging s JOIN compute_jobusage j "
            "ON j.cluster_id = %s AND j.job_id = s.job_id "
            "AND j.job_id >= (SELECT min(job_id) FROM compute_usage_staging) "
            "AND j.job_id <= (SELECT max(job_id) FROM compute_usage_staging) "
            "WHERE j.gpus <> s.gpus OR j.elapsed_seconds <> s.elapsed "
            "ORDER BY j.job_id LIMIT 50",
            [cluster.pk],
        )
        _refuse_conflicts(in_file, cursor.fetchall())
        # The first line of each job not stored yet is inserted (the caller holds the cluster's
        # ingest lock: no other ingest adds jobs meanwhile), and exactly those rows are summed
        # into UsageDay in the same statement, in key order. The stored jobs are looked up in the
        # staged ids' range only, which the BRIN index finds.
        cursor.execute(
            "WITH inserted AS ("  # noqa: S608 - USAGE_DAY_ADD is a constant
            'INSERT INTO compute_jobusage (cluster_id, job_id, account, "user", gpus, '
            "elapsed_seconds, state, ended_at) "
            "SELECT DISTINCT ON (s.job_id) %s, s.job_id, s.account, s.username, s.gpus, "
            "s.elapsed, s.state, s.ended_at FROM compute_usage_staging s "
            "WHERE NOT EXISTS (SELECT FROM compute_jobusage j WHERE j.cluster_id = %s "
            "AND j.job_id = s.job_id "
            "AND j.job_id >= (SELECT min(job_id) FROM compute_usage_staging) "
            "AND j.job_id <= (SELECT max(job_id) FROM compute_usage_staging)) "
            "ORDER BY s.job_id, s.ctid "
            "RETURNING account, gpus * elapsed_seconds AS gpu_seconds, "
            "(ended_at AT TIME ZONE 'UTC')::date AS day"
            "), days AS ("
            "INSERT INTO compute_usageday (cluster_id, account, project_id, day, jobs, "
            "gpu_seconds) SELECT %s, i.account, p.id, i.day, count(*), sum(i.gpu_seconds) "
            "FROM inserted i LEFT JOIN governance_researchproject p ON p.code = i.account "
            "GROUP BY i.account, p.id, i.day "
            'ORDER BY i.account COLLATE "C", coalesce(p.id, 0), i.day '
            f"{USAGE_DAY_ADD}) SELECT count(*) FROM inserted",
            [cluster.pk, cluster.pk, cluster.pk],
        )
        inserted = cursor.fetchone()[0]
        cursor.execute("DROP TABLE compute_usage_staging")
    return int(inserted)


Conflicts = list[tuple[int, int, int, int, int]]


def _refuse_conflicts(in_file: Conflicts, stored: Conflicts) -> None:
    """Refuse, naming them, jobs a file gives twice with different GPU counts or run times, or
    with others than the same job already stored (each as job, figures, other figures)."""
    if not in_file and not stored:
        return

    def describe(conflicts: Conflicts) -> list[str]:
        return [
            _("job %(job)d: %(g1)d GPU(s) for %(s1)d s, and %(g2)d GPU(s) for %(s2)d s")
            % {"job": job, "g1": g1, "s1": s1, "g2": g2, "s2": s2}
            for job, g1, s1, g2, s2 in sorted(set(conflicts))[:50]
        ]

    messages = []
    if in_file:
        jobs = describe(in_file)
        messages.append(
            _(
                "Nothing was ingested: %(n)d job(s) are given twice in the file with different "
                "figures: %(jobs)s."
            )
            % {"n": len(jobs), "jobs": "; ".join(jobs)}
        )
    if stored:
        jobs = describe(stored)
        messages.append(
            _(
                "Nothing was ingested: %(n)d job(s) are already stored with different figures "
                "(as stored, then as in this file): %(jobs)s."
            )
            % {"n": len(jobs), "jobs": "; ".join(jobs)}
        )
    raise UsageFileInvalid(" ".join(messages), lines=[])


def _insert_portable(cluster: Cluster, rows: IO[str]) -> int:
    """SQLite (the local demo): the same rows with bulk_create, in the caller's transaction.

    Jobs already stored, or earlier in the file, are left out first, so the day sums count
    exactly the rows inserted.
    """
    projects = dict(governance_selectors.project_list().values_list("code", "id"))
    inserted = 0
    seen: dict[int, tuple[int, int]] = {}
    sums: DaySums = {}
    conflicts: Conflicts = []  # in the file
    stored_conflicts: Conflicts = []  # with the jobs already stored

    def when(value: str) -> dt.datetime | None:
        return None if value == "\\N" else dt.datetime.fromisoformat(value + ":00")

    def flush(batch: list[JobUsage]) -> int:
        stored = {
            job: (gpus, seconds)
            for job, gpus, seconds in JobUsage.objects.filter(
                cluster=cluster, job_id__in=[j.job_id for j in batch]
            ).values_list("job_id", "gpus", "elapsed_seconds")
        }
        stored_conflicts.extend(
            (j.job_id, *stored[j.job_id], j.gpus, j.elapsed_seconds)
            for j in batch
            if j.job_id in stored and stored[j.job_id] != (j.gpus, j.elapsed_seconds)
        )
        new = [j for j in batch if j.job_id not in stored]
        JobUsage.objects.bulk_create(new, ignore_conflicts=True)
        for job in new:
            day = job.ended_at.astimezone(dt.UTC).date().isoformat()
            sum_ = sums.setdefault((job.account, projects.get(job.account), day), [0, 0])
            sum_[0] += 1
            sum_[1] += job.gpu_seconds
        return len(new)

    batch: list[JobUsage] = []
    for line in rows:
        job_id, account, user, gpus, elapsed, state, _start, end = line.rstrip("\n").split("\t")
        figures = (int(gpus), int(elapsed))
        if int(job_id) in seen:
            if seen[int(job_id)] != figures:
                conflicts.append((int(job_id), *seen[int(job_id)], *figures))
            continue  # the first line of a job counts, as on PostgreSQL
        seen[int(job_id)] = figures
        ended = when(end)
        assert ended is not None  # noqa: S101 - validated: finished jobs have an end
        batch.append(
            JobUsage(
                cluster=cluster,
                job_id=int(job_id),
                account=account,
                user=user,
                gpus=int(gpus),
                elapsed_seconds=int(elapsed),
                state=state,
                ended_at=ended,
            )
        )
        if len(batch) >= 5000:
            inserted += flush(batch)
            batch = []
    inserted += flush(batch)
    _refuse_conflicts(conflicts, stored_conflicts)
    _usage_days_add(cluster, sums)
    return inserted


def usage_ingest_window(
    *, actor: Actor, cluster: Cluster, start: dt.datetime, end: dt.datetime
) -> IngestResult:
    """Ingest the jobs that finished in [start, end), streamed from the backend's sacct."""
    backend = get_backend(cluster=cluster.name)
    return usage_ingest(
        actor=actor,
        cluster=cluster,
        lines=backend.finished_jobs(cluster.name, start, end),
        source=f"sacct {start.isoformat()} – {end.isoformat()} ({backend.name})",
    )


def allocation_used_seconds(allocation: ProjectAllocation) -> int:
    """GPU-seconds the project used on the period's cluster in the period: exact, not rounded
    to minutes (a 2-minute allocation used for 100 s is at 83 %, not at 1 minute = 50 %)."""
    period = allocation.period
    seconds = UsageDay.objects.filter(
        project_id=allocation.project_id,
        cluster_id=period.cluster_id,
        day__gte=period.starts_on,
        day__lt=period.ends_on,
    ).aggregate(s=Sum("gpu_seconds"))["s"]
    return int(seconds or 0)


def _minutes_shown(seconds: int) -> str:
    """GPU-seconds as GPU-minutes for a message: one decimal where not whole, rounded down
    (only for display; never compared)."""
    minutes = (Decimal(seconds) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    if minutes == minutes.to_integral_value():
        return f"{int(minutes):,}"
    return f"{minutes:,}"


def usage_policy_apply(*, actor: Actor, cluster: Cluster) -> list[QuotaNotice]:
    """Tell leads at 80% and 100% of their allocation (once each); freeze at 100% if the
    period says so."""
    permissions.check_operate(actor)
    period = selectors.period_current(cluster=cluster)
    if period is None:
        return []
    sent = []
    for allocation in ProjectAllocation.objects.filter(
        period=period, status=AllocationStatus.ACTIVE
    ).select_related("project", "project__lead", "period"):
        used = allocation_used_seconds(allocation)
        for threshold in (QuotaNotice.Threshold.EIGHTY, QuotaNotice.Threshold.FULL):
            # Both sides in GPU-seconds, as integers: no rounding before the comparison.
            if used * 100 < threshold * allocation.minutes * 60:
                continue
            notice = _notice(actor, allocation, int(threshold), used)
            if notice is not None:
                sent.append(notice)
    return sent


@transaction.atomic
def _notice(
    actor: Actor, allocation: ProjectAllocation, threshold: int, used_seconds: int
) -> QuotaNotice | None:
    ProjectAllocation.objects.select_for_update().get(pk=allocation.pk)
    if QuotaNotice.objects.filter(allocation=allocation, threshold=threshold).exists():
        return None
    freeze = threshold == 100 and allocation.period.freeze_at_full
    notice = QuotaNotice.objects.create(
        allocation=allocation,
        threshold=threshold,
        used_minutes=used_seconds // 60,
        used_seconds=used_seconds,
        froze=freeze,
    )
    audit_record(
        actor=actor,
        action="compute.quota_notice",
        target=allocation,
        after={"threshold": threshold, "used_seconds": used_seconds, "freeze": freeze},
    )
    used = _minutes_shown(used_seconds)
    if freeze and selectors.operational_freeze_in_force(allocation.project) is None:
        from compute.services.projects import project_compute_freeze

        project_compute_freeze(
            actor=actor,
            project=allocation.project,
            reason=_("Allocation used up: %(used)s of %(minutes)s GPU-minutes in %(period)s.")
            % {
                "used": used,
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
            },
        )
    lead = allocation.project.lead
    if lead.email:
        with translation.override(lead.preferred_language):
            subject = _("%(code)s has used %(pct)d%% of its GPU allocation") % {
                "code": allocation.project.code,
                "pct": threshold,
            }
            body = _(
                "Project %(code)s has used %(used)s of its %(minutes)s GPU-minutes in "
                "%(period)s.%(frozen)s"
            ) % {
                "code": allocation.project.code,
                "used": used,
                "minutes": f"{allocation.minutes:,}",
                "period": allocation.period.name,
                "frozen": _(" Its jobs are frozen until an operator lifts the freeze.")
                if freeze
                else "",
            }
        transaction.on_commit(
            lambda: send_mail(subject, body, None, [lead.email], fail_silently=True)
        )
    return notice
