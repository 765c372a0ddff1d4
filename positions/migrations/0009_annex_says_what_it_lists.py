"""The annex's title says what its organisations did: support the position, or take part in the
consultation. A draft written from a consultation lists the members that submitted an answer to it
(`paper_draft_from_consultation`), so it gets the participants' title while its list is still
exactly those members; a draft whose list staff have changed (narrowed to the members that agreed
to the position, say) keeps the supporters' title, as do approved and sent papers, which keep the
title they were approved and sent with."""

from django.db import migrations, models


def drafts_listing_the_participants_say_so(apps, schema_editor):
    PositionPaper = apps.get_model("positions", "PositionPaper")
    Response = apps.get_model("consultations", "Response")
    participants = []
    for paper in PositionPaper.objects.filter(status="draft", source_consultation__isnull=False):
        listed = set(paper.supporting_organisations.values_list("pk", flat=True))
        # Who submitted, as `consultation_submissions` reads it: a response with a submitted version.
        submitted = set(
            Response.objects.filter(
                consultation_id=paper.source_consultation_id, versions__isnull=False
            ).values_list("organisation_id", flat=True)
        )
        if listed == submitted:
            participants.append(paper.pk)
    PositionPaper.objects.filter(pk__in=participants).update(annex="participants")


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
        # Back, the column goes, and the titles with it.
        migrations.RunPython(drafts_listing_the_participants_say_so, migrations.RunPython.noop),
    ]
