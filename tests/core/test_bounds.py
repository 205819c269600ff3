"""The shared bounds and validators of core, and what they keep out of the demo's SQLite.

Issue 13 items 2, 3 and 8: the same refusals on SQLite (the demo) as on PostgreSQL, where SQLite
would otherwise store a year-1 motion or an over-long decimal and fail on every later read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers


@pytest.mark.parametrize(
    "name", ["\u200b\u200d", "\ufeff", "   ", "A\u202eB", "\u2067x", "x\u202a"]
)
def test_validate_name_refuses_invisible_and_bidi_control_names(name):
    """Nothing visible, or a bidi embedding/override/isolate, is refused."""
    from core.validators import validate_name

    with pytest.raises(ValidationError):
        validate_name(name)


@pytest.mark.parametrize("name", ["Deutschland", "Česko", "ישראל", "Côte d’Ivoire", "日本"])
def test_validate_name_accepts_real_names_in_any_script(name):
    """Right-to-left scripts themselves are fine; only the control characters are refused."""
    from core.validators import validate_name

    validate_name(name)


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59", "1999-12-31"]
)
def test_the_api_time_field_refuses_times_outside_the_stored_years(value):
    """A naive year-1 time overflowed DRF's check (a 500); it is now a validation error."""
    from core.bounds import DateTimeInput

    with pytest.raises(serializers.ValidationError):
        DateTimeInput().to_internal_value(value)


def test_column_max():
    from core.bounds import column_max

    assert column_max(18, 2) == Decimal("9999999999999999.99")


SCRIPT = """
import datetime as dt
from decimal import Decimal
from django.db import IntegrityError, transaction
from django.utils import timezone
from core.actors import Actor
from core.errors import ValidationFailed
from funding.models import ExchangeRate, Payment
from governance.models import Council, Motion, MemberState
from compute import services as compute
from compute.errors import UsageFileInvalid
from compute.models import Cluster

def refused(make):
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return "refused"
    return "stored"

council = Council.objects.create(code="gc", kind="governing_council", name_en="GC", name_de="GC", name_fr="GC")
state = MemberState.objects.create(code="DE", name_en="Germany", name_de="D", name_fr="A", status="full",
    accession_date=dt.date(2024, 1, 1), population=1, currency="EUR")
y1 = dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC)
print(refused(lambda: Motion.objects.create(reference="GC/1", council=council, kind="general", title="t",
    text="x", rule={}, opens_at=y1, closes_at=y1 + dt.timedelta(days=2))))
print(refused(lambda: Motion.objects.create(reference="GC/2", council=council, kind="general", title="t",
    text="x" * 100_001, rule={}, opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=2))))
print(refused(lambda: Payment.objects.create(member_state=state, value_date=dt.date(2025, 1, 1),
    amount=Decimal("9999999999999999.99"), currency="EUR", base_currency="EUR", rate=Decimal(1),
    rate_date=dt.date(2025, 1, 1), rate_source="x", base_amount_cents=1, recorded_by_label="x")))
print(refused(lambda: ExchangeRate.objects.create(currency="USD", date=dt.date(2025, 1, 1),
    per_eur=Decimal("999999999999999"))))
print(refused(lambda: ExchangeRate.objects.create(currency="USD", date=dt.date(1, 1, 1), per_eur=1)))
# a job given twice in a file with two GPU counts is a conflict on the demo's path too
cluster = Cluster.objects.create(name="demo")
actor = Actor.system("t")
line = "5|acct|u|gres/gpu={}|60|COMPLETED|2026-11-20T10:00:00|2026-11-20T11:00:00\\n"
try:
    compute.usage_ingest(actor=actor, cluster=cluster, lines=[line.format(2), line.format(4)])
    print("taken")
except UsageFileInvalid as exc:
    print("conflict" if "job 5" in exc.message else exc.message)
"""


def test_the_sqlite_demo_refuses_what_postgresql_refuses(tmp_path):
    """On SQLite, a year-1 motion, a 1 MB text, an over-long amount or rate are refused by the
    database (SQLite would store them, then fail on every read of the motion list, the statement
    or the rates), and a job given twice in a file with two GPU counts is a conflict."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    script = textwrap.dedent(SCRIPT)
    for args in (["migrate", "--no-input"], ["shell", "--verbosity", "0", "-c", script]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == ["refused"] * 5 + ["conflict"]
