"""Widgets of the CRM imports and exports, and the lookups they share during one import.

Widgets turn a spreadsheet cell into a Python value (`clean`) and back (`render`). A
bad cell raises ValueError with a translated message; the resource reports it as an
error of that column. Lookups of sectors, municipalities, tags and organisations are
loaded once per import (`ImportLookups`), so no widget queries the database per row.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from import_export.widgets import Widget

from crm.models import Municipality, Organisation, Sector, Tag
from crm.selectors import municipality_from_text, municipality_names

LANGUAGES = ("lt", "en")
LIST_JOINER = "; "
WHOLE_NUMBER = re.compile(r"[+-]?\d+(?:[.,]0{1,2})?")  # "12.0" and "12,00": a spreadsheet's 12
MAX_DIGITS = 18  # a bigint holds every number of 18 digits
GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{3})+")  # "1,000": a thousand, or one?
SPACES = re.compile(r"[\s\u00a0\u202f]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S")
CHUNK = 2000


#: Lithuanian „…“, English “…” and ‘…’, «…», and the straight quotes a spreadsheet types.
QUOTES = str.maketrans(dict.fromkeys("„“”‟«»‚‘’‛'`", '"'))


def normalise_key(value: Any) -> str:
    """How names are compared: accents count; spacing, letter case, the kind of quotation marks
    (Klasteris "Šilas" names Klasteris „Šilas“) and how the accented letters are encoded do not
    (“ė” typed as one character or as “e” and a dot above)."""
    return unicodedata.normalize("NFC", " ".join(str(value).split())).casefold().translate(QUOTES)


def name_key(value: Any) -> str:
    """How a cell naming an organisation is compared with the names stored (`normalise_key`):
    “uab „ŠIAURĖS vėjas“” names UAB „Šiaurės vėjas“."""
    return normalise_key(TextWidget().clean(value))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def legal_code_text(value: Any) -> str:
    """A cell holding a legal entity code as the code's text: without spaces, and a spreadsheet's
    number cell (123456789.0) as its digits."""
    return SPACES.sub("", str(int(value) if isinstance(value, float) else value).strip())


def split_quoted_list(value: Any) -> list[str]:
    """“IRT; Sveikata” or “ict,health” → ["IRT", "Sveikata"] / ["ict", "health"]; an item may be
    written in double quotes to hold a separator, as a spreadsheet writes a cell: “Mediena;
    "Sveikata, biotechnologijos"” → ["Mediena", "Sveikata, biotechnologijos"]; a quote inside is
    doubled. Quotes elsewhere are the item's own."""
    if is_blank(value):
        return []
    text, items, current, quoted, index = str(value), [], [], False, 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == '"' and text[index + 1 : index + 2] == '"':
                current.append(char)
                index += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"' and not "".join(current).strip():
            quoted, current = True, []
        elif char in ",;":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def quoted_list_item(name: str) -> str:
    """A name as `split_quoted_list` reads it back: in double quotes when it holds a separator or
    starts with a quote."""
    if any(separator in name for separator in ",;") or name.startswith('"'):
        return '"' + name.replace('"', '""') + '"'
    return name


