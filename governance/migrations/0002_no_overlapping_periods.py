"""PostgreSQL refuses overlapping seats and accreditations (SQLite relies on clean())."""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE governance_seat ADD CONSTRAINT seat_no_overlap EXCLUDE USING gist (
    council_id WITH =, member_state_id WITH =, daterange(seated_from, seated_until, '[)') WITH &&);
ALTER TABLE governance_accreditation ADD CONSTRAINT accreditation_one_state_per_person EXCLUDE USING gist (
    user_id WITH =, council_id WITH =, daterange(valid_from, valid_until, '[)') WITH &&);
ALTER TABLE governance_accreditation ADD CONSTRAINT accreditation_one_head EXCLUDE USING gist (
    council_id WITH =, member_state_id WITH =, daterange(valid_from, valid_until, '[)') WITH &&)
    WHERE (role = 'head');
"""
BACKWARD = """
ALTER TABLE governance_accreditation DROP CONSTRAINT IF EXISTS accreditation_one_head;
ALTER TABLE governance_accreditation DROP CONSTRAINT IF EXISTS accreditation_one_state_per_person;
ALTER TABLE governance_seat DROP CONSTRAINT IF EXISTS seat_no_overlap;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
