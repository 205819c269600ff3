"""`runserver` that refuses a non-loopback address under the local demo settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands import runserver
from django.core.management.base import CommandError

from core.local_only import is_loopback


class Command(runserver.Command):
    """Django's (and staticfiles') runserver; with LOCAL_ONLY it binds to loopback or not at all."""

    addr: str  # set by Django's handle() from the addrport argument, before run()

    def run(self, **options: Any) -> None:
        if getattr(settings, "LOCAL_ONLY", False) and not is_loopback(self.addr):
            raise CommandError(
                f"Refusing to serve on {self.addr}: the local settings run with DEBUG and a "
                "published secret key, so they serve this machine only (127.0.0.1, ::1 or "
                "localhost). Use config.settings.production to serve other machines."
            )
        super().run(**options)