def chunked(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def in_every_language(text: Any) -> set[str]:
    """The normalised forms of a translatable text in each language of the site."""
    forms = set()
    for language in LANGUAGES:
        with translation.override(language):
            forms.add(normalise_key(str(text)))
    return forms


class ImportLookups:
    """Reference data for one import, loaded with a handful of queries."""

    def __init__(self) -> None:
        self.sectors: dict[str, Sector] = {}
        self.sectors_by_id: dict[int, Sector] = {}
        for sector in Sector.objects.all():
            self.sectors_by_id[sector.pk] = sector
            for name in (sector.code, sector.name_lt, sector.name_en):
                self.sectors[normalise_key(name)] = sector
        self.municipalities = municipality_names()
        self.tags = {normalise_key(t.name): t for t in Tag.objects.all()}
        self.new_tags: dict[str, str] = {}
        self.organisations_by_code: dict[str, int] = {}
        self.organisations_by_name: dict[str, list[int]] = defaultdict(list)
        self.organisation_names: dict[int, str] = {}
        self.organisation_codes: dict[int, str] = {}

    def load_organisations(self, references: Iterable[Any], codes: Iterable[Any] = ()) -> None:
        """Load the organisations that the given cells name by legal code or by name (`name_key`),
        and those of the legal entity codes `codes` (cells of a column of codes only).

        As in the organisation import (`CrmResource.load_by_name`), names are compared here, not
        by the database: the names of all organisations are read in one streamed query."""
        names = set()
        wanted_codes = {legal_code_text(code) for code in codes if not is_blank(code)}
        for reference in references:
            if is_blank(reference):
                continue
            names.add(name_key(reference))
            code = legal_code_text(reference)
            if code.isdigit() and len(code) == 9:
                wanted_codes.add(code)
        rows: list[tuple[int, str, str]] = []
        for batch in chunked(wanted_codes):
            rows += Organisation.objects.filter(legal_code__in=batch).values_list("pk", "legal_code", "name")
        if names:
            every_name = Organisation.objects.values_list("pk", "legal_code", "name")
            rows += (row for row in every_name.iterator(chunk_size=CHUNK) if normalise_key(row[2]) in names)
        for pk, code, name in rows:
            if code:
                self.organisations_by_code[code] = pk
                self.organisation_codes[pk] = code
            key = normalise_key(name)
            if pk not in self.organisations_by_name[key]:
                self.organisations_by_name[key].append(pk)
            self.organisation_names[pk] = name


class LookupWidget(Widget):
    """A widget whose `lookups` the resource sets at the start of each import."""

    lookups: ImportLookups | None = None


class TextWidget(Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed into a number cell of a spreadsheet
        # Files saved on a Mac, or copied from a PDF, may spell “ė” as “e” and a combining dot:
        # stored as one character, as typed in the admin, so that searches and names match.
        return unicodedata.normalize("NFC", str(value).strip())

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


_VALID_URL = URLValidator()


class UrlWidget(TextWidget):
    """A web address; one typed without its scheme (“klasteriai.lt”) is taken as https://, as the
    admin's form takes it. A bad address is reported by the model's validation, in the row."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs)
        if not text or "://" in text:
            return text  # the model's validation checks it
        with_scheme = f"https://{text}"
        try:
            _VALID_URL(with_scheme)
        except ValidationError:
            return text  # as typed, in the row's error
        return with_scheme


class IntegerWidget(Widget):
    def __init__(self, *, default: int | None = None) -> None:
        super().__init__()
        self.default = default

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        if is_blank(value):
            return self.default
        if isinstance(value, bool):
            raise ValueError(gettext("“%(value)s” is not a whole number.") % {"value": value})
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = SPACES.sub("", str(value))
        if GROUPED_NUMBER.fullmatch(text):
            raise ValueError(
                gettext("“%(value)s”: write whole numbers without thousands separators, such as 1000.")
                % {"value": value}
            )
        if not WHOLE_NUMBER.fullmatch(text):
            raise ValueError(gettext("“%(value)s” is not a whole number.") % {"value": value})
        whole = re.split(r"[.,]", text)[0]
        if len(whole.lstrip("+-").lstrip("0")) > MAX_DIGITS:
            # Beyond any column's range, and beyond what Python reads as a number (4,300 digits).
            raise ValueError(gettext("“%(value)s” is too large a number.") % {"value": value})
        return int(whole)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class BooleanWidget(Widget):
    # "tiesa"/"netiesa": what a Lithuanian Excel writes for TRUE and FALSE.
    TRUE = {"1", "true", "yes", "taip", "tiesa", "t", "y", "x", "✓", "✔"}
    FALSE = {"0", "false", "no", "ne", "netiesa", "f", "n"}

    def __init__(self, *, default: bool = False) -> None:
        super().__init__()
        self.default = default
        self._words: tuple[set[str], set[str]] | None = None

    def words(self) -> tuple[set[str], set[str]]:
        # What exports write ("yes"/"no" in the export's language) is always accepted back.
        if self._words is None:
            self._words = (
                self.TRUE | in_every_language(gettext("yes")),
                self.FALSE | in_every_language(gettext("no")),
            )
        return self._words

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if is_blank(value):
            return self.default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        truthy, falsy = self.words()
        key = normalise_key(value)
        if key in truthy:
            return True
        if key in falsy:
            return False
        raise ValueError(gettext("“%(value)s” is not yes or no (1 or 0).") % {"value": value})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        if value is None:
            return ""
        return gettext("yes") if value else gettext("no")


class ChoiceWidget(Widget):
    """A choice given by its stored value or by its label in Lithuanian or English."""

    def __init__(self, choices: type[models.TextChoices], *, default: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.default = default
        self._map: dict[str, str] | None = None

    def mapping(self) -> dict[str, str]:
        if self._map is None:
            self._map = {}
            for value, label in self.choices.choices:
                self._map[normalise_key(value)] = value
                for form in in_every_language(label):
                    self._map.setdefault(form, value)
        return self._map

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if is_blank(value):
            return self.default
        choice = self.mapping().get(normalise_key(value))
        if choice is None:
            allowed = ", ".join(str(label) for label in self.choices.labels)
            raise ValueError(
                gettext("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed}
            )
        return choice

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if not value:
            return ""
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)


class DateWidget(Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
        raise ValueError(gettext("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return value.isoformat() if value else ""


class DateTimeWidget(Widget):
    """Date and time in the site's time zone, to the second."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.datetime | None:
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            # Spreadsheets store times as fractions of a day: 10:20:30 may come back as 10:20:29.999999.
            moment = (value + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)
        elif isinstance(value, datetime.date):
            moment = datetime.datetime.combine(value, datetime.time())
        else:
            text = str(value).strip()
            try:
                moment = parse_datetime(text)
            except ValueError:
                moment = None
            if moment is None:
                try:
                    moment = datetime.datetime.combine(DateWidget().clean(text), datetime.time())
                except ValueError:
                    raise ValueError(
                        gettext("“%(value)s” is not a date and time; write it as YYYY-MM-DD HH:MM.")
                        % {"value": value}
                    ) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not value:
            return None if kwargs.get("force_native_type") else ""
        local = timezone.localtime(value).replace(microsecond=0)
        if kwargs.get("force_native_type"):
            return local.replace(tzinfo=None)  # XLSX cannot store a time zone
        return local.strftime("%Y-%m-%d %H:%M:%S")


class MunicipalityWidget(LookupWidget):
    """A municipality as people write it (`crm.selectors.municipality_from_text`): "Vilniaus m. sav.",
    "Kauno r.", "Siauliu miestas"…"""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Municipality | None:
        if is_blank(value):
            return None
        try:
            return municipality_from_text(value=str(value).strip(), names=self.lookups.municipalities)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.name if value else ""


class SectorsWidget(LookupWidget):
    """Sectors by code or by Lithuanian or English name, separated by “;” or “,”. A name that holds
    a comma or a semicolon (staff may rename a sector so) is written in double quotes, as a tag's
    is (`quoted_list_item`)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> frozenset[int]:
        ids = set()
        for part in split_quoted_list(value):
            sector = self.lookups.sectors.get(normalise_key(part))
            if sector is None:
                # Named in the page's language: the codes ("agrifood") say little to staff.
                names = LIST_JOINER.join(s.name for s in self.lookups.sectors_by_id.values())
                raise ValueError(
                    gettext("There is no sector “%(value)s”; give one of these: %(names)s.")
                    % {"value": part, "names": names}
                )
            ids.add(sector.pk)
        return frozenset(ids)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return LIST_JOINER.join(quoted_list_item(sector.name) for sector in value.all())

    def names(self, ids: Iterable[int]) -> str:
        sectors = sorted((self.lookups.sectors_by_id[pk] for pk in ids), key=lambda s: (s.position, s.code))
        return LIST_JOINER.join(quoted_list_item(sector.name) for sector in sectors)


class TagsWidget(LookupWidget):
    """Tags by name; a name not yet known becomes a new tag when the import is saved. A name that
    holds a comma or a semicolon is written in double quotes (`quoted_list_item`)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> frozenset[str]:
        keys = set()
        for typed in split_quoted_list(value):
            # Stored composed, as `TextWidget` stores text and the admin a name typed there: a tag
            # spelt with combining marks (a Mac's file, a PDF's copy) is the same tag to staff.
            name = unicodedata.normalize("NFC", " ".join(typed.split()))
            key = normalise_key(name)
            if len(name) > Tag._meta.get_field("name").max_length:
                raise ValueError(gettext("The tag “%(value)s” is too long.") % {"value": name})
            if key not in self.lookups.tags:
                self.lookups.new_tags.setdefault(key, name)
            keys.add(key)
        return frozenset(keys)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return (
            LIST_JOINER.join(quoted_list_item(tag.name) for tag in value.all()) if value is not None else ""
        )

    def names(self, keys: Iterable[str]) -> str:
        lookups = self.lookups
        return LIST_JOINER.join(
            sorted(lookups.tags[k].name if k in lookups.tags else lookups.new_tags.get(k, k) for k in keys)
        )


class OrganisationWidget(LookupWidget):
    """An organisation by legal entity code or by name up to letter case and spacing (`name_key`):
    the candidates' ids (several when organisations share the name)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[int]:
        if is_blank(value):
            return []
        lookups = self.lookups
        code = legal_code_text(value)
        if code in lookups.organisations_by_code:
            return [lookups.organisations_by_code[code]]
        candidates = lookups.organisations_by_name.get(name_key(value), [])
        if not candidates:
            raise ValueError(
                gettext("There is no organisation with the legal entity code or name “%(value)s”.")
                % {"value": value}
            )
        return candidates

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.name if value else ""


class OrganisationCodeWidget(LookupWidget):
    """An organisation by its legal entity code alone (the column beside its name, which tells
    organisations of one name apart): its id, or None for an empty cell."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        if is_blank(value):
            return None
        found = self.lookups.organisations_by_code.get(legal_code_text(value))
        if found is None:
            raise ValueError(
                gettext("There is no organisation with the legal entity code “%(value)s”.") % {"value": value}
            )
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)
