"""A paper's grouped proposals are kept apart by the proposals question they answer (a
consultation may ask one for each of several draft acts), and a line of the proposals table may name
its draft act. Existing groups get their question where all the answers behind them answer one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def groups_get_their_question(apps, schema_editor):
    ProposalGroup = apps.get_model("positions", "ProposalGroup")
    Answer = apps.get_model("consultations", "Answer")
    through = ProposalGroup.source_answers.through
    questions: dict[int, set[int]] = {}
    answer_questions = dict(
        Answer.objects.filter(pk__in=through.objects.values("answer_id")).values_list("pk", "question_id")
    )
    for group_id, answer_id in through.objects.values_list("proposalgroup_id", "answer_id"):
        questions.setdefault(group_id, set()).add(answer_questions[answer_id])
    for group_id, question_ids in questions.items():
        if len(question_ids) == 1:
            ProposalGroup.objects.filter(pk=group_id).update(question_id=next(iter(question_ids)))


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0007_invitations_unsent_index"),
        ("crm", "0006_sqlite_case_indexes_fold_every_letter"),
        ("positions", "0010_supporters_of_sent_papers_kept"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="proposalgroup",
            name="positions_proposalgroup_key_unique",
        ),
        migrations.AddField(
            model_name="paperproposal",
            name="act",
            field=models.CharField(
                blank=True,
                help_text="When the paper comments on more than one draft act: which one this proposal is about. The table prints the lines of each act under its name.",
                max_length=255,
                verbose_name="draft act",
            ),
        ),
        migrations.AddField(
            model_name="proposalgroup",
            name="question",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="consultations.question",
                verbose_name="question",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalgroup",
            constraint=models.UniqueConstraint(
                condition=models.Q(("question__isnull", False)),
                fields=("paper", "question", "key"),
                name="positions_proposalgroup_question_key_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalgroup",
            constraint=models.UniqueConstraint(
                condition=models.Q(("question__isnull", True)),
                fields=("paper", "key"),
                name="positions_proposalgroup_key_unique",
            ),
        ),
        migrations.RunPython(groups_get_their_question, migrations.RunPython.noop),
    ]
