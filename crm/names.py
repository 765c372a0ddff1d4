"""Lithuanian personal names: their case forms, for finding a name wherever a text declines it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Lithuanian names decline, so a note says "Paskambinau Jūratei Kazlauskienei" or "Petro Petraičio
# laiškas". A name's forms are its stem (the name without its nominative ending) followed by one of
# the case endings of its declension: an explicit list, not "any letters", so that "Jonas" does not
# reach "Jonava" nor "Rūta" "Rūtininkas". Keyed by the nominative ending (the longest that fits is
# taken); each list holds the singular nominative, genitive, dative, accusative, instrumental,
# locative and vocative, then the plural (family names: "Kazlauskų", "pas Kazlauskus"). Names are
# also found typed without their diacritics ("Jurates Kazlauskienes", "Zemaitytei"), below.
# The first declension's -is (Petraitis, Jurgis), also taken by foreign names.
_FIRST_DECLENSION_IS: tuple[str, ...] = (
    *("is", "io", "iui", "į", "iu", "yje", "i"),
    *("iai", "ių", "iams", "ius", "iais", "iuose"),
)
_DECLENSIONS: dict[str, tuple[str, ...]] = {
    # Jonas, Kazlauskas, Bernardas
    "as": ("as", "o", "ui", "ą", "u", "e", "ai", "ų", "ams", "us", "ais", "uose"),
    # Tobijas, Matijas, Andrėjas: a stem in j declines as "vėjas" (vėjyje, vėjau), not as "Jonas"
    "jas": (
        *("jas", "jo", "jui", "ją", "ju", "jyje", "jau"),
        *("jai", "jų", "jams", "jus", "jais", "juose"),
    ),
    # Elias (rare in names: the common nouns' vocative is -y, "kely", a name's -iau, "Eliau")
    "ias": ("ias", "io", "iui", "ią", "iu", "yje", "iau", "iai", "ių", "iams", "ius", "iais", "iuose"),
    # Petraitis, Jurgis; and the third declension (Ugnis: Ugnies, Ugniai, Ugnimi, Ugnie)
    "is": (*_FIRST_DECLENSION_IS, "ies", "imi", "ie", "ys", "ų", "ims", "imis", "yse"),
    # Kazys, Gaidys
    "ys": ("ys", "io", "iui", "į", "iu", "yje", "y", "iai", "ių", "iams", "ius", "iais", "iuose"),
    # Mikalojus, Klaudijus, Jankus
    "us": ("us", "aus", "ui", "ų", "umi", "uje", "au", "ūs", "ums", "umis", "uose"),
    # Marius, Paulius, Julius
    "ius": ("ius", "iaus", "iui", "ių", "iumi", "iuje", "iau", "iai", "iams", "iais", "iuose"),
    # Rūta, Ona, Anna (and the rare masculine Jogaila)
    "a": ("a", "os", "ai", "ą", "oje", "ų", "oms", "as", "omis", "ose"),
    # Sofia, Lia
    "ia": ("ia", "ios", "iai", "ią", "ioje", "ių", "ioms", "ias", "iomis", "iose"),
    # Jūratė, Ugnė and the women's surnames: Kazlauskienė, Petraitytė, Žemaitytė, Jonaitė, Bružaitė
    "ė": ("ė", "ės", "ei", "ę", "e", "ėje", "ių", "ėms", "es", "ėmis", "ėse"),
    # The fifth declension (masculine -uo, as akmuo: akmens, akmeniui)
    "uo": (
        *("uo", "ens", "eniui", "enį", "eniu", "enyje", "enie"),
        *("enys", "enų", "enims", "enis", "enimis", "enyse"),
    ),
}
# A name in no Lithuanian form (John, Smith, Müller) takes the masculine -as or -is endings in
# Lithuanian texts (Johnas, Johno, Smithui, Mülleriui, Müllerį); the bare name is its nominative,
# and the only form of a woman's foreign surname.
_FOREIGN_ENDINGS: tuple[str, ...] = ("", *_DECLENSIONS["as"], *_FIRST_DECLENSION_IS)
# Declensions whose nominative has no "i" before a vowel while other cases have: there t and d
# alternate with č and dž before i + a back vowel (Petraitis: Petraičio, Petraičiui, Petraičių;
# Gaidys: Gaidžio; Žemaitytė: Žemaityčių). Elsewhere the stem already shows it (Mačius).
_ALTERNATING = frozenset({"is", "ys", "ė"})
_ALTERNATION = {"t": "č", "d": "dž"}
_BACK_VOWELS = frozenset("aouąųū")
# Shorter stems are not taken: "Lia" is Li + -a, not L + -ia.
_MIN_STEM = 2


# Letters with diacritics are also found typed without them, on a keyboard without Lithuanian (or
# German, French, ...) letters: "ū" as "u", "Ž" as "Z", "é" as "e". Letters of their own with no
# base letter to fall back to ("ø", "ß", "ł") are matched as written.
@lru_cache(maxsize=256)
def base_letter(character: str) -> str | None:
    """The ASCII letter that a letter with diacritics is typed as without them ("ū": "u", "Ž":
    "Z"), None for any other character (an ASCII letter, "ø", a digit)."""
    if character.isascii():
        return None
    base = unicodedata.normalize("NFD", character)[0]
    return base if base.isascii() and base.isalpha() else None


# And the other way round: a name kept in the CRM without its Lithuanian letters ("Jurate
# Kazlauskiene", imported from a system without them) is found where a text writes them
# ("Jūratei Kazlauskienei"). Only Lithuanian letters: "u" is looked for as "ų" and "ū", not as
# every letter of every alphabet that an "u" carries marks in.
_LITHUANIAN_MARKED = {"a": "ą", "c": "č", "e": "ęė", "i": "į", "s": "š", "u": "ųū", "z": "ž"}


def marked_forms(character: str) -> str:
    """The Lithuanian letters with diacritics that `character` may stand for when typed without
    them ("u": "ųū", "U": "ŲŪ"); "" for any other character."""
    forms = _LITHUANIAN_MARKED.get(character.lower(), "")
    return forms.upper() if character.isupper() else forms


def _letters_pattern(text: str, *, marks_put_in: bool = False) -> str:
    """A regular expression matching the text as written or with any of its letters' diacritics
    left out ("Jūratė": Jūratė, Jurate, Jūrate); with `marks_put_in`, also with the Lithuanian ones
    put in ("Jurate": Jūratė, Jūrate): for a name as kept in the CRM, not for the case endings,
    which are written here with their marks ("Šarūne" is not "Šarūnė")."""
    parts = []
    for character in text:
        if character in APOSTROPHES:
            # "O'Neill" as typed on a keyboard or as a word processor writes it, "O’Neill".
            parts.append(f"[{APOSTROPHES}]")
        elif base := base_letter(character):
            parts.append(f"[{character}{base}]")
        elif marks_put_in and (marked := marked_forms(character)):
            parts.append(f"[{character}{marked}]")
        else:
            parts.append(re.escape(character))
    return "".join(parts)


def _declension(word: str) -> tuple[str, tuple[str, ...], bool]:
    """A single word of a name split into its stem, its case endings (the stem plus any of them is
    a form of the word) and whether the stem's last t/d alternates with č/dž before i + vowel."""
    if len(word) < _MIN_STEM or not word[-1].isalpha():
        return word, ("",), False  # an initial, a number: matched as written
    lower = word.lower()
    for nominative in sorted(_DECLENSIONS, key=len, reverse=True):
        if lower.endswith(nominative) and len(word) - len(nominative) >= _MIN_STEM:
            return word[: -len(nominative)], _DECLENSIONS[nominative], nominative in _ALTERNATING
    if lower.endswith("e") and len(word) - 1 >= _MIN_STEM:
        # An -ė typed without its dot ("Jurate", "Kazlauskiene"), or a foreign name's -e (Marie),
        # whose forms are the name and the foreign endings after it.
        return word[:-1], (*_DECLENSIONS["ė"], *(f"e{ending}" for ending in _FOREIGN_ENDINGS)), True
    return word, _FOREIGN_ENDINGS, False


