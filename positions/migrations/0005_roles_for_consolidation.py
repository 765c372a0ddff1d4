"""Give the staff roles the permissions of the consolidation models (crm.roles decides which)."""

from django.db import migrations

from crm.roles import sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("positions", "0004_consolidation")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
