"""An approved version of minutes is frozen: PostgreSQL refuses to change or delete it."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION governance_minutesversion_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;  -- Django's test runner empties its own test_* databases between tests
    END IF;
    RAISE EXCEPTION 'approved minutes are frozen: % on governance_minutesversion is refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER governance_minutesversion_frozen
    BEFORE UPDATE OR DELETE ON governance_minutesversion
    FOR EACH ROW EXECUTE FUNCTION governance_minutesversion_guard();
CREATE TRIGGER governance_minutesversion_no_truncate
    BEFORE TRUNCATE ON governance_minutesversion
    FOR EACH STATEMENT EXECUTE FUNCTION governance_minutesversion_guard();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS governance_minutesversion_no_truncate ON governance_minutesversion;
DROP TRIGGER IF EXISTS governance_minutesversion_frozen ON governance_minutesversion;
DROP FUNCTION IF EXISTS governance_minutesversion_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0030_sessions")]
    operations = [migrations.RunPython(forward, backward)]
