"""Re-walk ballot chains and recount motions; exits non-zero if anything differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance import signing
from governance.models import Motion, MotionStatus
from governance.verification import public_key, verify_log, verify_motion


class Command(BaseCommand):
    help = (
        "Verify the ballot chain and the tally of one motion (by reference) or of every counted "
        "motion against the platform's signed statements, the audit trail and the decision log; "
        "with --checkpoint, also against a signed tree head you kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("motion", nargs="?", help="a motion reference, e.g. GC/2026/001")
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="a signed tree head saved earlier (the JSON of /api/v1/public/log/)",
        )
        parser.add_argument(
            "--public-key",
            type=Path,
            help="the platform's public key (PEM) as you pinned it; default: the configured key",
        )

    def _load(self, options: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
        key = None
        if options["public_key"]:
            try:
                key = signing.load_public_pem(options["public_key"].read_bytes())
            except (OSError, signing.SignatureError) as exc:
                raise CommandError(f"Cannot read the public key: {exc}") from exc
        checkpoint = None
        if options["checkpoint"]:
            try:
                checkpoint = json.loads(options["checkpoint"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint: {exc}") from exc
            if not isinstance(checkpoint, dict):
                raise CommandError("The checkpoint is not a signed tree head (a JSON object).")
        return key or public_key(), checkpoint

    def handle(self, *args: Any, **options: Any) -> None:
        key, checkpoint = self._load(options)
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
            result = verify_motion(motion, key=key)
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
        log_problems = verify_log(key=key, checkpoint=checkpoint)
        if log_problems:
            self.stdout.write(self.style.ERROR("decision log: MISMATCH"))
            for problem in log_problems:
                self.stdout.write(f"  - {problem}")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "decision log: OK"
                    + (" and consistent with your checkpoint" if checkpoint is not None else "")
                )
            )
        self.stdout.write(f"{len(motions)} motion(s) checked, {failures} with differences.")
        if failures or log_problems:
            raise CommandError(
                f"{failures} motion(s) do not verify"
                + ("; the decision log does not verify" if log_problems else "")
                + "."
            )