def _alternates(stem: str, alternating: bool) -> bool:
    return alternating and stem[-1:].lower() in _ALTERNATION


def _endings_pattern(endings: Iterable[str]) -> str:
    ordered = sorted(set(endings), key=len, reverse=True)  # "" (the bare word) last
    if ordered == [""]:
        return ""
    return "(?:" + "|".join(_letters_pattern(ending) for ending in ordered) + ")"


def _word_forms_pattern(word: str) -> str:
    """A regular expression matching any case form of one word of a name ("Petraitis": Petraitis,
    Petraičio, Petraičiui, Petraitį, ...), with or without its diacritics (Petraicio, Petraiti).
    Not anchored: the caller sets the word boundaries."""
    stem, endings, alternating = _declension(word)
    forms = _letters_pattern(stem, marks_put_in=True) + _endings_pattern(endings)
    if not _alternates(stem, alternating):
        return forms
    softened = [ending for ending in endings if ending[:1] == "i" and ending[1:2] in _BACK_VOWELS]
    alternated = _letters_pattern(_ALTERNATION[stem[-1].lower()]) + _endings_pattern(softened)
    # The plain stem keeps all its endings: a misspelt "Petraitio" is still the name.
    last = _letters_pattern(stem[-1], marks_put_in=True)
    return (
        f"{_letters_pattern(stem[:-1], marks_put_in=True)}(?:{last}{_endings_pattern(endings)}|{alternated})"
    )


