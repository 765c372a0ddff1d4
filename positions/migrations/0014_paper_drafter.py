"""A paper names its drafter (name, phone, e-mail), printed at the foot of the letter as the document rules ask."""

import crm.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0013_lf_line_breaks_addressee_in_dative"),
    ]

    operations = [
        migrations.AddField(
            model_name="positionpaper",
            name="drafter_email",
            field=crm.fields.LowercaseEmailField(blank=True, max_length=254, verbose_name="drafter's e-mail"),
        ),
        migrations.AddField(
            model_name="positionpaper",
            name="drafter_name",
            field=models.CharField(
                blank=True,
                help_text="Printed at the foot of the letter.",
                max_length=255,
                verbose_name="drafter",
            ),
        ),
        migrations.AddField(
            model_name="positionpaper",
            name="drafter_phone",
            field=crm.fields.PhoneField(blank=True, max_length=40, verbose_name="drafter's phone"),
        ),
    ]
