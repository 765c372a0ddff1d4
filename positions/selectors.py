"""Reads of position papers: a paper with everything its letter prints, the admin's lists,
and a stored PDF read back with its hash checked."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consultations.markdown import render_markdown
from crm.models import Organisation
from crm.names import name_forms_pattern
from positions.letter import UNPRINTABLE_STAND_IN, Letter, letter_html, paper_letter, unprintable_characters
from positions.models import (
    GeneratedSection,
    IssuerSettings,
    Language,
    PaperAttribution,
    PaperProposal,
    PositionPaper,
    ProposalGroup,
    RegistrationJournal,
    Rendering,
)


class RenderingTampered(ValidationError):
    """The stored file of a rendering no longer matches the SHA-256 recorded when it was made."""


class RenderingMissing(ValidationError):
    """The stored file of a rendering is gone (a restore without the media files, say)."""


def _organisations_with_sectors() -> QuerySet[Organisation]:
    return Organisation.objects.prefetch_related("sectors")


def paper_for_document(*, paper_id: int) -> PositionPaper:
    """A paper with its addressee, sections, proposals, supporting organisations (with their
    sectors, for anonymous descriptions) and attributions, in a fixed number of queries."""
    return (
        PositionPaper.objects.select_related("addressee", "source_consultation")
        .prefetch_related(
            "sections",
            "attributions",
            Prefetch("supporting_organisations", queryset=_organisations_with_sectors()),
            Prefetch(
                "proposals",
                queryset=PaperProposal.objects.prefetch_related(
                    Prefetch("supporting_organisations", queryset=_organisations_with_sectors())
                ),
            ),
        )
        .get(pk=paper_id)
    )


def papers_for_admin() -> QuerySet[PositionPaper]:
    return PositionPaper.objects.select_related("addressee", "source_consultation").annotate(
        rendering_total=Count("renderings", distinct=True),
        dispatch_total=Count("dispatches", distinct=True),
    )


def paper_drafted_from_consultation(*, paper: PositionPaper) -> bool:
    """Whether the paper holds what was drafted from its source consultation: grouped member
    proposals, or sections written from the consultation's questions. Those are written again from
    that consultation's answers (after an attribution changes, when the consolidation is applied),
    so the paper's consultation stays the one they were drafted from."""
    if paper.pk is None:
        return False
    drafted = Exists(ProposalGroup.objects.filter(paper=OuterRef("pk"))) | Exists(
        GeneratedSection.objects.filter(section__paper=OuterRef("pk"))
    )
    return PositionPaper.objects.filter(drafted, pk=paper.pk).exists()


def paper_sendable_renderings(*, paper: PositionPaper) -> QuerySet[Rendering]:
    """The renderings that may be sent: those made once the paper had its (current) number,
    newest first."""
    return (
        paper.renderings.exclude(paper_status=PositionPaper.Status.DRAFT)
        .filter(withdrawn_at__isnull=True)
        .order_by("-version")
    )


def rendering_read_verified(*, rendering: Rendering) -> bytes:
    """The stored PDF, after checking that its SHA-256 and size are still those recorded."""
    try:
        with rendering.file.open("rb") as stored:
            content = stored.read()
    except FileNotFoundError as missing:
        raise RenderingMissing(
            _("The stored file of this PDF is missing."), code="rendering_missing"
        ) from missing
    if len(content) != rendering.size or hashlib.sha256(content).hexdigest() != rendering.sha256:
        raise RenderingTampered(
            _("The stored file of %(rendering)s does not match its recorded SHA-256; it was altered."),
            code="rendering_tampered",
            params={"rendering": rendering},
        )
    return content


# Names shorter than this are not looked for in the text: they would match ordinary words.
LEAK_MIN_NAME_LENGTH = 4
_QUOTES = re.compile(r"[\"„“”«»'‘’]")
# The part of a name in quotation marks: Agroinovacijų klasteris „Žalioji vaga“.
_QUOTED = re.compile(r"[\"„“«‘]([^\"„“”«»‘’]+)[\"“”»’]")


def _comparable(text: str) -> str:
    """The text with its quotation marks and runs of spaces made single spaces."""
    return " ".join(_QUOTES.sub(" ", text).split())


