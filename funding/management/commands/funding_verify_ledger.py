"""Recompute every balance from the ledger entries and compare with the stored balances."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from funding.verification import verify_ledger


class Command(BaseCommand):
    help = "Recompute each state's balances from its entries; exit 1 if any stored figure differs."

    def handle(self, *args: Any, **options: Any) -> None:
        differences = verify_ledger()
        for line in differences:
            self.stderr.write(line)
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between entries and balances.")
        self.stdout.write(
            self.style.SUCCESS("Every balance equals the recomputation from its entries.")
        )
