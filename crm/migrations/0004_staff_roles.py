from django.db import migrations

from crm.roles import ROLES, sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


def reverse(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_membership_periods_do_not_overlap"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
