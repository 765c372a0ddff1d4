"""An invitation counts as sent once an e-mail has really gone out, no longer when it was queued.

Until now `Invitation.sent_at` and `AccessLink.invited_at` were set when the e-mails were queued,
and stayed set when sending failed. Links that no e-mail ever reached (no token, never mailed
nor opened) lose their queued mark, so that "Invite new contacts" sends them again; invitations
that reached nobody (links without a token on every one of them, never opened nor answered) lose
their sent time, so that they are no longer counted as invited. An invitation with no link left
(its contacts deleted since) keeps its time: whether it was sent cannot be known.

An invitation e-mail still waiting for the task worker while this runs is sent as usual and marks
its link and invitation again. Going back keeps the corrected records: the code before reads an
empty mark as not sent, which is what they are.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q


def unmark_never_delivered(apps, schema_editor):
    AccessLink = apps.get_model("consultations", "AccessLink")
    AccessToken = apps.get_model("consultations", "AccessToken")
    Invitation = apps.get_model("consultations", "Invitation")
    Response = apps.get_model("consultations", "Response")

    AccessLink.objects.filter(
        invited_at__isnull=False,
        last_sent_at__isnull=True,
        opened_at__isnull=True,
    ).exclude(Exists(AccessToken.objects.filter(access_link_id=OuterRef("pk")))).update(invited_at=None)

    links = AccessLink.objects.filter(invitation_id=OuterRef("pk"))
    mailed = links.filter(
        Q(last_sent_at__isnull=False)
        | Q(opened_at__isnull=False)
        | Exists(AccessToken.objects.filter(access_link_id=OuterRef("pk")))
    )
    answered = Response.objects.filter(
        consultation_id=OuterRef("consultation_id"), organisation_id=OuterRef("organisation_id")
    )
    Invitation.objects.filter(sent_at__isnull=False, opened_at__isnull=True).filter(
        Exists(links), ~Exists(mailed), ~Exists(answered)
    ).update(sent_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0007_invitations_unsent_index"),
    ]

    operations = [
        migrations.RunPython(unmark_never_delivered, migrations.RunPython.noop),
    ]
