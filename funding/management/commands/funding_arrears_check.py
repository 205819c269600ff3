"""Recompute every state's arrears now and suspend or restore votes (what the daily task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.actors import Actor
from core.models import AuditSource
from funding import services


class Command(BaseCommand):
    help = "Check every state's arrears against the configured rule and act on any crossing."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("funding_arrears_check", source=AuditSource.COMMAND)
        for code, over in services.arrears_check_all(actor=actor).items():
            self.stdout.write(f"{code}: {'over the line' if over else 'within the line'}")
