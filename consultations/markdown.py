"""Markdown written by staff (a consultation's background, a position paper's sections), rendered
to sanitised HTML.

The text is treated as untrusted (papers often paste member answers): only plain formatting
survives. No images, styles, scripts, frames or `<link>` elements — on a page they could run code,
and in a PDF they could make the renderer fetch a file or a URL, or embed an attachment. Links keep
only an http(s) or mailto address.

Text in angle brackets that is not a tag the sanitiser keeps ("Įrašyti <institucijos pavadinimas>",
"kai A<B bei C>D") prints as typed: Markdown would take it for HTML, which the sanitiser then drops
or, worse, keeps as a tag ("<B bei C>" made the rest of the paragraph bold).
"""

from __future__ import annotations

import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.inlinepatterns import HtmlInlineProcessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
    "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    # A list continued after a paragraph ("3." after "1." and "2.") keeps its numbers.
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed together with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = {
    "script", "style", "title", "head", "template", "noscript", "iframe", "object", "svg", "math",
}  # fmt: skip
WEB_LINK_REL = "noopener noreferrer nofollow"

_TAG_NAME = "(?i:{})".format("|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)))
# What Markdown passes on as HTML within a paragraph: a tag the sanitiser keeps, opening (each of its
# attributes with a value, as those it keeps have) or closing, and a comment (which it removes).
# Markdown's own pattern takes any "<word …>" for a tag. Autolinks ("<https://…>") are matched first.
ALLOWED_INLINE_HTML = (
    r"(<(?:"
    rf"/{_TAG_NAME}\s*"
    rf"""|{_TAG_NAME}(?:\s+[a-zA-Z_:][-\w:.]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))*\s*/?"""
    r"|!--(?:(?!<!--|-->).)*--"
    r")>)"
)


class _AllowedInlineHtml(Extension):
    """Markdown's inline HTML limited to `ALLOWED_INLINE_HTML`: any other "<" is text, escaped."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.inlinePatterns.register(HtmlInlineProcessor(ALLOWED_INLINE_HTML, md), "html", 90)


# One converter a thread, reset after each text, as Python-Markdown recommends for converting
# many texts: building one (its parser and patterns) cost a third of converting a paper's section.
_converters = threading.local()


def _markdown_html(text: str) -> str:
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(
            extensions=["sane_lists", "tables", _AllowedInlineHtml()], output_format="html"
        )
    try:
        html = converter.convert(text)
    except BaseException:
        # A conversion that failed half-way may leave its parser's state behind, which reset()
        # does not clear: the next text gets a new converter.
        _converters.markdown = None
        raise
    converter.reset()
    return html


def render_markdown(text: str, *, link_rel: str | None = WEB_LINK_REL) -> SafeString:
    """HTML for `text`: Markdown converted, then everything but plain formatting removed.

    Pages give links `rel="noopener noreferrer nofollow"`; the PDF passes `link_rel=None`, because
    WeasyPrint treats some `rel` values (attachment) as instructions.
    """
    html = _markdown_html(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=link_rel,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
