"""The project migrates from nothing, has no missing migrations, and passes the deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a fresh process: the browser tests' async escape hatch is not carried over."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **extra}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _production_env(key_file: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + uuid.uuid4().hex + "-deploy-check-only-Zq9!",
        "DJANGO_ALLOWED_HOSTS": "concordia.example",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:5432/unused",
        "DECISION_SIGNING_KEY_FILE": str(key_file),
    }


def test_check_deploy_with_production_settings_is_clean(tmp_path):
    """`manage.py check --deploy` finds nothing to warn about in production settings."""
    key = tmp_path / "signing.pem"
    made = manage("decision_log_key", "--create", "--file", str(key), env=_production_env(key))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "BEGIN PUBLIC KEY" in made.stdout
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(key))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_run_without_its_signing_key(tmp_path):
    """Production never makes a signing key on the fly: a missing key file fails the checks."""
    result = manage("check", env=_production_env(tmp_path / "missing.pem"))
    assert result.returncode != 0
    assert "governance.E001" in result.stdout + result.stderr


def test_no_model_change_lacks_a_migration():
    """Every model change has its migration."""
    result = manage(
        "makemigrations",
        "--check",
        "--dry-run",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrate_from_an_empty_postgresql_database_and_guard_the_audit_trail():
    """A fresh PostgreSQL database migrates cleanly, and there the trail refuses TRUNCATE too."""
    settings_dict = connection.settings_dict
    name = f"concordia_fresh_{uuid.uuid4().hex[:8]}"
    dsn = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
    }
    with psycopg.connect(**dsn, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{dsn['user']}@{dsn['host']}:{dsn['port']}/{name}"
        result = manage(
            "migrate",
            "--no-input",
            env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        with psycopg.connect(**dsn, dbname=name, autocommit=True) as db:
            db.execute(
                "INSERT INTO core_auditevent (occurred_at, actor_label, source, action, target_type, target_id,"
                " target_label, reason) VALUES (now(), 'x', 'web', 'probe', '', '', '', '')"
            )
            for sql in (
                "UPDATE core_auditevent SET action = 'forged'",
                "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent",
            ):
                with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                    db.execute(sql)
            assert db.execute("SELECT action FROM core_auditevent").fetchall() == [("probe",)]
    finally:
        with psycopg.connect(**dsn, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_from_an_empty_sqlite_file(tmp_path):
    """The embedded default migrates from nothing, and its triggers guard the trail too."""
    import sqlite3

    db = tmp_path / "fresh.sqlite3"
    result = manage(
        "migrate",
        "--no-input",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": f"sqlite:///{db}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO core_auditevent (occurred_at, actor_label, source, action, target_type, target_id,"
        " target_label, reason) VALUES ('2026-01-01', 'x', 'web', 'probe', '', '', '', '')"
    )
    con.commit()
    for sql in ("UPDATE core_auditevent SET action = 'forged'", "DELETE FROM core_auditevent"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
