"""All submitted answers of a consultation as a spreadsheet (XLSX) or CSV, for staff.

Member-typed text goes into files that staff open in Excel or LibreOffice, so a cell that
would start a formula (= + - @, or a tab or carriage return that some programs skip before
one) must be read as text. In CSV it gets a leading apostrophe. In XLSX an apostrophe would
be part of the value and shown ("'- pirma"), so the text is written as it is, as a text cell.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from consultations.analysis import SubmittedAnswer, submitted_answers
from consultations.answers import entry_display
from consultations.models import Consultation, Invitation, Question
from crm.import_formats import as_text_cell, needs_text_cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A CSV cell value that spreadsheet programs show as text, never run as a formula."""
    if isinstance(value, str):
        # Control characters go, as in XLSX cells (openpyxl refuses them there).
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """An XLSX cell value that shows text as it is and never runs it as a formula: formula-like
    text goes into a text cell (`crm.import_formats.as_text_cell`, as the CRM's exports do)."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return as_text_cell(WriteOnlyCell(sheet, value)) if needs_text_cell(value) else value


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _proposals_text(entry: dict[str, Any]) -> str:
    """A proposals answer in one cell, a line a row, as the answer page shows it: the provision –
    the proposed wording (the justification). The CSV has no other place for them."""
    lines = []
    for row in entry.get("rows", []):
        line = " – ".join(
            part for part in (row.get("provision", ""), row.get("proposed_wording", "")) if part
        )
        if row.get("justification"):
            line = f"{line} ({row['justification']})" if line else f"({row['justification']})"
        lines.append(line)
    return "\n".join(lines)


def _questions(consultation: Consultation) -> list[Question]:
    return list(consultation.questions.order_by("position", "id"))


def answer_rows(
    *, consultation: Consultation, invitations: QuerySet[Invitation] | None = None
) -> Iterator[list[Any]]:
    """The answers table: a header, then one row per submitting organisation with one column
    per question (the latest submitted version). Values are not yet neutralised."""
    questions = _questions(consultation)
    yield [
        gettext("Organisation"),
        gettext("Legal entity code"),
        gettext("Version"),
        gettext("Submitted"),
        gettext("Submitted by"),
        *[f"{number}. {question.text}" for number, question in enumerate(questions, start=1)],
    ]
    for answer in _submitted(consultation, invitations):
        entries = answer.entries
        row: list[Any] = [
            answer.organisation.name,
            answer.organisation.legal_code,
            answer.version.number,
            _when(answer.version.submitted_at),
            answer.version.submitted_by.full_name if answer.version.submitted_by else "",
        ]
        for question in questions:
            entry = entries.get(question.pk)
            if entry is None:
                row.append("")
            elif question.kind == Question.Kind.PROPOSALS:
                row.append(_proposals_text(entry))
            else:
                row.append(entry_display(entry))
        yield row


def _submitted(consultation: Consultation, invitations: QuerySet[Invitation] | None) -> list[SubmittedAnswer]:
    return submitted_answers(consultation=consultation, invitations=invitations)


def proposal_rows(
    *, consultation: Consultation, invitations: QuerySet[Invitation] | None = None
) -> Iterator[list[Any]]:
    """Every amendment proposal of the latest submitted versions, one row each, after a header."""
    questions = [q for q in _questions(consultation) if q.kind == Question.Kind.PROPOSALS]
    yield [
        gettext("Organisation"),
        gettext("Question"),
        gettext("No."),
        gettext("Provision"),
        gettext("Proposed wording"),
        gettext("Justification"),
    ]
    for answer in _submitted(consultation, invitations):
        entries = answer.entries
        for question in questions:
            entry = entries.get(question.pk)
            for number, row in enumerate(entry.get("rows", []) if entry else [], start=1):
                yield [
                    answer.organisation.name,
                    question.text,
                    number,
                    row.get("provision", ""),
                    row.get("proposed_wording", ""),
                    row.get("justification", ""),
                ]


# Excel keeps at most this many characters in a cell (openpyxl cuts the rest without a word); a
# longer answer's cell holds its beginning, and the sheet of long texts the whole, in parts.
XLSX_CELL_LIMIT = 32_767
LONG_TEXT_PART = 30_000


def answers_xlsx(*, consultation: Consultation, invitations: QuerySet[Invitation] | None = None) -> bytes:
    """The answers as an XLSX workbook: the sheet "Answers" (one row per organisation, one
    column per question) and the sheet "Proposals" (one row per proposal); when a text is longer
    than a cell holds, the sheet "Long texts" with each such text whole, in parts, and the cell
    saying where it continues. Written in openpyxl's write-only mode, which keeps only the
    current row in memory."""
    workbook = Workbook(write_only=True)
    long_texts_title = gettext("Long texts")[:31]
    long_texts: list[list[Any]] = []

    def fitted(value: Any, title: str, row: int, column: int) -> Any:
        if not isinstance(value, str) or len(value) <= XLSX_CELL_LIMIT:
            return value
        cell = f"{get_column_letter(column)}{row}"
        for part, start in enumerate(range(0, len(value), LONG_TEXT_PART), start=1):
            long_texts.append([title, cell, part, value[start : start + LONG_TEXT_PART]])
        marker = gettext(" […] (%(count)d characters in all: the whole text is in the sheet “%(sheet)s”)") % {
            "count": len(value),
            "sheet": long_texts_title,
        }
        return value[: XLSX_CELL_LIMIT - len(marker)] + marker

    for title, rows in (
        (gettext("Answers")[:31], answer_rows(consultation=consultation, invitations=invitations)),
        (gettext("Proposals")[:31], proposal_rows(consultation=consultation, invitations=invitations)),
    ):
        sheet = workbook.create_sheet(title=title)
        sheet.freeze_panes = "B2"
        for number, row in enumerate(rows, start=1):
            sheet.append(
                [
                    xlsx_cell(sheet, fitted(value, title, number, column))
                    for column, value in enumerate(row, start=1)
                ]
            )
    if long_texts:
        sheet = workbook.create_sheet(title=long_texts_title)
        sheet.append([gettext("Sheet"), gettext("Cell"), gettext("Part"), gettext("Text")])
        for row in long_texts:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Echo:
    def write(self, value: str) -> str:
        return value


def answers_csv(
    *, consultation: Consultation, invitations: QuerySet[Invitation] | None = None
) -> Iterable[bytes]:
    """The answers table as CSV lines for streaming: UTF-8 with a byte order mark (so Excel
    reads the Lithuanian letters) and ';' between the fields (Excel's separator in Lithuania)."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff".encode()
    for row in answer_rows(consultation=consultation, invitations=invitations):
        yield writer.writerow([neutralise(value) for value in row]).encode()


def export_filename(*, consultation: Consultation, extension: str) -> str:
    """The file name in the page's language: the consultation's id and today's date."""
    name = pgettext("file name", "consultation-%(id)s-answers-%(date)s") % {
        "id": consultation.pk,
        "date": f"{timezone.localdate():%Y-%m-%d}",
    }
    return f"{name}.{extension}"
