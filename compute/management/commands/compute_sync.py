"""Sync the Slurm account tree now, or print what a sync would run (--dry-run).

Exit codes: 0 done; 1 a sync failed (or no such cluster); 75 (EX_TEMPFAIL) another sync of a
cluster was running, so try again later. Each case is one plain line, never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from compute import services
from compute.errors import SyncBusy
from compute.models import Cluster
from core.actors import Actor
from core.models import AuditSource

# sysexits.h: "temporary failure; the user is invited to retry".
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Reconcile Slurm's accounts with the platform; --dry-run prints the commands only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cluster", help="Slurm cluster name (default: every cluster)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("compute_sync command", source=AuditSource.COMMAND)
        clusters = Cluster.objects.order_by("name")
        if options["cluster"]:
            clusters = clusters.filter(name=options["cluster"])
            if not clusters:
                raise CommandError(f"No cluster {options['cluster']!r}.")
        failed = False
        busy: list[str] = []
        for cluster in clusters:
            try:
                run = services.sync_run(actor=actor, cluster=cluster, dry_run=options["dry_run"])
            except SyncBusy as exc:
                busy.append(exc.message)  # the other clusters are still synced
                continue
            self.stdout.write(
                f"{cluster.name}: {run.status}, {len(run.diff)} change(s), "
                f"{len(run.commands)} command(s), {run.duration_ms} ms"
            )
            for change in run.diff:
                self.stdout.write(f"  {change['change']:<12} {change['account']}")
            for command in run.commands:
                self.stdout.write("  $ " + " ".join(command["argv"]))
                if options["dry_run"] and command.get("file"):
                    self.stdout.write("    " + command["file"].replace("\n", "\n    ").rstrip())
            if run.error:
                self.stderr.write(run.error)
            failed = failed or run.status == "failed"
        if failed:
            raise CommandError(
                " ".join([_("The sync failed; see the runs on the operators' page."), *busy])
            )
        if busy:
            raise CommandError(
                " ".join(
                    [*busy, _("Try again when it has finished (the operators' page shows it).")]
                ),
                returncode=EX_TEMPFAIL,
            )
