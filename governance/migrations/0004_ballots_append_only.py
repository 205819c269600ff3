"""Ballots are never edited or deleted; the only change allowed is being superseded."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION governance_ballot_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;  -- Django's test runner empties its own test_* databases between tests
    END IF;
    IF TG_OP = 'UPDATE'
       AND OLD.is_current AND NOT NEW.is_current
       AND (to_jsonb(NEW) - 'is_current') = (to_jsonb(OLD) - 'is_current') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ballots are append-only: % on governance_ballot is refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER governance_ballot_append_only
    BEFORE UPDATE OR DELETE ON governance_ballot
    FOR EACH ROW EXECUTE FUNCTION governance_ballot_guard();
CREATE TRIGGER governance_ballot_no_truncate
    BEFORE TRUNCATE ON governance_ballot
    FOR EACH STATEMENT EXECUTE FUNCTION governance_ballot_guard();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS governance_ballot_no_truncate ON governance_ballot;
DROP TRIGGER IF EXISTS governance_ballot_append_only ON governance_ballot;
DROP FUNCTION IF EXISTS governance_ballot_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_voting")]
    operations = [migrations.RunPython(forward, backward)]
