"""A position paper laid out as a Lithuanian official letter: the text of every part of the
letter (letterhead, addressee, date and number, title, body, proposals, signature, annex), in the
paper's language, and the HTML both the PDF and the admin preview are made from.

Attribution is applied here, once, so that neither the PDF nor the preview can name an
organisation that asked to stay anonymous or to be left out.
"""

from __future__ import annotations

import base64
import datetime
import functools
import html
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Any, TypeVar

import phonenumbers
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from fontTools.ttLib import TTFont

from consultations.markdown import render_markdown
from crm.collation import alphabetical
from crm.models import Organisation
from positions import watermark
from positions.models import IssuerSettings, Language, PaperAttribution, PositionPaper

# The genitive month names of a Lithuanian date in words: "2026 m. lapkričio 28 d.".
LT_MONTHS_GENITIVE = (
    "sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio",
    "liepos", "rugpjūčio", "rugsėjo", "spalio", "lapkričio", "gruodžio",
)  # fmt: skip
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# How an anonymous organisation is described: by its kind and first sector.
ANONYMOUS_IN_SECTOR = {
    Organisation.Kind.CLUSTER: gettext_lazy("one cluster in the %(sector)s sector"),
    Organisation.Kind.ASSOCIATION: gettext_lazy("one association in the %(sector)s sector"),
    Organisation.Kind.COMPANY: gettext_lazy("one company in the %(sector)s sector"),
    Organisation.Kind.RESEARCH: gettext_lazy("one research or education body in the %(sector)s sector"),
    Organisation.Kind.PUBLIC: gettext_lazy("one public institution in the %(sector)s sector"),
    Organisation.Kind.OTHER: gettext_lazy("one organisation in the %(sector)s sector"),
}
ANONYMOUS_WITHOUT_SECTOR = {
    Organisation.Kind.CLUSTER: gettext_lazy("one cluster"),
    Organisation.Kind.ASSOCIATION: gettext_lazy("one association"),
    Organisation.Kind.COMPANY: gettext_lazy("one company"),
    Organisation.Kind.RESEARCH: gettext_lazy("one research or education body"),
    Organisation.Kind.PUBLIC: gettext_lazy("one public institution"),
    Organisation.Kind.OTHER: gettext_lazy("one organisation"),
}


def date_in_words(day: datetime.date, language: str = Language.LITHUANIAN) -> str:
    """The date as written in a letter's text: "2026 m. lapkričio 28 d." or "28 November 2026"."""
    if language == Language.ENGLISH:
        return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year} m. {LT_MONTHS_GENITIVE[day.month - 1]} {day.day} d."


def anonymous_description(organisation: Organisation) -> str:
    """ "one cluster in the ICT sector": the organisation's kind and first sector, never its name.
    Call with the paper's language active; expects the organisation's sectors prefetched."""
    sectors = list(organisation.sectors.all())
    kind = organisation.kind if organisation.kind in ANONYMOUS_IN_SECTOR else Organisation.Kind.OTHER
    if sectors:
        first = min(sectors, key=lambda sector: (sector.position, sector.code))
        return str(ANONYMOUS_IN_SECTOR[kind]) % {"sector": first.name}
    return str(ANONYMOUS_WITHOUT_SECTOR[kind])