@dataclass(frozen=True)
class _WithheldName:
    """How a withheld organisation is looked for in a paper's text: its full name in any case
    form, in any letter case (“Agroinovacijų klasterio Žalioji vaga”); and the part of its name
    in quotation marks and its short name, which a text uses alone (“Žalioji vaga teigia”), in any
    case form but as a name, capitalised, so that a short name that is also a word (“Sveikata”)
    is not found in every sentence about health."""

    full: re.Pattern[str] | None
    alone: re.Pattern[str] | None

    @classmethod
    def of(cls, organisation: Organisation) -> _WithheldName:
        def pattern(names: set[str]) -> re.Pattern[str] | None:
            names = {name for name in names if len(name) >= LEAK_MIN_NAME_LENGTH}
            if not names:
                return None
            forms = "|".join(name_forms_pattern(name) for name in sorted(names, key=len, reverse=True))
            return re.compile(rf"(?<!\w)(?:{forms})(?!\w)", re.IGNORECASE)

        alone = {_comparable(part) for part in _QUOTED.findall(organisation.name)}
        alone.add(_comparable(organisation.short_name))
        return cls(full=pattern({_comparable(organisation.name)}), alone=pattern(alone))

    def found_in(self, text: str) -> bool:
        if self.full is not None and self.full.search(text):
            return True
        return self.alone is not None and any(
            match[0][0].isupper() or not match[0][0].isalpha() for match in self.alone.finditer(text)
        )


def _printed(markdown: str) -> str:
    """A section's text as the letter prints it: its Markdown rendered, without the markup. A
    section written from the answers escapes the members' text ("Info\\-Tech" prints
    "Info-Tech"), so a name is looked for in what is printed, not in what is stored."""
    return html.unescape(strip_tags(render_markdown(markdown, link_rel=None)))


def _text_places(paper: PositionPaper) -> list[tuple[str, str]]:
    """The paper's own text as the letter prints it, by where it is written: its subject, each
    section and each proposal with its draft act's name."""
    places = [(str(_("subject")), paper.subject)]
    places += [
        (
            f"{_('section')} {section.position}: {section.heading}",
            f"{section.heading}\n{_printed(section.body)}",
        )
        for section in paper.sections.all()
    ]
    places += [
        (
            f"{_('proposal')} {proposal.position}: {proposal.provision}",
            "\n".join([proposal.act, proposal.provision, proposal.proposed_wording, proposal.justification]),
        )
        for proposal in paper.proposals.all()
    ]
    return places


@dataclass(frozen=True)
class UnprintableText:
    """A part of the paper's text with characters the letter's fonts do not have."""

    place: str
    characters: list[str]

    @property
    def characters_shown(self) -> str:
        return " ".join(self.characters)


