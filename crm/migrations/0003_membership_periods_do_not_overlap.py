"""One organisation's membership periods never overlap, enforced by the database.

PostgreSQL: an exclusion constraint over the period as a closed date range (an open
end is unbounded). SQLite: triggers that abort an overlapping insert or update.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE crm_membership ADD CONSTRAINT crm_membership_no_overlap
       EXCLUDE USING gist (organisation_id WITH =, daterange(start_date, end_date, '[]') WITH &&)""",
]
PG_REVERSE = ["ALTER TABLE crm_membership DROP CONSTRAINT IF EXISTS crm_membership_no_overlap"]

SQLITE_OVERLAP = """EXISTS (
    SELECT 1 FROM crm_membership m
    WHERE m.organisation_id = NEW.organisation_id {extra}
      AND (m.end_date IS NULL OR m.end_date >= NEW.start_date)
      AND (NEW.end_date IS NULL OR m.start_date <= NEW.end_date))"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER crm_membership_no_overlap_insert BEFORE INSERT ON crm_membership
        WHEN {SQLITE_OVERLAP.format(extra="")}
        BEGIN SELECT RAISE(ABORT, 'crm_membership_no_overlap'); END""",
    f"""CREATE TRIGGER crm_membership_no_overlap_update BEFORE UPDATE ON crm_membership
        WHEN {SQLITE_OVERLAP.format(extra="AND m.id != NEW.id")}
        BEGIN SELECT RAISE(ABORT, 'crm_membership_no_overlap'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS crm_membership_no_overlap_insert",
    "DROP TRIGGER IF EXISTS crm_membership_no_overlap_update",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD})


def reverse(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_seed_sectors_and_municipalities")]

    operations = [migrations.RunPython(forward, reverse)]
