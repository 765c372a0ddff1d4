"""A rendering that a dispatch refers to (the PDF that was sent) can be neither changed nor
deleted, enforced by the database: a trigger aborts the UPDATE or DELETE."""

from django.db import migrations

# No percent sign in these statements: they go through the driver's parameter formatting.
PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION positions_rendering_frozen() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM positions_dispatch WHERE rendering_id = OLD.id) THEN
            RAISE EXCEPTION 'positions_rendering_frozen'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER positions_rendering_frozen BEFORE UPDATE OR DELETE ON positions_rendering
       FOR EACH ROW EXECUTE FUNCTION positions_rendering_frozen()""",
]
PG_REVERSE = [
    "DROP TRIGGER IF EXISTS positions_rendering_frozen ON positions_rendering",
    "DROP FUNCTION IF EXISTS positions_rendering_frozen()",
]

SQLITE_SENT = "EXISTS (SELECT 1 FROM positions_dispatch d WHERE d.rendering_id = OLD.id)"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER positions_rendering_frozen_update BEFORE UPDATE ON positions_rendering
        WHEN {SQLITE_SENT}
        BEGIN SELECT RAISE(ABORT, 'positions_rendering_frozen'); END""",
    f"""CREATE TRIGGER positions_rendering_frozen_delete BEFORE DELETE ON positions_rendering
        WHEN {SQLITE_SENT}
        BEGIN SELECT RAISE(ABORT, 'positions_rendering_frozen'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS positions_rendering_frozen_update",
    "DROP TRIGGER IF EXISTS positions_rendering_frozen_delete",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD})


def reverse(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("positions", "0002_roles")]

    operations = [migrations.RunPython(forward, reverse)]