def _field_label(model: type[models.Model], name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _letter_places(paper: PositionPaper, letter: Letter) -> list[tuple[str, list[str]]]:
    """Every text the letter prints, by where staff change it: the paper's fields, each section
    and each proposal line (with who proposed it), the annex's organisations (named, or described
    as their attribution says), the issuer's requisites. `paper` is the one the letter was made
    from (`paper_for_document`): its sections and proposals are the letter's, in their order."""
    places = [
        (str(_("subject")), [letter.title, letter.document_title, letter.covering_note]),
        (_field_label(PositionPaper, "addressee"), letter.addressee_lines),
        (_field_label(PositionPaper, "request_number"), [letter.request_line]),
        (_field_label(PositionPaper, "registration_number"), [letter.date_line]),
    ]
    places += [
        (
            f"{_('section')} {section.position}: {section.heading}",
            [printed.heading, html.unescape(printed.body)],
        )
        for section, printed in zip(paper.sections.all(), letter.sections, strict=True)
    ]
    places += [
        (
            f"{_('proposal')} {proposal.position}: {proposal.provision}",
            [line.act, line.provision, line.proposed_wording, line.justification, *line.supporters],
        )
        for proposal, line in zip(paper.proposals.all(), letter.proposals, strict=True)
    ]
    places += [
        (_field_label(PositionPaper, "signatory_position"), [letter.signatory_position]),
        (_field_label(PositionPaper, "signatory_name"), [letter.signatory_name]),
        (_field_label(PositionPaper, "drafter_name"), [letter.drafter_line]),
        (
            _field_label(PositionPaper, "supporting_organisations"),
            [letter.annex_heading, letter.annex_title, letter.annex_reference, *letter.annex_entries],
        ),
        (
            str(capfirst(IssuerSettings._meta.verbose_name)),
            [letter.issuer.name, letter.issuer.data_line, letter.issuer.register_line, letter.author],
        ),
    ]
    return places


def _strings(value: object) -> Iterator[str]:
    """Every string in the letter's parts, however deep."""
    if isinstance(value, str):
        yield html.unescape(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for part in dataclasses.fields(value):
            yield from _strings(getattr(value, part.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@dataclass(frozen=True)
class BuiltLetter:
    """A paper read with everything its letter prints (`paper_for_document`) and the letter it
    makes, built once for every check that reads it (the approval's fingerprint and its
    unprintable characters)."""

    paper: PositionPaper
    letter: Letter

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the letter as it prints (its HTML, as a draft): the approval's confirmation
        page sends it back, so that a paper that changed after the page showed it (its text,
        addressee, annex, an organisation's name…) is not approved unseen."""
        return hashlib.sha256(letter_html(self.letter, asset_url=str).encode()).hexdigest()


def paper_printed_letter(*, paper: PositionPaper, issuer: IssuerSettings | None = None) -> Letter:
    """The letter the paper prints: an approved or sent paper's as it was approved
    (`PositionPaper.approved_letter`, issuer and organisations' names included), so that its PDF,
    its preview and its e-mail say what was registered under its number whatever changed in the
    CRM since; a draft's, and that of a paper approved before letters were kept, built from its
    rows now. Expects `paper` from `paper_for_document`."""
    if not paper.is_draft and paper.approved_letter:
        return Letter.from_json(paper.approved_letter)
    return paper_letter(paper, issuer=issuer)


def paper_built_letter(*, paper: PositionPaper, issuer: IssuerSettings | None = None) -> BuiltLetter:
    """The paper's letter built from its rows as they are now, with the paper it was made from:
    what approving it would keep (`services.paper_approve`), and what its checks read."""
    document = paper_for_document(paper_id=paper.pk)
    return BuiltLetter(paper=document, letter=paper_letter(document, issuer=issuer))


def paper_unprintable_text(
    *, paper: PositionPaper, issuer: IssuerSettings | None = None, built: BuiltLetter | None = None
) -> list[UnprintableText]:
    """Where the letter the paper makes has characters none of its fonts has (an emoji such as
    “✅”, a Chinese character), which the PDF shows as “�” (`positions.letter.unprintable_characters`).
    The letter is read as it prints, so that nothing it prints is missed: the organisations'
    names in the annex and in "Proposed by", how anonymous ones are described, the addressee as
    the institution's name, the issuer's requisites. In a fixed number of queries, none when
    `built` (the paper's letter, already built) is given."""
    built = built or paper_built_letter(paper=paper, issuer=issuer)
    letter = built.letter
    found = [
        UnprintableText(place=place, characters=unprintable_characters("\n".join(texts)))
        for place, texts in _letter_places(built.paper, letter)
    ]
    found = [text for text in found if text.characters]
    # A part of the letter the places above do not name is reported all the same.
    named = {character for text in found for character in text.characters}
    rest = [
        character
        for character in unprintable_characters("\n".join(_strings(letter)))
        if character not in named
    ]
    if rest:
        found.append(UnprintableText(place=str(capfirst(_("letter"))), characters=rest))
    return found


@dataclass(frozen=True)
class AttributionLeak:
    """A part of the paper's text that names an organisation whose attribution withholds its name."""

    place: str
    organisation: Organisation
    mode: str

    @property
    def mode_label(self) -> str:
        return str(PaperAttribution.Mode(self.mode).label)


def paper_attribution_leaks(*, paper: PositionPaper) -> list[AttributionLeak]:
    """Where the paper's own text (subject, sections, proposals with their draft act's name) still names an organisation that
    is anonymous or excluded on this paper, e.g. a section staff edited before the attribution
    changed: its full name in any case form ("Mėnulio klasterio"), or the part of its name in
    quotation marks or its short name, written as a name (`_WithheldName`). Quotation marks and
    spacing are ignored, and letters with diacritics are also found typed without them."""
    withheld = [
        (attribution, _WithheldName.of(attribution.organisation))
        for attribution in PaperAttribution.objects.filter(paper=paper)
        .exclude(mode=PaperAttribution.Mode.NAMED)
        .select_related("organisation")
    ]
    withheld = [(a, name) for a, name in withheld if name.full or name.alone]
    if not withheld:
        return []
    leaks = []
    for place, text in _text_places(paper):
        comparable = _comparable(text)
        leaks += [
            AttributionLeak(place=place, organisation=attribution.organisation, mode=attribution.mode)
            for attribution, name in withheld
            if name.found_in(comparable)
        ]
    return leaks


def paper_approval_errors(
    *, paper: PositionPaper, issuer: IssuerSettings, built: BuiltLetter | None = None
) -> list[ValidationError]:
    """What keeps a draft from being approved: missing requisites, addressee, subject, signatory or
    text, names its attributions withhold, and characters the letter cannot print (read from
    `built`, the paper's letter, when given). Empty when it can be approved."""
    errors: list[ValidationError] = []
    if not issuer.name:
        errors.append(
            ValidationError(
                _("Fill in the association's requisites (issuer settings) first."), code="no_issuer"
            )
        )
    else:
        # The letterhead of a legal person's letter gives its legal form, address and code (the
        # Lithuanian document rules); a letter without them goes out without its sender's data.
        missing = [
            str(IssuerSettings._meta.get_field(name).verbose_name)
            for name in ("legal_form", "legal_code", "address")
            if not getattr(issuer, name).strip()
        ]
        if missing:
            errors.append(
                ValidationError(
                    _(
                        "Fill in the association's %(fields)s in the issuer settings: the letterhead gives them."
                    ),
                    code="issuer_incomplete",
                    params={"fields": ", ".join(missing)},
                )
            )
    if paper.addressee is None:
        errors.append(ValidationError(_("Choose the addressee."), code="no_addressee"))
    elif paper.addressee.kind != Organisation.Kind.PUBLIC:
        errors.append(
            ValidationError(_("The addressee must be a public institution."), code="addressee_kind")
        )
    if paper.language == Language.LITHUANIAN and not paper.addressee_label.strip():
        # A Lithuanian letter names its addressee in the dative, which the institution's record
        # (its name, in the nominative) does not give: staff write it.
        errors.append(
            ValidationError(
                _(
                    "Write the addressee as the letter names it, in the dative (for example "
                    "“Lietuvos Respublikos žemės ūkio ministerijai”), in the field “%(field)s”."
                ),
                code="no_addressee_label",
                params={"field": capfirst(PositionPaper._meta.get_field("addressee_label").verbose_name)},
            )
        )
    if not paper.subject.strip():
        errors.append(ValidationError(_("Write the subject."), code="no_subject"))
    if not (paper.signatory_name.strip() and paper.signatory_position.strip()):
        errors.append(ValidationError(_("Give the signatory's name and position."), code="no_signatory"))
    # A section counts for its text: an empty one (a heading at most) says nothing to the addressee.
    has_text = any(body.strip() for body in paper.sections.values_list("body", flat=True))
    if not (has_text or paper.proposals.exists()):
        errors.append(ValidationError(_("The paper has neither text nor proposals."), code="empty"))
    errors += [
        ValidationError(
            _("%(place)s names %(organisation)s, whose attribution on this paper is “%(mode)s”."),
            code="attribution_leak",
            params={
                "place": leak.place,
                "organisation": leak.organisation.name,
                "mode": leak.mode_label,
            },
        )
        for leak in paper_attribution_leaks(paper=paper)
    ]
    errors += [
        ValidationError(
            _(
                "%(place)s has characters the letter's fonts cannot print: %(characters)s. The PDF shows "
                "“%(stand_in)s” in their place; replace or remove them."
            ),
            code="unprintable",
            params={
                "place": text.place,
                "characters": text.characters_shown,
                "stand_in": UNPRINTABLE_STAND_IN,
            },
        )
        for text in paper_unprintable_text(paper=paper, issuer=issuer, built=built)
    ]
    return errors


@dataclass(frozen=True)
class ApprovalPreview:
    """What approving a paper now would do, for the page that asks to confirm it."""

    registration_number: str
    registration_date: datetime.date
    problems: list[str]
    # The fingerprint of the letter the page shows (`BuiltLetter.fingerprint`), which the page
    # sends back so that `services.paper_approve` approves only that letter.
    fingerprint: str


def paper_approval_preview(*, paper: PositionPaper) -> ApprovalPreview:
    """The number and date approving the paper now would give it, what keeps it from being
    approved (`problems`, empty when nothing does) and the fingerprint of its letter, built once. The number is the journal's next one: read,
    not taken, so a paper approved meanwhile takes it and this one gets the following."""
    issuer = IssuerSettings.load()
    today = timezone.localdate()
    last = (
        RegistrationJournal.objects.filter(prefix=issuer.registration_prefix, year=today.year)
        .values_list("last_number", flat=True)
        .first()
    )
    built = paper_built_letter(paper=paper, issuer=issuer)
    if paper.is_draft:
        problems = [
            message
            for error in paper_approval_errors(paper=paper, issuer=issuer, built=built)
            for message in error.messages
        ]
    else:
        problems = [
            str(_("This paper is already registered as %(number)s.") % {"number": paper.registration_number})
        ]
    return ApprovalPreview(
        registration_number=RegistrationJournal.number(
            prefix=issuer.registration_prefix, year=today.year, number=(last or 0) + 1
        ),
        registration_date=today,
        problems=problems,
        fingerprint=built.fingerprint,
    )