@dataclass(frozen=True)
class Attributions:
    """Each organisation's attribution on one paper; an organisation without a row is named."""

    by_organisation: dict[int, PaperAttribution]

    @classmethod
    def of(cls, paper: PositionPaper) -> Attributions:
        return cls({a.organisation_id: a for a in paper.attributions.all()})

    def mode(self, organisation: Organisation) -> str:
        attribution = self.by_organisation.get(organisation.pk)
        return attribution.mode if attribution else PaperAttribution.Mode.NAMED

    def names(self, organisations: Iterable[Organisation], *, list_entries: bool = False) -> list[str]:
        """What the paper may print for these organisations: the named ones by name (sorted),
        then the anonymous ones described (after the names, so that their place in an
        alphabetical list gives nothing away); the excluded ones not at all. As `list_entries`
        (the annex's), a description starts with a capital, as the names above it do; within a
        sentence ("Proposed by: …") it is written as it reads there, "vienas … klasteris"."""
        named: list[str] = []
        anonymous: list[str] = []
        for organisation in organisations:
            mode = self.mode(organisation)
            if mode == PaperAttribution.Mode.NAMED:
                named.append(organisation.name)
            elif mode == PaperAttribution.Mode.ANONYMOUS:
                label = self.by_organisation[organisation.pk].anonymous_label
                anonymous.append(label or anonymous_description(organisation))
        anonymous.sort(key=alphabetical)
        if list_entries:
            anonymous = [label[:1].upper() + label[1:] for label in anonymous]
        return sorted(named, key=alphabetical) + anonymous


@dataclass(frozen=True)
class Issuer:
    name: str
    data_line: str
    register_line: str
    logo_data_url: str | None


@dataclass(frozen=True)
class Section:
    heading: str
    body: SafeString


@dataclass(frozen=True)
class ProposalLine:
    number: int
    # The draft act, when the paper's proposals are on several: printed above its lines.
    act: str
    provision: str
    proposed_wording: str
    justification: str
    supporters: list[str]


# What an annex page holds (`Letter.annex_pages_estimate`), from paper.css: 12 pt lines 1.2 apart
# and 1 mm between entries, in the text column of an A4 page.
ANNEX_LINE_CHARACTERS = 80
ANNEX_FIRST_PAGE_LINES = 38
ANNEX_PAGE_LINES = 42


