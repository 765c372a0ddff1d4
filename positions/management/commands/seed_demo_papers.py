"""Demo consultations and a position paper, so that a new installation shows the whole flow:
one open consultation with some answers in, one closed consultation that all but one of the
invited clusters answered, and a draft paper written from it with its proposals consolidated.

Run after `seed_demo` (the clusters) and `ensure_demo_staff` (who acts). Idempotent: a
consultation with the same title is left as it is. The invitations are recorded as sent, but
their e-mails go to an in-memory mailbox, not to the demo contacts' addresses.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from consultations import services as consultation_services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import AccessLink, Consultation, Invitation, Question
from crm.models import Organisation
from crm.validators import legal_code_check_digit
from positions import consolidation, services
from positions.consolidation import GroupDecision
from positions.models import IssuerSettings, ProposalGroup

# The demo association's legal entity code: made up, with a valid check digit.
DEMO_LEGAL_CODE = "30271234" + str(legal_code_check_digit("30271234"))

OPEN_TITLE = "Dėl Lietuvos Respublikos inovacijų įstatymo pakeitimo projekto"
CLOSED_TITLE = "Dėl Klasterių plėtros programos 2027–2030 m. projekto"
INSTITUTION = "Ekonomikos ir inovacijų ministerija"
# The letter names its addressee in the dative, as staff write it (the CRM keeps the name as it is,
# in the nominative): without it, a Lithuanian paper is not approved.
ADDRESSEE_AS_WRITTEN = {
    "Lietuvos Respublikos ekonomikos ir inovacijų ministerija": (
        "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai"
    ),
}

QUESTIONS = [
    (
        Question.Kind.SINGLE_CHOICE,
        "Ar pritariate projektui?",
        ["Pritariame", "Pritariame su pastabomis", "Nepritariame"],
    ),
    (Question.Kind.SCALE, "Ar programa atitinka jūsų klasterio poreikius?", []),
    (Question.Kind.LONG_TEXT, "Pastabos dėl projekto", []),
    (Question.Kind.PROPOSALS, "Konkretūs pakeitimų pasiūlymai", []),
]

# For each answering cluster: choice index, scale, remark, proposals (provision, wording, justification).
ANSWERS = [
    (
        0,
        5,
        "Programa aiški, prašome tik išlaikyti finansavimo tęstinumą.",
        [
            (
                "4 punktas",
                "Finansavimą skirti ne trumpesniam kaip 3 metų laikotarpiui.",
                "Klasterių projektai trunka ilgiau nei metus.",
            ),
        ],
    ),
    (
        1,
        4,
        "Siūlome aiškiau apibrėžti tarptautiškumo rodiklius.",
        [
            ("4 punktas", "Finansavimą skirti 3 metų laikotarpiui.", "Užtikrinamas veiklos tęstinumas."),
            ("7.2 papunktis", "Papildyti eksporto rodikliu.", "Tarptautiškumas – programos tikslas."),
        ],
    ),
    (
        1,
        3,
        "Regionų klasteriams reikia mažesnio nuosavo įnašo.",
        [
            (
                "9 punktas",
                "Nuosavą įnašą regionuose sumažinti iki 10 proc.",
                "Regionų klasterių pajėgumai mažesni.",
            ),
        ],
    ),
    (2, 2, "Projektas nesuderintas su sektorių strategijomis.", []),
    (
        0,
        4,
        "",
        [
            (
                "7.2 papunktis",
                "Papildyti eksporto ir tarptautinių projektų rodikliais.",
                "Atitinka ES klasterių politiką.",
            ),
        ],
    ),
]


class Command(BaseCommand):
    help = "Load demo consultations and a position paper drafted from one (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The tasks (e-mails) run at once in development and would log every one of them.
        tasks_logger = logging.getLogger("django_tasks")
        level = tasks_logger.level
        tasks_logger.setLevel(logging.WARNING)
        try:
            self._load()
        finally:
            tasks_logger.setLevel(level)

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    @transaction.atomic
    def _load(self) -> None:
        user = get_user_model().objects.filter(username=settings.DEMO_STAFF_USERNAME).first()
        if user is None:
            raise CommandError("Run ensure_demo_staff first: the demo staff member runs the consultations.")
        clusters = list(Organisation.objects.filter(kind=Organisation.Kind.CLUSTER).order_by("legal_code"))
        if len(clusters) < len(ANSWERS) + 2:
            raise CommandError("Run seed_demo first: the demo clusters answer the consultations.")
        institution = Organisation.objects.filter(
            kind=Organisation.Kind.PUBLIC, name__icontains="ekonomikos"
        ).first()
        self._issuer()
        closed = self._consultation(
            CLOSED_TITLE, clusters[: len(ANSWERS) + 1], institution, user, answered=len(ANSWERS), close=True
        )
        self._consultation(OPEN_TITLE, clusters, institution, user, answered=2, close=False)
        if closed is not None:
            self._paper(closed, user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo consultations: {Consultation.objects.count()}; position papers: "
                f"{closed.position_papers.count() if closed else 'already loaded'}."
            )
        )

    def _issuer(self) -> None:
        issuer = IssuerSettings.load()
        if issuer.name:
            if not issuer.legal_code:
                # Demo data loaded before approval asked for the code.
                issuer.legal_code = DEMO_LEGAL_CODE
                issuer.save(update_fields=["legal_code"])
            return
        issuer.name = "Lietuvos klasterių asociacija"
        issuer.name_en = "Lithuanian Cluster Association"
        issuer.legal_form = "Asociacija"
        issuer.legal_form_en = "Association"
        issuer.legal_code = DEMO_LEGAL_CODE
        issuer.address = "Gedimino pr. 1, LT-01103 Vilnius"
        issuer.phone = "+37052123456"
        issuer.email = "info@klasteriai.lt"
        issuer.website = "https://www.klasteriai.lt/"
        issuer.signatory_name = "Rūta Žilinskienė"
        issuer.signatory_position = "Prezidentė"
        issuer.signatory_position_en = "President"
        issuer.save()

    def _consultation(
        self,
        title: str,
        audience: list[Organisation],
        institution: Organisation | None,
        user: Any,
        *,
        answered: int,
        close: bool,
    ) -> Consultation | None:
        now = timezone.now()
        existing = Consultation.objects.filter(title=title).first()
        if existing is not None:
            if existing.status == Consultation.Status.OPEN and existing.deadline_passed(now):
                # `make run` again weeks later: the demo's open consultation takes answers again,
                # as staff would move a passed deadline later, so that the README's way to answer
                # it as a member (a link issued anew) still works.
                existing.internal_deadline = now + datetime.timedelta(days=14)
                existing.external_deadline = now + datetime.timedelta(days=21)
                existing.save(update_fields=["internal_deadline", "external_deadline", "updated_at"])
            return None
        consultation = Consultation.objects.create(
            title=title,
            background="Ministerija prašo asociacijos pastabų dėl **projekto**. Atsakykite iki nurodytos datos.",
            requesting_institution=institution,
            external_reference=f"{now:%y}-{1000 + len(title)}",
            internal_deadline=now + datetime.timedelta(days=14),
            external_deadline=now + datetime.timedelta(days=21),
            responsible=user,
        )
        consultation.audience_organisations.set(audience)
        questions = [
            Question.objects.create(
                consultation=consultation,
                position=position,
                kind=kind,
                text=text,
                choices=choices,
                required=False,
            )
            for position, (kind, text, choices) in enumerate(QUESTIONS, start=1)
        ]
        consultation_services.consultation_open(consultation=consultation, user=user)
        links = AccessLink.objects.filter(invitation__consultation=consultation).select_related(
            "invitation", "person"
        )
        first_link = {}
        for link in links.order_by("invitation__organisation__legal_code", "pk"):
            first_link.setdefault(link.invitation.organisation_id, link)
        for (choice, scale, remark, proposals), organisation in zip(
            ANSWERS[:answered], audience, strict=False
        ):
            link = first_link.get(organisation.pk)
            if link is None:
                continue
            choice_q, scale_q, text_q, proposals_q = questions
            # A member opens the link before answering (the demo's links are not e-mailed).
            AccessLink.objects.filter(pk=link.pk).update(opened_at=now)
            Invitation.objects.filter(pk=link.invitation_id).update(opened_at=now)
            consultation_services.response_submit(
                invitation=link.invitation,
                person=link.person,
                data={
                    choice_q.pk: AnswerValue(choice_indexes=(choice,)),
                    scale_q.pk: AnswerValue(scale=scale),
                    text_q.pk: AnswerValue(text=remark),
                    proposals_q.pk: AnswerValue(rows=tuple(ProposalValue(*row) for row in proposals)),
                },
                expected_version=0,
            )
        if close:
            consultation_services.consultation_close(consultation=consultation, user=user)
        return consultation

    def _paper(self, consultation: Consultation, user: Any) -> None:
        paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=user)
        if paper.addressee is not None and paper.addressee.name in ADDRESSEE_AS_WRITTEN:
            paper.addressee_label = ADDRESSEE_AS_WRITTEN[paper.addressee.name]
            paper = services.paper_save(paper=paper, user=user)
        for group in ProposalGroup.objects.filter(paper=paper).order_by("position"):
            if group.key.startswith("4"):
                decision = GroupDecision(
                    "merge",
                    "Du klasteriai siūlo tą patį.",
                    "Finansavimą skirti ne trumpesniam kaip 3 metų laikotarpiui.",
                )
            elif group.key.startswith("9"):
                decision = GroupDecision("drop", "Regionų įnašą spręs atskira priemonė.")
            else:
                decision = GroupDecision("adopt", "Atitinka asociacijos poziciją.")
            consolidation.proposal_group_decide(group=group, user=user, decision=decision)
        consolidation.paper_consolidation_apply(paper=paper, user=user)
