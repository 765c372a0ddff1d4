"""Each link gets its own browser key, which a browser holding the link proves it has (its signed
cookie carries the link's id and key). Adding the field gives every existing link the same key;
each is then given its own.
"""

import secrets

from django.db import migrations, models

import consultations.models


def keys_for_each_link(apps, schema_editor):
    AccessLink = apps.get_model("consultations", "AccessLink")
    links = list(AccessLink.objects.only("pk"))
    for link in links:
        link.browser_key = secrets.token_hex(16)
    AccessLink.objects.bulk_update(links, ["browser_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0005_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslink",
            name="browser_key",
            field=models.CharField(
                default=consultations.models.new_browser_key,
                editable=False,
                max_length=32,
                verbose_name="browser key",
            ),
        ),
        migrations.RunPython(keys_for_each_link, migrations.RunPython.noop, elidable=True),
    ]