@dataclass(frozen=True)
class Letter:
    """Everything printed on a paper, as text in the paper's language."""

    language: str
    is_draft: bool
    issuer: Issuer
    addressee_lines: list[str]
    date_line: str
    request_line: str
    title: str
    sections: list[Section]
    proposals: list[ProposalLine]
    signatory_position: str
    signatory_name: str
    annex_heading: str
    # The drafter's reference at the foot: "Vardenis Pavardenis, tel. +370 5 212 3456, el. p. …"
    drafter_line: str = ""
    annex_entries: list[str] = field(default_factory=list)
    # What the annex lists, as its title and as the body's reference to it ("PRIDEDAMA. …sąrašas"),
    # and its number of pages, which the PDF's layout tells (`positions.pdf.render_letter`).
    annex_title: str = ""
    annex_reference: str = ""
    annex_pages: int = 0
    # PDF metadata; the e-mail's subject and the sentence that sends the letter
    document_title: str = ""
    author: str = ""
    covering_note: str = ""

    @property
    def annex_reference_line(self) -> str:
        """The body's reference to the annex with its number of pages, as the document rules
        write it: "PRIDEDAMA. …sąrašas, 2 lapai." (with the letter's language active)."""
        if not self.annex_pages:
            return _("%(annex)s.") % {"annex": self.annex_reference}
        return ngettext("%(annex)s, %(count)d page.", "%(annex)s, %(count)d pages.", self.annex_pages) % {
            "annex": self.annex_reference,
            "count": self.annex_pages,
        }

    def as_json(self) -> dict[str, object]:
        """The letter as JSON, to keep it as approved (`PositionPaper.approved_letter`). The annex's
        number of pages is left out: the layout counts it whenever the letter is rendered."""
        data = asdict(self)
        data["annex_pages"] = 0
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Letter:
        """The letter `as_json` kept. The sections' bodies are the sanitised HTML `paper_letter`
        made and are marked safe again, so that they print as HTML, not as its tags. A key the
        letter no longer has is ignored; a part added since takes its default."""
        known = {each.name for each in fields(cls) if each.init}
        values = {name: value for name, value in data.items() if name in known}
        values["issuer"] = Issuer(**data["issuer"])
        values["sections"] = [
            Section(
                heading=section["heading"],
                body=mark_safe(section["body"]),  # noqa: S308 - kept as paper_letter sanitised it
            )
            for section in data["sections"]
        ]
        values["proposals"] = [ProposalLine(**proposal) for proposal in data["proposals"]]
        return cls(**values)

    def annex_pages_estimate(self) -> int:
        """About how many pages the annex takes (it starts on a page of its own): a line an entry,
        more for a long name, 38 lines on its first page under its headings and 42 on the others."""
        if not self.annex_entries:
            return 0
        lines = sum(1 + len(entry) // ANNEX_LINE_CHARACTERS for entry in self.annex_entries)
        return 1 + max(0, -(-(lines - ANNEX_FIRST_PAGE_LINES) // ANNEX_PAGE_LINES))


def _display_phone(phone: str) -> str:
    """“+370 5 212 3456”, and an extension as the letter's language writes it (“vid. 123”)."""
    try:
        number = phonenumbers.parse(phone, "LT")
    except phonenumbers.NumberParseException:
        return phone
    extension, number.extension = number.extension, None
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if extension:
        shown += ", " + _("ext. %(extension)s") % {"extension": extension}
    return shown


def _display_website(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def _logo_data_url(issuer: IssuerSettings) -> str | None:
    """The logo inlined as a data: URL, so that the renderer never opens a file or a URL for it."""
    if not issuer.logo:
        return None
    try:
        with issuer.logo.open("rb") as logo:
            content = logo.read()
    except OSError:
        return None
    mime_type = mimetypes.guess_type(issuer.logo.name)[0] or "image/png"
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


def _contacts(phone: str, email: str) -> list[str]:
    """A phone and an e-mail address as the letter's language (active) writes them, the empty left
    out: "tel. +370 5 212 3456", "el. p. info@klasteriai.lt"."""
    parts = []
    if phone:
        parts.append(_("tel. %(phone)s") % {"phone": _display_phone(phone)})
    if email:
        parts.append(_("e-mail %(email)s") % {"email": email})
    return parts


def _drafter_line(paper: PositionPaper) -> str:
    """The drafter's name, phone and e-mail (the letter's language active)."""
    parts = [paper.drafter_name.strip(), *_contacts(paper.drafter_phone, paper.drafter_email)]
    return ", ".join(part for part in parts if part)


def _issuer(issuer: IssuerSettings, language: str) -> Issuer:
    parts = [issuer.legal_form_in(language), issuer.address, *_contacts(issuer.phone, issuer.email)]
    if issuer.website:
        parts.append(_display_website(issuer.website))
    register_line = ""
    if issuer.legal_code:
        register_line = _(
            "Data are collected and stored in the Register of Legal Entities, code %(code)s"
        ) % {"code": issuer.legal_code}
    return Issuer(
        name=issuer.name_in(language),
        data_line=", ".join(part for part in parts if part),
        register_line=register_line,
        logo_data_url=_logo_data_url(issuer),
    )


def _date_line(paper: PositionPaper) -> str:
    if paper.registration_number and paper.registration_date:
        return pgettext("letter date line", "%(date)s No. %(number)s") % {
            "date": paper.registration_date.isoformat(),
            "number": paper.registration_number,
        }
    return pgettext("letter date line", "%(date)s No. %(number)s") % {
        "date": "__________",
        "number": "________",
    }


def _request_line(paper: PositionPaper) -> str:
    if paper.request_date is None:
        return ""
    if paper.request_number:
        return pgettext("letter reference", "Ref. %(date)s No. %(number)s") % {
            "date": paper.request_date.isoformat(),
            "number": paper.request_number,
        }
    return pgettext("letter reference", "Ref. %(date)s") % {"date": paper.request_date.isoformat()}


def letter_heading(paper: PositionPaper) -> tuple[list[str], str]:
    """The addressee's lines and the title ("Dėl …", which the letter prints in capitals), in the
    paper's language."""
    with translation.override(paper.language):
        addressee_lines = []
        if paper.addressee_label or paper.addressee_id:
            addressee_lines.append(paper.addressee_label or paper.addressee.name)
        if paper.addressee_person:
            addressee_lines.append(paper.addressee_person)
        title = pgettext("letter title", "ON %(subject)s") % {"subject": paper.subject.strip()}
        return addressee_lines, title


def paper_letter(paper: PositionPaper, *, issuer: IssuerSettings | None = None) -> Letter:
    """The letter's text. Expects `paper` from `selectors.paper_for_document` (prefetched)."""
    issuer = issuer or IssuerSettings.load()
    language = paper.language
    with translation.override(language):
        attributions = Attributions.of(paper)
        addressee_lines, title = letter_heading(paper)
        number = paper.registration_number
        if number and paper.registration_date:
            annex_heading = _("Annex to the letter of %(date)s No. %(number)s") % {
                "date": date_in_words(paper.registration_date, language),
                "number": number,
            }
        else:
            annex_heading = _("Annex to the letter")
        if paper.annex == PositionPaper.Annex.PARTICIPANTS:
            annex_title = _("Member organisations that took part in the consultation")
            annex_reference = _("Annex: list of the member organisations that took part in the consultation")
        else:
            annex_title = _("Supporting member organisations")
            annex_reference = _("Annex: list of the supporting member organisations")
        issuer_text = _issuer(issuer, language)
        letter = Letter(
            language=language,
            is_draft=paper.is_draft,
            issuer=issuer_text,
            addressee_lines=addressee_lines,
            date_line=_date_line(paper),
            request_line=_request_line(paper),
            title=title.upper(),
            sections=[
                Section(
                    heading=section.heading,
                    body=_wide_tables_fitted(
                        _long_words_breakable(
                            _addresses_shown(render_markdown(plain_text(section.body), link_rel=None))
                        )
                    ),
                )
                for section in paper.sections.all()
            ],
            proposals=[
                ProposalLine(
                    number=index,
                    act=proposal.act,
                    provision=proposal.provision,
                    proposed_wording=proposal.proposed_wording,
                    justification=proposal.justification,
                    supporters=attributions.names(proposal.supporting_organisations.all()),
                )
                for index, proposal in enumerate(paper.proposals.all(), start=1)
            ],
            signatory_position=paper.signatory_position,
            signatory_name=paper.signatory_name,
            drafter_line=_drafter_line(paper),
            annex_heading=annex_heading,
            annex_entries=attributions.names(paper.supporting_organisations.all(), list_entries=True),
            annex_title=annex_title,
            annex_reference=annex_reference,
            **_titles(paper, title),
            author=issuer_text.name,
        )
        return _without_control_characters(letter)


def _titles(paper: PositionPaper, heading: str) -> dict[str, str]:
    """The letter named as the addressee's registry names an incoming one, "2026-11-30 raštas
    Nr. S-2026-001 „Dėl …“", for the PDF's title and the e-mail's subject; and the e-mail's
    sentence that sends it. The subject in sentence case (the heading is in capitals). A draft
    has no number: it is named by its subject."""
    subject = pgettext("letter subject", "On %(subject)s") % {"subject": paper.subject.strip()}
    if not (paper.registration_number and paper.registration_date):
        return {"document_title": subject, "covering_note": ""}
    named = {
        "date": paper.registration_date.isoformat(),
        "number": paper.registration_number,
        "subject": subject,
    }
    return {
        "document_title": _("Letter of %(date)s No. %(number)s “%(subject)s”") % named,
        "covering_note": _("Please find attached our letter of %(date)s No. %(number)s “%(subject)s”.")
        % named,
    }


# Another program's line break: a vertical tab (a line break in PowerPoint, pasted with its slides'
# text), a form feed, NEL, Unicode's line and paragraph separators, a carriage return.
_LINE_BREAK = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# The other control characters (C0 and C1), but the tab and the line feed.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_Part = TypeVar("_Part")


def plain_text(text: str) -> str:
    """`text` with another program's line breaks made line feeds, which print as a line feed typed
    in the form does, and the other control characters left out. No font has a control character:
    the renderer would draw a missing glyph for it, and the PDF's text of the whole page, as copied,
    searched or read aloud, would lose its addressee, number and signature."""
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", text))


def _without_control_characters(part: _Part) -> _Part:
    """Every string of the letter's parts, however deep, as `plain_text` (a section's HTML too,
    where a character reference such as "&#11;" has become the character)."""
    if isinstance(part, SafeString):
        return mark_safe(plain_text(part))  # noqa: S308 - sanitised HTML, only control characters changed
    if isinstance(part, str):
        return plain_text(part)  # type: ignore[return-value]
    if isinstance(part, list):
        return [_without_control_characters(item) for item in part]  # type: ignore[return-value]
    if is_dataclass(part) and not isinstance(part, type):
        changed = {
            each.name: _without_control_characters(getattr(part, each.name))
            for each in fields(part)
            if each.init
        }
        return replace(part, **changed)  # type: ignore[return-value]
    return part


# A link as the sanitiser writes it (consultations.markdown): its address, then its text.
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _addresses_shown(body: SafeString) -> SafeString:
    """The section's HTML with each link's address written after its text, in brackets, where the
    text does not already say it: on paper, or printed from the PDF, a link is only its text."""

    def shown(link: re.Match[str]) -> str:
        address, text = link.group(1), link.group(2)
        said = html.unescape(_TAG.sub("", text)).strip()
        written = html.unescape(address).removeprefix("mailto:")
        if said in (written, html.unescape(address)):
            return link.group(0)
        return f"{link.group(0)} ({address.removeprefix('mailto:')})"

    return mark_safe(_LINK.sub(shown, body))  # noqa: S308 - sanitised HTML, the address as it was there


# A tag, its attributes' values quoted (a link's address may hold ">"), or the text between tags.
_TAG_QUOTED = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
# A run of text longer than a long word, without a space: an address, a code, an identifier.
_LONG_WORD = re.compile(r"\S{31,}")


def _long_words_breakable(body: SafeString) -> SafeString:
    """The section's HTML with each run of more than 30 characters without a space marked as a
    `long-word`, which may break anywhere (paper.css). A table gives each column at least the width
    of its longest word: such a run would widen the table past the margin. Marked, it no longer
    counts, while the table's short words keep their columns wide enough to print them whole."""
    parts = _TAG_QUOTED.split(body)
    # Text at even indexes, tags at odd ones.
    for index in range(0, len(parts), 2):
        parts[index] = _LONG_WORD.sub(r'<span class="long-word">\g<0></span>', parts[index])
    return mark_safe("".join(parts))  # noqa: S308 - sanitised HTML, its text only wrapped in spans


# What a table in a section's Markdown may take before it is too wide for the text column: the A4
# page's 210 mm without its margins (paper.css), and, at 12 pt, a character's width, taken wide (an
# average Liberation Serif letter is about half an em; capitals and bold ones are wider), and a
# cell's padding and borders.
TEXT_COLUMN_MM = 210 - 30 - 12
TABLE_CHARACTER_MM = 0.6 * 12 * 25.4 / 72
TABLE_CELL_EXTRA_MM = 4.5
_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.DOTALL)


def _table_least_width_mm(table: str) -> float:
    """About how wide a table laid out automatically is at least: each column as wide as its
    longest word, which it prints whole. A run marked a `long-word` may break anywhere and does
    not count."""
    longest: dict[int, int] = {}
    for row in _ROW.findall(table):
        for column, cell in enumerate(_CELL.findall(row)):
            text = html.unescape(_TAG.sub(" ", _LONG_WORD_SPAN.sub(" ", cell)))
            word = max((len(word) for word in text.split()), default=0)
            longest[column] = max(longest.get(column, 0), word)
    return sum(TABLE_CHARACTER_MM * word + TABLE_CELL_EXTRA_MM for word in longest.values())


_LONG_WORD_SPAN = re.compile(r'<span class="long-word">.*?</span>', re.DOTALL)


def _wide_tables_fitted(body: SafeString) -> SafeString:
    """The section's HTML with each table whose words, each whole, would not fit across the text
    column marked as a `wide-table` (paper.css): a table gives each column at least the width of
    its longest word, and nine columns of ordinary long words ("Konkurencingumas",
    "Infrastruktūros") would print past the page's edge. Marked, the table takes the column's width
    in equal columns, in a smaller font, and a word wider than its column breaks inside its cell.
    A table that fits keeps its columns as wide as its text asks."""

    def fitted(table: re.Match[str]) -> str:
        if _table_least_width_mm(table.group(1)) <= TEXT_COLUMN_MM:
            return table.group(0)
        return f'<table class="wide-table">{table.group(1)}</table>'

    return mark_safe(_TABLE.sub(fitted, body))  # noqa: S308 - sanitised HTML, a class added to a table


# The fonts the letter's text prints in: its serif, and the sans-serif its symbols fall back to
# (arrows, ticks, stars: paper.css). The other faces of each have the same characters.
PRINTING_FONTS = ("fonts/LiberationSerif-Regular.ttf", "fonts/DejaVuSans.ttf")
# What the letter prints for a character none of its fonts has: without a glyph the character would
# leave a blank, and its glyph in the PDF would garble the copied text of the whole letter.
UNPRINTABLE_STAND_IN = "\N{REPLACEMENT CHARACTER}"


@functools.cache
def _printable() -> frozenset[int]:
    characters: set[int] = set()
    for path in PRINTING_FONTS:
        characters.update(TTFont(finders.find(path)).getBestCmap())
    return frozenset(characters)


# The invisible formatting characters, which the renderer leaves out rather than drawing (Unicode's
# default-ignorable ones but the Hangul fillers and the shorthand format controls, which it draws as
# a missing glyph): the soft hyphen, zero-width spaces and joiners, direction marks and embeddings,
# the word joiner and invisible operators, variation selectors (“✔️”), the byte order mark, tags.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def _prints_nothing(character: str) -> bool:
    """Line feeds, tabs and the invisible formatting characters: no font draws them, and none is
    missed. Any other control character would print as a missing glyph (`plain_text` leaves them
    out of the letter)."""
    return character in "\t\n" or _INVISIBLE.fullmatch(character) is not None


def unprintable_characters(text: str) -> list[str]:
    """The characters of `text` that none of the letter's fonts has (an emoji such as “✅” or “👍”,
    a Chinese character), each once, in the order they come."""
    printable = _printable()
    found = dict.fromkeys(
        character for character in text if ord(character) not in printable and not _prints_nothing(character)
    )
    return list(found)


def _stand_in_for_unprintable(text: str) -> str:
    for character in unprintable_characters(text):
        text = text.replace(character, UNPRINTABLE_STAND_IN)
    return text


def letter_html(letter: Letter, *, asset_url: Callable[[str], str]) -> str:
    """The letter as one HTML document; `asset_url` turns a static path ("fonts/…") into the URL
    the consumer can load (the PDF renderer's own scheme, or the site's static URL). A character
    none of the letter's fonts has is shown as “�”: seen, where it would have left a blank."""
    fonts = {
        # Liberation Serif: the metrics of Times New Roman, which the document rules name.
        "serif": asset_url("fonts/LiberationSerif-Regular.ttf"),
        "serif_bold": asset_url("fonts/LiberationSerif-Bold.ttf"),
        "serif_italic": asset_url("fonts/LiberationSerif-Italic.ttf"),
        "serif_bold_italic": asset_url("fonts/LiberationSerif-BoldItalic.ttf"),
        "sans": asset_url("fonts/DejaVuSans.ttf"),
        "sans_bold": asset_url("fonts/DejaVuSans-Bold.ttf"),
    }
    with translation.override(letter.language):
        draft_mark = (
            watermark.draft_mark_url(pgettext("position paper watermark", "DRAFT")) if letter.is_draft else ""
        )
        return _stand_in_for_unprintable(
            render_to_string(
                "positions/pdf/paper.html", {"letter": letter, "fonts": fonts, "draft_mark": draft_mark}
            )
        )
