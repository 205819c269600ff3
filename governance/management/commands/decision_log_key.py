"""Print the decision log's public key, or make a new signing key file (once, at deployment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance import signing


class Command(BaseCommand):
    # It makes the key that the system checks ask for, so it cannot wait for them to pass.
    requires_system_checks: list[str] = []
    help = (
        "Print the public key (PEM) and key id of the decision log's signing key; with --create, "
        "make the key file first (refuses to overwrite one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--create", action="store_true", help="make a new key file")
        parser.add_argument(
            "--file", type=Path, help="the key file (default: DECISION_SIGNING_KEY_FILE)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"] or Path(settings.DECISION_SIGNING_KEY_FILE)
        if options["create"] and path.exists():
            raise CommandError(f"{path} exists already; a signing key is never overwritten.")
        try:
            key = signing.load_private_key(path, create=options["create"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the signing key at {path}: {exc}") from exc
        public = key.public_key()
        self.stdout.write(f"key id: {signing.key_id(public)}")
        self.stdout.write(signing.public_pem(public).rstrip())
