"""Ingest finished jobs from a parsable sacct file, or from sacct over the last hours."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from compute import services
from compute.errors import UsageFileInvalid
from compute.models import Cluster
from core.actors import Actor
from core.models import AuditSource


class Command(BaseCommand):
    help = (
        "Ingest sacct lines (JobIDRaw|Account|User|AllocTRES|ElapsedRaw|State|Start|End) from "
        "--file (- for stdin) or from sacct for the last --hours; all lines or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cluster", required=True)
        parser.add_argument("--file")
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("compute_ingest_usage command", source=AuditSource.COMMAND)
        cluster = Cluster.objects.filter(name=options["cluster"]).first()
        if cluster is None:
            raise CommandError(f"No cluster {options['cluster']!r}.")
        try:
            if options["file"]:
                if options["file"] == "-":
                    result = services.usage_ingest(
                        actor=actor, cluster=cluster, lines=sys.stdin, source="stdin"
                    )
                else:
                    with open(options["file"], encoding="utf-8") as lines:
                        result = services.usage_ingest(
                            actor=actor, cluster=cluster, lines=lines, source=options["file"]
                        )
            else:
                end = timezone.now()
                start = end - dt.timedelta(hours=options["hours"])
                result = services.usage_ingest_window(
                    actor=actor, cluster=cluster, start=start, end=end
                )
        except UsageFileInvalid as exc:
            for number, why in exc.lines[:200]:
                self.stderr.write(f"line {number}: {why}")
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{result.lines} line(s), {result.inserted} new, {result.duplicates} already known"
        )
        services.usage_policy_apply(actor=actor, cluster=cluster)
