"""The texts of draft papers keep their line breaks as LF: the ones saved from the admin before came
with the CRLF browsers send, which made the sections and proposal lines written from the members'
answers look edited by hand. Approved and sent papers keep their text as it was registered (the
code compares the texts without regard to line breaks anyway). The addressee as written says that a
Lithuanian letter is approved only with it, in the dative."""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Replace

# Each model's texts, and the path from it to its paper.
TEXTS = [
    ("PaperSection", "paper", ["body"]),
    ("GeneratedSection", "section__paper", ["generated_body"]),
    ("PaperProposal", "paper", ["proposed_wording", "justification"]),
    (
        "ProposalGroup",
        "paper",
        ["reason", "merged_wording", "merged_justification", "generated_wording", "generated_justification"],
    ),
]


def forward(apps, schema_editor):
    for model_name, paper, fields in TEXTS:
        rows = apps.get_model("positions", model_name)._base_manager.filter(**{f"{paper}__status": "draft"})
        for field in fields:
            lf = Replace(Replace(field, Value("\r\n"), Value("\n")), Value("\r"), Value("\n"))
            rows.filter(**{f"{field}__contains": "\r"}).update(**{field: lf})


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0012_phone_extensions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="positionpaper",
            name="addressee_label",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The institution's name as it stands on the letter. A Lithuanian letter names it in the "
                    "dative (“…ministerijai”) and is approved only with it; an English letter left empty "
                    "prints the institution's name."
                ),
                max_length=255,
                verbose_name="addressee as written",
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
