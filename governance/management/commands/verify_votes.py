"""Re-walk ballot chains and recount motions; exits non-zero if anything differs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.models import Motion, MotionStatus
from governance.verification import verify_motion


class Command(BaseCommand):
    help = "Verify the ballot chain and the tally of one motion (by reference) or of every counted motion."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("motion", nargs="?", help="a motion reference, e.g. GC/2026/001")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["motion"]:
            motions = list(Motion.objects.filter(reference=options["motion"]))
            if not motions:
                raise CommandError(f"No motion {options['motion']!r}.")
        else:
            motions = list(
                Motion.objects.filter(
                    status__in=[
                        MotionStatus.VOTING_OPEN,
                        MotionStatus.VOTING_CLOSED,
                        MotionStatus.CERTIFIED,
                        MotionStatus.PUBLISHED,
                    ]
                ).order_by("reference")
            )
        failures = 0
        for motion in motions:
            result = verify_motion(motion)
            if result.ok:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{motion.reference}: OK — {result.chain_length} ballots, head {result.chain_head}"
                    )
                    + (f"; {result.recount.get('summary')}" if result.recount else "")
                )
            else:
                failures += 1
                self.stdout.write(self.style.ERROR(f"{motion.reference}: MISMATCH"))
                for problem in result.problems:
                    self.stdout.write(f"  - {problem}")
        self.stdout.write(f"{len(motions)} motion(s) checked, {failures} with differences.")
        if failures:
            raise CommandError(f"{failures} motion(s) do not verify.")
