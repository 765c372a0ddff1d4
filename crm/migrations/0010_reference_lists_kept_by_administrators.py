"""The sectors and municipalities become read-only for the CRM editor (crm.roles.REFERENCE_MODELS):
the groups of an existing database are brought to the roles' rule again."""

from django.db import migrations

from crm.roles import sync_roles


def apply_the_roles_rule(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_history_entries_named"),
    ]

    # Reversing leaves the groups as they are, as the earlier role migrations do.
    operations = [
        migrations.RunPython(apply_the_roles_rule, migrations.RunPython.noop),
    ]
