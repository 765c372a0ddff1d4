"""The many-to-many tables of supporting organisations (a paper's annex, a proposal's "proposed
by") become models of their own, so that their link to an organisation can refuse to go while
the paper is sent (`cascade_unless_sent`). Only Django's idea of the tables changes: the models
take over the tables as they are (same table, columns, indexes and unique pair), and every row
stays where it is."""

import django.db.models.deletion
from django.db import migrations, models

import positions.models
from crm.roles import sync_roles


def give_the_roles_the_new_models(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_list_order_indexes"),
        ("positions", "0009_annex_says_what_it_lists"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PaperSupporter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "paper",
                            models.ForeignKey(
                                db_column="positionpaper_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="positions.positionpaper",
                                verbose_name="position paper",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=positions.models.cascade_unless_sent,
                                related_name="+",
                                to="crm.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "organisation in the annex",
                        "verbose_name_plural": "organisations in the annex",
                        "db_table": "positions_positionpaper_supporting_organisations",
                        "unique_together": {("paper", "organisation")},
                    },
                ),
                migrations.AlterField(
                    model_name="positionpaper",
                    name="supporting_organisations",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="supported_position_papers",
                        through="positions.PaperSupporter",
                        to="crm.organisation",
                        verbose_name="organisations in the annex",
                    ),
                ),
                migrations.CreateModel(
                    name="ProposalSupporter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "proposal",
                            models.ForeignKey(
                                db_column="paperproposal_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="positions.paperproposal",
                                verbose_name="proposal",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=positions.models.cascade_unless_sent,
                                related_name="+",
                                to="crm.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "proposing organisation",
                        "verbose_name_plural": "proposing organisations",
                        "db_table": "positions_paperproposal_supporting_organisations",
                        "unique_together": {("proposal", "organisation")},
                    },
                ),
                migrations.AlterField(
                    model_name="paperproposal",
                    name="supporting_organisations",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="positions.ProposalSupporter",
                        to="crm.organisation",
                        verbose_name="supporting organisations",
                    ),
                ),
            ],
        ),
        migrations.RunPython(give_the_roles_the_new_models, migrations.RunPython.noop),
    ]
