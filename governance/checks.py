"""System checks: the decision log cannot run without its signing key outside the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register("governance", deploy=False)
def signing_key_present(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Where keys are not made on first use (production), the key file must exist and load."""
    if settings.DECISION_SIGNING_KEY_CREATE:
        return []
    from governance import signing

    path = Path(settings.DECISION_SIGNING_KEY_FILE)
    try:
        signing.load_private_key(path)
    except (OSError, ValueError) as exc:
        return [
            Error(
                f"The decision log's signing key cannot be read from {path}: {exc}",
                hint="Generate one once (manage.py decision_log_key --create --file PATH) and set "
                "DECISION_SIGNING_KEY_FILE; keep it outside the database and its backups.",
                id="governance.E001",
            )
        ]
    return []
