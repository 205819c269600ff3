"""The German and French catalogues translate everything, and everything the code would show.

1. Each committed catalogue (locale/<lang>/LC_MESSAGES/django.po) has no untranslated entry (an
   empty msgstr, or an empty plural form) and no fuzzy one (a guess gettext would not use).
2. Every translatable string in the source (Python and templates) has a translation there: the
   test runs `makemessages` on a copy of the source, exactly as the maintainers do, and checks
   the catalogue it would produce. A string added in a template but never translated fails here
   with the file and line it comes from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("de", "fr")
SOURCE_DIRS = (
    "config",
    "core",
    "governance",
    "funding",
    "compute",
    "transparency",
    "demo",
    "templates",
)


def _read(path: Path, lang: str) -> Any:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _gaps(catalog: Any) -> list[str]:
    """Each untranslated or fuzzy entry: its msgid and where the source uses it."""
    gaps = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        problem = "fuzzy" if message.fuzzy else "untranslated" if not all(strings) else None
        if problem is None:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
        gaps.append(f"{problem}: {msgid!r} ({where or 'no source location'})")
    return gaps


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(lang):
    catalog = _read(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po", lang)
    gaps = _gaps(catalog)
    assert not gaps, f"locale/{lang} django.po, {len(gaps)} entries:\n  " + "\n  ".join(gaps)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the source and catalogues after `makemessages -l de -l fr`."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        message = "GNU gettext is not installed (bin/setup installs Debian's gettext)"
        if IN_CI:
            pytest.fail(message + " (CI=true: this check must run, not skip)")
        pytest.skip(message)
    copy = tmp_path_factory.mktemp("makemessages")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copytree(ROOT / "locale", copy / "locale", ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"--locale={lang}" for lang in LANGUAGES)],
        cwd=copy, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return copy


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_in_the_source_is_translated(extracted, lang):
    catalog = _read(extracted / "locale" / lang / "LC_MESSAGES" / "django.po", lang)
    gaps = _gaps(catalog)
    assert not gaps, (
        f"{len(gaps)} strings of the source have no {lang} translation in locale/{lang} "
        "(run makemessages, then translate them):\n  " + "\n  ".join(gaps)
    )
