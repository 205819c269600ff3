"""The database itself refuses to change or remove money records, whatever the client.

Ledger entries, payments, payment reversals, voluntary contributions and scale shares are
append-only; an adopted contribution scale is frozen. Corrections are new rows (reversals).
"""

from django.db import migrations

APPEND_ONLY = (
    "funding_ledgerentry",
    "funding_payment",
    "funding_paymentreversal",
    "funding_voluntarycontribution",
    "funding_scaleshare",
)

PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION funding_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Django's test runner empties its own test_* databases with TRUNCATE between tests; no
    -- production database has such a name (see core/migrations/0002_audit_append_only.py).
    IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'money records are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE OR REPLACE FUNCTION funding_scale_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'adopted' THEN
        RAISE EXCEPTION 'an adopted contribution scale is frozen: % is refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER funding_contributionscale_frozen
    BEFORE UPDATE OR DELETE ON funding_contributionscale
    FOR EACH ROW EXECUTE FUNCTION funding_scale_frozen();
"""
PG_TABLE = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION funding_refuse_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION funding_refuse_change();
"""
PG_BACKWARD_TABLE = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS funding_contributionscale_frozen ON funding_contributionscale;
DROP FUNCTION IF EXISTS funding_scale_frozen();
DROP FUNCTION IF EXISTS funding_refuse_change();
"""
SQLITE_TABLE = [
    """CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, 'money records are append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
       BEGIN SELECT RAISE(ABORT, 'money records are append-only: DELETE is refused'); END""",
]
SQLITE_SCALE = [
    """CREATE TRIGGER funding_contributionscale_frozen_update BEFORE UPDATE ON funding_contributionscale
       WHEN OLD.status = 'adopted'
       BEGIN SELECT RAISE(ABORT, 'an adopted contribution scale is frozen'); END""",
    """CREATE TRIGGER funding_contributionscale_frozen_delete BEFORE DELETE ON funding_contributionscale
       WHEN OLD.status = 'adopted'
       BEGIN SELECT RAISE(ABORT, 'an adopted contribution scale is frozen'); END""",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, None)
        for table in APPEND_ONLY:
            schema_editor.execute(PG_TABLE.format(table=table), None)
    elif vendor == "sqlite":
        for table in APPEND_ONLY:
            for sql in SQLITE_TABLE:
                schema_editor.execute(sql.format(table=table))
        for sql in SQLITE_SCALE:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in APPEND_ONLY:
            schema_editor.execute(PG_BACKWARD_TABLE.format(table=table), None)
        schema_editor.execute(PG_BACKWARD, None)
    elif vendor == "sqlite":
        for table in APPEND_ONLY:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        schema_editor.execute("DROP TRIGGER IF EXISTS funding_contributionscale_frozen_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS funding_contributionscale_frozen_delete")


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
