"""The mark across every page of a draft letter ("PROJEKTAS"), drawn as the outlines of its
letters rather than written as text.

Written as text, its letters were part of the page's text: a PDF reader's copy, search or
read-aloud of a draft mixed them into the words they cross ("PriAtariame", "klauRsimą"). Drawn
as shapes (an SVG of the glyphs' outlines from the letter's sans-serif font, which WeasyPrint
draws as vector paths), they are seen and never read.
"""

from __future__ import annotations

import base64
import functools

from django.contrib.staticfiles import finders
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont

FONT = "fonts/DejaVuSans-Bold.ttf"
# The grey of the mark: black at 8 % over the white page.
OPACITY = "0.08"
ANGLE = -35


@functools.cache
def draft_mark_url(text: str) -> str:
    """A `data:` URL of an SVG image of `text` in the font's outlines, rotated across the page."""
    font = TTFont(finders.find(FONT))
    glyphs = font.getGlyphSet()
    characters = font.getBestCmap()
    paths = []
    advance = 0
    for character in text:
        name = characters.get(ord(character), ".notdef")
        pen = SVGPathPen(glyphs)
        glyphs[name].draw(pen)
        paths.append(f'<path transform="translate({advance} 0)" d="{pen.getCommands()}"/>')
        advance += glyphs[name].width
    ascent, descent = font["hhea"].ascent, font["hhea"].descent
    height = ascent - descent
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {advance} {height}">'
        # The font's y axis points up, SVG's down: the outlines are flipped onto the baseline.
        f'<g transform="translate(0 {ascent}) scale(1 -1)" fill="#000" fill-opacity="{OPACITY}">'
        f"{''.join(paths)}</g></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
