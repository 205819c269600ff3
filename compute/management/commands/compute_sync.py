"""Sync the Slurm account tree now, or print what a sync would run (--dry-run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compute import services
from compute.errors import SyncBusy
from compute.models import Cluster
from core.actors import Actor
from core.models import AuditSource


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
        for cluster in clusters:
            try:
                run = services.sync_run(actor=actor, cluster=cluster, dry_run=options["dry_run"])
            except SyncBusy as exc:
                raise CommandError(
                    f"{exc.message} Wait for it to finish (see the runs on the operators' page) "
                    "and try again."
                ) from exc
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
            raise CommandError("The sync failed; see the runs on the operators' page.")
