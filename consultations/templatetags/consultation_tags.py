from __future__ import annotations

import datetime
import functools
from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from consultations.answers import entry_display
from consultations.markdown import render_markdown
from consultations.models import content_lang

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render staff-written Markdown as sanitised HTML."""
    return _markdown_cached(str(text or ""))


# Every view of a consultation's member page shows the same background, and converting Markdown is
# one of the page's dearest steps. Keyed by the text itself: an edited text is converted afresh at
# once, in every process.
@functools.lru_cache(maxsize=64)
def _markdown_cached(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def answer_entries(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers of a submitted version, each with its display text in the active language."""
    return [
        {
            "question": entry.get("question", ""),
            "rows": entry.get("rows", []) if entry.get("kind") == "proposals" else [],
            "display": "" if entry.get("kind") == "proposals" else entry_display(entry),
        }
        for entry in answers or []
    ]


@register.filter
def indent(text: str, width: int = 3) -> str:
    """Continue a multi-line answer under its first line in plain-text e-mails."""
    return str(text).replace("\n", "\n" + " " * width)


def deadline_shown(deadline: datetime.datetime) -> datetime.datetime:
    """The deadline as members read it, in the site's time: one at midnight ("4 December, 00:00",
    which readers take for the end of 4 December, while answers close as it begins) is shown as
    the last minute of the day before, "3 December, 23:59"."""
    local = timezone.localtime(deadline)
    if local.time() == datetime.time(0, 0):
        return local - datetime.timedelta(minutes=1)
    return local


@register.filter
def deadline(value: datetime.datetime | None) -> str:
    """A deadline in the active language's date and time format, as `deadline_shown` has it."""
    if value is None:
        return ""
    return formats.date_format(deadline_shown(value), "DATETIME_FORMAT")


def time_left_units(deadline: datetime.datetime | None) -> tuple[tuple[str, int], ...] | None:
    """What `time_left` shows, as numbers: None when the deadline is missing or past, () for less
    than a minute, else ("day" | "hour" | "minute", count) pairs, two at most from the first unit
    that is not zero (a second one that is zero is left out). The member page's cache key is made
    with it: it changes exactly when the text does, and nothing is translated on every view."""
    if deadline is None:
        return None
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0:
        return None
    hours, minutes = divmod(seconds // 60, 60)
    days, hours = divmod(hours, 24)
    counts = [("day", days), ("hour", hours), ("minute", minutes)]
    first = next((index for index, (_unit, count) in enumerate(counts) if count), len(counts))
    return tuple((unit, count) for unit, count in counts[first : first + 2] if count)


UNIT_TEXTS = {
    "day": lambda count: ngettext("%(count)d day", "%(count)d days", count),
    "hour": lambda count: ngettext("%(count)d hour", "%(count)d hours", count),
    "minute": lambda count: ngettext("%(count)d minute", "%(count)d minutes", count),
}


@register.filter
def time_left(deadline: datetime.datetime | None) -> str:
    """How long until `deadline`, in two units at most ("3 days 4 hours", "2 hours 5 minutes").

    Our own strings rather than Django's `timeuntil`: Django's Lithuanian catalogue has no
    translations of its time units, and these can be translated with the project's catalogue."""
    units = time_left_units(deadline)
    if units is None:
        return ""
    if not units:
        return gettext("less than a minute")
    return " ".join(UNIT_TEXTS[unit](count) % {"count": count} for unit, count in units)


@register.simple_tag(takes_context=True)
def language_links(context: dict[str, Any]) -> list[dict[str, Any]]:
    """This page's address in each language, for a switch made of links: member pages send no
    referrer, so browsers post their forms with `Origin: null`, which Django's `set_language`
    (CSRF-protected) refuses. A page rendered for several addresses gives its own `page_path`."""
    path = context.get("page_path") or context["request"].get_full_path()
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "url": translate_url(path, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag
def content_lang_attribute() -> SafeString:
    """` lang="lt"` on an element holding what staff wrote, when the page is in another language
    (see `consultations.models.content_lang`); nothing otherwise."""
    lang = content_lang()
    return format_html(' lang="{}"', lang) if lang else SafeString("")
