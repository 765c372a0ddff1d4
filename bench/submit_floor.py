"""The floor of the submits (benchmark 4): the same answers through Django's own form cycle.

A member page's submit validates fifteen answers and writes them, the response's new version,
its history and a numbered copy, and queues the e-mails; the page after it shows them. The floor
does what Django alone does for such a form, with nothing of the product's:
- GET: the consultation's questions and the client's saved answers read (two queries), a plain
  `forms.Form` with a field a question (and a formset of rows for proposals) rendered by Django's
  default form templates with those answers;
- POST: the same payload validated by that form, and the answers written in one transaction
  (the client's rows deleted, one `executemany` inserting a row a field), then a redirect.

Its answers go to a table of the benchmark's own (`FLOOR_TABLE`), made by `create_floor_table`
on the benchmark's database before the server starts: never on a product database.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import connection, transaction
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines

FLOOR_TABLE = "bench_floor_answer"

# As the product's limit of a text with no limit of its own (consultations.answers.TEXT_MAX_LENGTH).
TEXT_LIMIT = 50_000

_PAGE = engines["django"].from_string(
    """<!DOCTYPE html><html lang="lt"><head><meta charset="utf-8"><title>Floor</title></head><body>
<form method="post">{% csrf_token %}<input type="hidden" name="version" value="{{ version }}">
{{ form }}{% for formset in formsets %}{{ formset }}{% endfor %}
<button type="submit" name="action" value="submit">Pateikti</button></form></body></html>"""
)


def create_floor_table() -> None:
    """The floor's table on the current database (the benchmark's), if it is not there yet."""
    key = (
        "bigserial PRIMARY KEY" if connection.vendor == "postgresql" else "integer PRIMARY KEY AUTOINCREMENT"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
            f"(id {key}, client integer NOT NULL, field varchar(100) NOT NULL, value text NOT NULL)"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {FLOOR_TABLE}_client ON {FLOOR_TABLE} (client)")


class ProposalRow(forms.Form):
    provision = forms.CharField(max_length=TEXT_LIMIT, required=False)
    proposed_wording = forms.CharField(max_length=TEXT_LIMIT, required=False, widget=forms.Textarea)
    justification = forms.CharField(max_length=TEXT_LIMIT, required=False, widget=forms.Textarea)


ProposalRows = formset_factory(ProposalRow, extra=0, max_num=200, validate_max=True)


def _questions(consultation_id: int) -> list[dict[str, Any]]:
    from consultations.models import Question

    return list(
        Question.objects.filter(consultation_id=consultation_id)
        .order_by("position", "id")
        .values("pk", "kind", "max_length", "choices", "allow_other")
    )


def _form(
    questions: list[dict[str, Any]], data: Any, initial: dict[str, Any]
) -> tuple[forms.Form, list[Any]]:
    """A plain form of the questions, and a formset of rows for each proposals question."""
    fields: dict[str, forms.Field] = {}
    formsets = []
    for question in questions:
        name, kind = f"q{question['pk']}", question["kind"]
        limit = question["max_length"] or TEXT_LIMIT
        options = [(str(index), text) for index, text in enumerate(question["choices"] or [])]
        if kind == "short_text":
            fields[name] = forms.CharField(max_length=limit, required=False)
        elif kind == "long_text":
            fields[name] = forms.CharField(max_length=limit, required=False, widget=forms.Textarea)
        elif kind == "single_choice":
            fields[name] = forms.ChoiceField(choices=options, required=False, widget=forms.RadioSelect)
        elif kind == "multiple_choice":
            fields[name] = forms.MultipleChoiceField(
                choices=options, required=False, widget=forms.CheckboxSelectMultiple
            )
        elif kind == "scale":
            fields[name] = forms.TypedChoiceField(
                choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int, required=False
            )
        elif kind == "yes_no":
            fields[name] = forms.ChoiceField(choices=[("yes", "Taip"), ("no", "Ne")], required=False)
        elif kind == "proposals":
            formsets.append(ProposalRows(data, prefix=name, initial=initial.get(name)))
        if kind in ("single_choice", "multiple_choice") and question["allow_other"]:
            fields[f"{name}_other"] = forms.CharField(max_length=limit, required=False)
    form = type("FloorForm", (forms.Form,), fields)(data, initial=initial)
    return form, formsets


def saved_answers(client: int) -> dict[str, Any]:
    """The client's answers on the floor, by the form's field names."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT field, value FROM {FLOOR_TABLE} WHERE client = %s", [client])  # noqa: S608
        return {name: json.loads(value) for name, value in cursor.fetchall()}


def submit_floor_view(request: HttpRequest, consultation_id: int, client: int) -> HttpResponse:
    """The floor of a member page (GET) and of its submit (POST), for one client's answers."""
    questions = _questions(consultation_id)
    if request.method == "POST":
        form, formsets = _form(questions, request.POST, {})
        if not (form.is_valid() and all(formset.is_valid() for formset in formsets)):
            return HttpResponse("invalid", status=400, content_type="text/plain")
        values = dict(form.cleaned_data)
        for formset in formsets:
            values[formset.prefix] = [row for row in formset.cleaned_data if any(row.values())]
        rows = [(client, name, json.dumps(value)) for name, value in values.items()]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FLOOR_TABLE} WHERE client = %s", [client])  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {FLOOR_TABLE} (client, field, value) VALUES (%s, %s, %s)",  # noqa: S608
                rows,
            )
        return HttpResponseRedirect(request.path)
    saved = saved_answers(client)
    form, formsets = _form(questions, None, saved)
    page = _PAGE.render({"form": form, "formsets": formsets, "version": len(saved)}, request)
    return HttpResponse(page)
