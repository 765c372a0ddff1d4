"""The annex's title says what its organisations did: support the position, or take part in the
consultation. Drafts written from a consultation list the members that answered it, so they get
the participants' title; approved and sent papers keep the title they were approved and sent
with."""

from django.db import migrations, models


def drafts_from_consultations_list_participants(apps, schema_editor):
    PositionPaper = apps.get_model("positions", "PositionPaper")
    PositionPaper.objects.filter(status="draft", source_consultation__isnull=False).update(
        annex="participants"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0008_proposal_lines_kept_if_edited"),
    ]

    operations = [
        migrations.AddField(
            model_name="positionpaper",
            name="annex",
            field=models.CharField(
                choices=[
                    ("supporters", "Members supporting the position"),
                    ("participants", "Members that took part in the consultation"),
                ],
                default="supporters",
                help_text="The annex's title. A draft from a consultation lists the members that answered it; call them supporters only once they have agreed to this position.",
                max_length=12,
                verbose_name="the annex lists",
            ),
        ),
        migrations.AlterField(
            model_name="positionpaper",
            name="supporting_organisations",
            field=models.ManyToManyField(
                blank=True,
                related_name="supported_position_papers",
                to="crm.organisation",
                verbose_name="organisations in the annex",
            ),
        ),
        migrations.AddConstraint(
            model_name="positionpaper",
            constraint=models.CheckConstraint(
                condition=models.Q(("annex__in", ["supporters", "participants"])),
                name="positions_paper_annex_valid",
            ),
        ),
        migrations.RunPython(drafts_from_consultations_list_participants, migrations.RunPython.noop),
    ]
