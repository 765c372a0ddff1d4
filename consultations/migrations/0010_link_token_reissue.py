"""A link token can be sent with the e-mail of a re-issued link (its earlier links revoked)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0009_answers_export_permission"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="accesstoken",
            name="consultations_accesstoken_kind_valid",
        ),
        migrations.AlterField(
            model_name="accesstoken",
            name="kind",
            field=models.CharField(
                choices=[("invitation", "Invitation"), ("reminder", "Reminder"), ("reissue", "New link")],
                max_length=10,
                verbose_name="sent with",
            ),
        ),
        migrations.AddConstraint(
            model_name="accesstoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["invitation", "reminder", "reissue"])),
                name="consultations_accesstoken_kind_valid",
            ),
        ),
    ]
