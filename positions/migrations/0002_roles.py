"""Give the four staff roles the permissions of the position paper models (crm.roles decides which)."""

from django.db import migrations

from crm.roles import sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0001_initial"),
        ("crm", "0004_staff_roles"),
    ]

    # Reversing leaves the groups as they are: the permissions go with the models' content types.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
