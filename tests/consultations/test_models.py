from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.template import Context, Template
from django.utils import timezone
from django.utils.html import strip_tags

from consultations.markdown import render_markdown
from consultations.models import AccessLink, AccessToken, Answer, Consultation, Invitation, Question, Response
from consultations.validators import DOCUMENT_MAX_BYTES, validate_document
from tests.consultations.factories import (
    AccessLinkFactory,
    AnswerFactory,
    ConsultationFactory,
    InvitationFactory,
    QuestionFactory,
    ResponseFactory,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_an_organisation_is_invited_once_and_answers_once_per_consultation():
    invitation = InvitationFactory()
    _refused(
        lambda: Invitation.objects.create(
            consultation=invitation.consultation, organisation=invitation.organisation
        )
    )
    response = ResponseFactory()
    _refused(
        lambda: Response.objects.create(
            consultation=response.consultation, organisation=response.organisation
        )
    )


def test_a_person_has_one_active_link_per_invitation_and_any_number_of_revoked_ones():
    link = AccessLinkFactory()
    _refused(lambda: AccessLink.objects.create(invitation=link.invitation, person=link.person))
    link.revoked_at = timezone.now()
    link.save()
    AccessLink.objects.create(invitation=link.invitation, person=link.person)
    assert AccessLink.objects.filter(person=link.person).count() == 2


def test_only_a_sha256_hash_fits_the_token_column_and_each_hash_is_stored_once():
    link = AccessLinkFactory()
    now = timezone.now()
    _refused(
        lambda: AccessToken.objects.create(
            access_link=link, token_hash="abc", kind="invitation", issued_at=now
        )
    )
    _refused(
        lambda: AccessToken.objects.create(
            access_link=link, token_hash=AccessToken.hash_token("t"), kind="letter", issued_at=now
        )
    )
    AccessToken.objects.create(
        access_link=link, token_hash=AccessToken.hash_token("t"), kind="invitation", issued_at=now
    )
    AccessToken.objects.create(
        access_link=link, token_hash=AccessToken.hash_token("u"), kind="reminder", issued_at=now
    )
    other = AccessLinkFactory()
    _refused(
        lambda: AccessToken.objects.create(
            access_link=other, token_hash=AccessToken.hash_token("t"), kind="invitation", issued_at=now
        )
    )
    assert link.tokens.count() == 2


def test_the_database_keeps_statuses_and_dates_consistent():
    consultation = ConsultationFactory()
    _refused(lambda: Consultation.objects.filter(pk=consultation.pk).update(status="published"))
    _refused(lambda: Consultation.objects.filter(pk=consultation.pk).update(status="open", opens_at=None))
    _refused(
        lambda: Consultation.objects.filter(pk=consultation.pk).update(
            status="closed", opens_at=timezone.now()
        )
    )
    _refused(
        lambda: Consultation.objects.filter(pk=consultation.pk).update(
            external_deadline=consultation.internal_deadline - datetime.timedelta(days=1)
        )
    )
    _refused(
        lambda: Consultation.objects.filter(pk=consultation.pk).update(
            opens_at=consultation.internal_deadline
        )
    )
    response = ResponseFactory()
    _refused(lambda: Response.objects.filter(pk=response.pk).update(status="submitted"))
    answer = AnswerFactory()
    _refused(lambda: Answer.objects.filter(pk=answer.pk).update(scale=6))
    _refused(lambda: Answer.objects.create(response=answer.response, question=answer.question))


def test_an_answered_question_cannot_be_deleted_but_its_consultation_can():
    answer = AnswerFactory(response__consultation__title="Trinamas")
    question = answer.question
    answer.response.consultation = question.consultation
    answer.response.save()
    with pytest.raises(RestrictedError):
        question.delete()
    question.consultation.delete()
    assert not Answer.objects.exists()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "single_choice", "choices": ["Tik vienas"]}, "choices"),
        ({"kind": "multiple_choice", "choices": ["Taip", " taip "]}, "choices"),
        ({"kind": "long_text", "choices": ["Taip", "Ne"]}, "choices"),
        ({"kind": "yes_no", "allow_other": True}, "allow_other"),
        ({"kind": "scale", "max_length": 100}, "max_length"),
    ],
)
def test_question_checks_its_choices_and_limits(fields, error_field):
    question = QuestionFactory.build(consultation=ConsultationFactory(), **fields)
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    assert error_field in refused.value.message_dict


def test_a_proper_choice_question_is_valid():
    question = QuestionFactory.build(
        consultation=ConsultationFactory(), kind="multiple_choice", choices=["Taip", "Ne"], allow_other=True
    )
    question.full_clean()


def test_documents_are_checked_by_extension_size_and_content():
    validate_document(SimpleUploadedFile("projektas.pdf", b"%PDF-1.7 ..."))
    validate_document(SimpleUploadedFile("lentele.XLSX", b"PK\x03\x04..."))
    with pytest.raises(ValidationError, match="Pridėti galima tik PDF"):
        validate_document(SimpleUploadedFile("programa.exe", b"MZ..."))
    with pytest.raises(ValidationError, match="nėra tinkamas PDF failas"):
        validate_document(SimpleUploadedFile("programa.pdf", b"MZ..."))
    with pytest.raises(ValidationError, match="ne didesnis kaip"):
        validate_document(SimpleUploadedFile("didelis.pdf", b"%PDF-" + b"0" * DOCUMENT_MAX_BYTES))


