"""Names sort in Lithuanian alphabetical order (crm/collation.py): their columns take the collation
"lithuanian". PostgreSQL has it from ICU's Lithuanian rules, created here (PostgreSQL built with
ICU, as the Debian, Ubuntu, Red Hat and official packages are); SQLite connections register it
themselves (config/sqlite3/base.py)."""

from django.db import migrations, models

LITHUANIAN = "lithuanian"  # crm.collation.LITHUANIAN


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE COLLATION IF NOT EXISTS \"{LITHUANIAN}\" (provider = icu, locale = 'lt')"
        )


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP COLLATION IF EXISTS "{LITHUANIAN}"')


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_phone_extensions"),
    ]

    operations = [
        migrations.RunPython(create_collation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="municipality",
            name="name",
            field=models.CharField(
                db_collation="lithuanian", max_length=100, unique=True, verbose_name="name"
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name",
            field=models.CharField(db_collation="lithuanian", max_length=255, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="person",
            name="first_name",
            field=models.CharField(db_collation="lithuanian", max_length=100, verbose_name="first name"),
        ),
        migrations.AlterField(
            model_name="person",
            name="last_name",
            field=models.CharField(db_collation="lithuanian", max_length=100, verbose_name="last name"),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(db_collation="lithuanian", max_length=60, verbose_name="name"),
        ),
        # Undone last: the columns first return to the default collation.
        migrations.RunPython(migrations.RunPython.noop, drop_collation),
    ]
