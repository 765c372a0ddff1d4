"""Each save of a response records which questions it changed, so a refused stale save can say
what the colleague changed meanwhile."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0003_access_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="responseedit",
            name="changed_questions",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Ids of the questions this save changed.",
                verbose_name="changed questions",
            ),
        ),
    ]
