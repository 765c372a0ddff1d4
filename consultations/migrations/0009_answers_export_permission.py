"""Exporting a consultation's answers becomes a permission of its own (export_consultation), as
exporting the CRM's records is; the roles get it by their rule (crm.roles): the administrator and
the policy officer, not the CRM editor nor the read-only role."""

from django.db import migrations

from crm.roles import sync_roles


def give_the_roles_the_new_permission(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0008_invitations_never_delivered"),
    ]

    # Reversing leaves the groups as they are, as the earlier role migrations do.
    operations = [
        migrations.AlterModelOptions(
            name="consultation",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("export_consultation", "Can export consultation answers")],
                "verbose_name": "consultation",
                "verbose_name_plural": "consultations",
            },
        ),
        migrations.RunPython(give_the_roles_the_new_permission, migrations.RunPython.noop),
    ]
