"""One token per e-mail: a reminder no longer replaces the link mailed with the invitation.

Tokens move from AccessLink to the new AccessToken table (the stored hashes are kept, so links
already mailed keep working), and the staff roles get the new model's permissions.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

from crm.roles import sync_roles


def tokens_to_table(apps, schema_editor):
    AccessLink = apps.get_model("consultations", "AccessLink")
    AccessToken = apps.get_model("consultations", "AccessToken")
    AccessToken.objects.bulk_create(
        AccessToken(
            access_link_id=link.pk,
            token_hash=link.token_hash,
            kind="invitation",
            issued_at=link.token_issued_at,
        )
        for link in AccessLink.objects.exclude(token_hash="").only("pk", "token_hash", "token_issued_at")
    )


def tokens_to_links(apps, schema_editor):
    # Going back, a link can hold one token: the latest one mailed.
    AccessLink = apps.get_model("consultations", "AccessLink")
    AccessToken = apps.get_model("consultations", "AccessToken")
    for token in AccessToken.objects.order_by("access_link_id", "issued_at", "pk"):
        AccessLink.objects.filter(pk=token.access_link_id).update(
            token_hash=token.token_hash, token_issued_at=token.issued_at
        )


def roles_sync(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True, verbose_name="token hash")),
                (
                    "kind",
                    models.CharField(
                        choices=[("invitation", "Invitation"), ("reminder", "Reminder")],
                        max_length=10,
                        verbose_name="sent with",
                    ),
                ),
                ("issued_at", models.DateTimeField(verbose_name="issued")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                (
                    "access_link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tokens",
                        to="consultations.accesslink",
                        verbose_name="access link",
                    ),
                ),
            ],
            options={
                "verbose_name": "link token",
                "verbose_name_plural": "link tokens",
                "ordering": ["access_link", "issued_at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            django.db.models.lookups.Exact(django.db.models.functions.text.Length("token_hash"), 64)
                        ),
                        name="consultations_accesstoken_hash_is_sha256",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["invitation", "reminder"])),
                        name="consultations_accesstoken_kind_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(tokens_to_table, tokens_to_links),
        migrations.RemoveConstraint(
            model_name="accesslink",
            name="consultations_accesslink_token_hash_unique",
        ),
        migrations.RemoveConstraint(
            model_name="accesslink",
            name="consultations_accesslink_token_hash_is_sha256",
        ),
        migrations.RemoveConstraint(
            model_name="accesslink",
            name="consultations_accesslink_token_has_issue_time",
        ),
        migrations.RemoveField(
            model_name="accesslink",
            name="token_hash",
        ),
        migrations.RemoveField(
            model_name="accesslink",
            name="token_issued_at",
        ),
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
    ]