def test_markdown_background_is_rendered_without_scripts_or_dangerous_links():
    html = render_markdown(
        "**Svarbu**\n\n- [projektas](https://e-seimas.lrs.lt/x)\n- [blogas](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)><a href='#' onclick='x()'>a</a>"
    )
    assert "<strong>Svarbu</strong>" in html
    assert 'href="https://e-seimas.lrs.lt/x"' in html
    assert "javascript:" not in html
    assert "<script" not in html
    assert "<img" not in html
    assert "onclick" not in html


def test_markdown_texts_converted_one_after_another_do_not_share_anything():
    import threading

    import markdown

    def fresh(text: str) -> str:
        return str(markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html"))

    defines = (
        "Žr. [projektą][p].\n\n[p]: https://e-seimas.lrs.lt/projektas\n\n| A | B |\n|---|---|\n| ą | č |"
    )
    uses = "Žr. [projektą][p].\n\n1. pirmas\n2. antras"
    assert 'href="https://e-seimas.lrs.lt/projektas"' in render_markdown(defines)
    # The second text's reference is not defined in it: it stays text, as a fresh converter leaves it.
    second = render_markdown(uses, link_rel=None)
    assert "<a" not in second and "[projektą][p]" in second
    assert second == fresh(uses)
    assert render_markdown(defines, link_rel=None) == fresh(defines)

    # Each thread has its own converter.
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(render_markdown(uses, link_rel=None)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [second] * 4


def test_a_text_after_one_that_failed_to_convert_is_converted_as_by_a_fresh_converter():
    import markdown

    nested_too_deep = "".join("    " * depth + "- x\n" for depth in range(600))
    with pytest.raises(RecursionError):
        render_markdown(nested_too_deep)
    # A list item continued by an indented paragraph: a converter left "detabbed" by the failure
    # would make the paragraph a code block.
    continued = "- a\n\n    continued"
    assert render_markdown(continued, link_rel=None) == markdown.markdown(
        continued, extensions=["sane_lists", "tables"], output_format="html"
    )
    assert "<pre>" not in render_markdown(continued)


def test_the_migration_gives_every_existing_link_its_own_browser_key():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("consultations.migrations.0006_access_link_browser_key")
    links = [AccessLinkFactory() for _ in range(3)]
    # What adding the field leaves: one key for every row.
    AccessLink.objects.update(browser_key="0" * 32)

    migration.keys_for_each_link(apps, None)

    keys = set(
        AccessLink.objects.filter(pk__in=[link.pk for link in links]).values_list("browser_key", flat=True)
    )
    assert len(keys) == 3 and "0" * 32 not in keys
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in keys)


def test_str_of_models_names_them():
    link = AccessLinkFactory(person=PersonFactory(first_name="Rūta", last_name="Rūtaitė"))
    assert "Rūta Rūtaitė" in str(link)
    assert str(link.invitation.consultation) == link.invitation.consultation.title


def test_a_response_edit_names_its_time_in_the_association_s_time(opened):
    from consultations import services
    from consultations.models import ResponseEdit
    from tests.consultations.test_answers import full_answers

    ruta = opened.members["ruta"]
    services.response_save_draft(
        invitation=ruta.invitation,
        person=ruta.person,
        data=full_answers(opened.questions),
        expected_version=0,
    )

    edit = ResponseEdit.objects.get()
    local = timezone.localtime(edit.created_at)
    assert local.utcoffset() != datetime.timedelta(0)  # Vilnius is never at UTC
    assert str(edit).endswith(f" · {local:%Y-%m-%d %H:%M}")


def test_text_in_angle_brackets_that_is_no_tag_is_shown_as_typed_on_the_member_s_page():
    """ "<institucijos pavadinimas>" was taken for a tag and dropped, "A<B bei C>D" for a bold tag
    that made the rest of the paragraph bold."""
    typed = "Įrašyti <institucijos pavadinimas> ir kai A<B bei C>D PABAIGA"

    page = Template("{% load consultation_tags %}{{ text|markdown }}").render(Context({"text": typed}))

    assert page == "<p>Įrašyti &lt;institucijos pavadinimas&gt; ir kai A&lt;B bei C&gt;D PABAIGA</p>"
    assert html.unescape(strip_tags(page)) == typed


def test_tags_the_sanitiser_keeps_and_autolinks_still_work_between_angle_brackets():
    html_text = render_markdown(
        "<b>Svarbu</B>, <abbr title='Europos Sąjunga'>ES</abbr>, <https://e-seimas.lrs.lt/x>, "
        "<info@klasteriai.lt>, 5 < 6 > 4, `<b>kodas</b>`<!-- pastaba -->",
        link_rel=None,
    )

    assert html_text == (
        '<p><b>Svarbu</b>, <abbr title="Europos Sąjunga">ES</abbr>, '
        '<a href="https://e-seimas.lrs.lt/x">https://e-seimas.lrs.lt/x</a>, '
        '<a href="mailto:info@klasteriai.lt">info@klasteriai.lt</a>, 5 &lt; 6 &gt; 4, '
        "<code>&lt;b&gt;kodas&lt;/b&gt;</code></p>"
    )