# What joins the names of a double name as typed or as a word processor writes it: a hyphen, a
# non-breaking hyphen, an en or em dash, a minus sign ("Kazlauskaitė–Rimkienė").
NAME_JOINERS = "\u2010\u2011\u2012\u2013\u2014\u2212-"  # the hyphen last: literal in a class
# An apostrophe as typed and as a word processor writes it ("O'Neill", "O’Neill").
APOSTROPHES = "'\u2019\u02bc`"


def _name_words(name: str) -> list[str]:
    return [word for word in re.split(rf"[\s{NAME_JOINERS}]+", name) if word]


def name_forms_pattern(name: str) -> str:
    """A regular expression matching a first or last name in any case, each word of a name of
    several words ("Jūratė Marija", "Petraitytė-Kazlauskienė") declined on its own and the words
    parted by spaces, a hyphen or a dash (`NAME_JOINERS`), an apostrophe as any of `APOSTROPHES`,
    its letters with diacritics also typed without them
    ("Jurates Kazlauskienes"). Matching is meant case-insensitive, between the caller's word
    boundaries; a name with no word at all is matched as written."""
    words = _name_words(name)
    if not words:
        return re.escape(name)
    return rf"(?:\s*[{NAME_JOINERS}]\s*|\s+)".join(_word_forms_pattern(word) for word in words)


def name_prefilter_terms(name: str) -> list[str]:
    """Fragments every case form of the name contains, for a database prefilter (icontains) that
    lets the regular expression decide: each word's stem, without a last t/d that alternates. A
    form typed without diacritics holds the stem with those letters typed as their `base_letter`
    ("Jurat" for "Jūrat"), and a name kept without them is written with them (`marked_forms`:
    "Jūrat" for "Jurat"), so the prefilter must take either letter at their place."""
    terms = []
    for word in _name_words(name) or [name]:
        stem, _endings, alternating = _declension(word)
        term = stem[:-1] if _alternates(stem, alternating) else stem
        # An apostrophe may be written another way ("O’Neil" for "O'Neil"): the longest part
        # without one.
        terms.append(max(re.split(f"[{APOSTROPHES}]", term), key=len) or term)
    return terms


# --- the vocative: how a letter addresses a person ("Gerb. Mindaugai", "Gerb. Egle") ----------------

# The vocative singular ending of each declension of `_DECLENSIONS`, by its nominative ending: one
# of the endings listed there (the lists leave out a form equal to one listed before it, so the
# vocative is named here rather than found by its place).
_VOCATIVE_ENDINGS: dict[str, str] = {
    "as": "ai",  # Mindaugas: Mindaugai
    "jas": "jau",  # Tobijas, Matijas: Tobijau, Matijau (as "vėjas: vėjau")
    "ias": "iau",  # Elias: Eliau
    "is": "i",  # Jurgis, Kęstutis: Jurgi, Kęstuti
    "ys": "y",  # Kazys: Kazy
    "us": "au",  # Mikalojus, Jankus: Mikalojau, Jankau
    "ius": "iau",  # Darius, Marius: Dariau, Mariau
    "a": "a",  # Rūta, Jogaila: as the nominative
    "ia": "ia",  # Sofia: as the nominative
    "ė": "e",  # Eglė, Jūratė: Egle, Jūrate
    "uo": "enie",  # the fifth declension
}
# The few women's names of the third declension take its -ie (Ugnis: Ugnie), not the -i of the
# men's -is (Jurgis: Jurgi).
_THIRD_DECLENSION_NAMES = frozenset({"ugnis", "viltis", "smiltis"})
_THIRD_DECLENSION_VOCATIVE = "ie"
# A word with a letter that Lithuanian does not write (John, Lewis, Alexis, Jānis, Müller) is a
# foreign name, addressed as written.
_LITHUANIAN_LETTERS = frozenset("aąbcčdeęėfghiįyjklmnoprsštuųūvzž")


def _word_vocative(word: str) -> str:
    if not set(word.lower()) <= _LITHUANIAN_LETTERS:
        return word
    stem, endings, _alternating = _declension(word)
    nominative = endings[0]  # each list opens with the nominative; "" for a foreign name, an initial
    if not nominative:
        return word
    if word.lower() in _THIRD_DECLENSION_NAMES:
        ending = _THIRD_DECLENSION_VOCATIVE
    else:
        ending = _VOCATIVE_ENDINGS[nominative]
    # The ending in the letter case of the one it replaces (MINDAUGAS: MINDAUGAI).
    return stem + (ending.upper() if word[len(stem) :].isupper() else ending)


def vocative(first_name: str) -> str:
    """A first name in the Lithuanian vocative, the case of addressing its bearer ("Gerb.
    Mindaugai,", "Gerb. Egle,"): each word of a name of several words on its own ("Jūratė Marija":
    Jūrate Marija), the spaces and hyphens between them kept; an initial, a name with no Lithuanian
    ending (John) or in a foreign spelling (Lewis) as written."""
    return "".join(
        _word_vocative(part) if part and not part.isspace() and part != "-" else part
        for part in re.split(r"(\s+|-)", first_name)
    )
