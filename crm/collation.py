"""Lithuanian alphabetical order, in the databases and in Python.

The names people look up in lists (organisations, persons, municipalities, tags) are stored with
the database collation `LITHUANIAN`, so that every ORDER BY on them, the admin's and the
directory's, follows the Lithuanian alphabet: Alytaus, Anykščių, Ąžuolo, Birštono, Cukraus, Čekų,
…, Sūduvos, Šiaulių, Tauragės, …, Zarasų, Žemės. Byte order puts Č, Š and Ž after Z.

- On PostgreSQL it is ICU's Lithuanian collation (CLDR's rules), created by crm's migration 0008.
- On SQLite it is `compare` below, which the project's backend (config/sqlite3/base.py) registers
  on every connection under the same name. A tool that opens the SQLite file without it (the
  sqlite3 shell) cannot read those columns in order and reports "no such collation sequence".
- Lists sorted in Python (a letter's annex, a plan's organisations) use `alphabetical`.

Both follow CLDR's Lithuanian rules: Č, Š and Ž are letters of their own, after C, S and Z; the
other letters with marks (Ą, Ę, Ė, Į, Ų, Ū) sort as their base letter, and Y as I, before the
marked one only when the words are otherwise equal; spaces and punctuation before digits, digits
before letters; lower case before upper case. The two orders agree on names; they may differ on
rare symbols, which ICU ranks by their own tables.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: The collation's name, the same on both databases.
LITHUANIAN = "lithuanian"

# Letters of their own in the Lithuanian alphabet sort after their base letter (\U0010ffff ranks
# above any letter); Y sorts as I.
_OWN_LETTERS = {"č": "c\U0010ffff", "š": "s\U0010ffff", "ž": "z\U0010ffff", "y": "i"}
# In the second comparison, the marks: the ogonek (Ą, Ę, Į, Ų) before the other marks (Ė, Ū), and
# Y after I with any mark.
_MARKS = str.maketrans({"\u0328": "\u02ff", "y": "i\U0010ffff"})
# Spaces, then the other characters that are neither letters nor digits, before the digits.
_SPACE = "\x01"
_PUNCTUATION = "\x02"


def _primary(character: str) -> str:
    own = _OWN_LETTERS.get(character)
    if own is not None:
        return own
    if character.isspace():
        return _SPACE
    if not character.isalnum():
        return _PUNCTUATION + character
    return "".join(c for c in unicodedata.normalize("NFD", character) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def alphabetical(text: str) -> tuple[str, str, str, str]:
    """A sort key putting texts in Lithuanian alphabetical order: the letters (marks and case
    ignored but Č, Š, Ž), then the marks, then the case (lower first), then the text itself,
    so that only equal texts have equal keys."""
    folded = text.casefold()
    marks = unicodedata.normalize("NFD", folded).translate(_MARKS)
    return "".join(map(_primary, folded)), marks, text.swapcase(), text


def compare(first: str, second: str) -> int:
    """The SQLite collation: below, equal to or above zero as `first` sorts before, with or after
    `second`. Zero only for equal texts, so that equality and unique indexes mean what they mean
    in byte order."""
    a, b = alphabetical(first), alphabetical(second)
    return (a > b) - (a < b)
