"""Page layout and PDF output.

Layout runs to completion before anything is drawn, so the total page count is
known when footers ("2 / 3") are drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr
from reportlab.pdfgen.canvas import Canvas

from .blocks import Block, CodeBox, Heading, Paragraph, Spacer
from .fonts import FontResolver, glyph_char
from .text import GlyphRun, Line, TextStyle, layout_paragraph

LANGUAGES: frozenset[str] = frozenset({"en", "cy", "pl", "ro", "uk", "so", "ar", "ur", "bn", "pa"})
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "ur"})

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 14 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

TITLE_STYLE = TextStyle(size=18, bold=True)
HEADING_STYLE = TextStyle(size=14, bold=True)
BODY_STYLE = TextStyle(size=11)
FOOTER_STYLE = TextStyle(size=8.5)
CODE_STYLE = TextStyle(size=22, mono=True)
CODE_MIN_SIZE = 11.0
CODE_PADDING = 4 * mm
PAGE_NUMBER_WIDTH = 22 * mm  # reserved beside the footer text

GREY = Color(0.35, 0.35, 0.35)
RULE_GREY = Color(0.7, 0.7, 0.7)


@dataclass(frozen=True)
class _Metrics:
    leading: float
    baseline: float  # distance from the top of a line box down to its baseline


def _metrics(lines: Sequence[Line], style: TextStyle) -> _Metrics:
    """Line spacing from the fonts actually used.

    Nastaliq needs roughly twice the room of Latin text; a fixed leading would make
    its lines collide, while the Latin-sized minimum keeps Latin text compact.
    """
    fonts = {run.font for line in lines for run in line.runs}
    size = style.size
    ascent = max((f.ascent for f in fonts), default=800.0) * size / 1000
    descent = min((f.descent for f in fonts), default=-200.0) * size / 1000
    height = ascent - descent
    leading = max(size * 1.45, height * 1.05)
    return _Metrics(leading=leading, baseline=ascent + (leading - height) / 2)


@dataclass(frozen=True)
class _PlacedLine:
    line: Line
    x: float  # left edge of the line's first visual run
    baseline: float
    grey: bool = False


@dataclass(frozen=True)
class _PlacedBox:
    x: float
    y: float  # bottom edge
    width: float
    height: float


@dataclass(frozen=True)
class _PlacedRule:
    x1: float
    x2: float
    y: float


_Item = _PlacedLine | _PlacedBox | _PlacedRule


class _Flow:
    """Stacks items down the page and starts a new page when one is full."""

    def __init__(self, bottom: float) -> None:
        self.bottom = bottom
        self.pages: list[list[_Item]] = [[]]
        self.y = PAGE_HEIGHT - MARGIN_TOP

    @property
    def at_top(self) -> bool:
        return self.y >= PAGE_HEIGHT - MARGIN_TOP

    def ensure(self, height: float) -> None:
        # An item taller than a whole page goes on a fresh page and overflows it
        # rather than looping forever.
        if self.y - height < self.bottom and not self.at_top:
            self.pages.append([])
            self.y = PAGE_HEIGHT - MARGIN_TOP

    def skip(self, height: float) -> None:
        if not self.at_top:
            self.y = max(self.y - height, self.bottom)

    def add(self, item: _Item) -> None:
        self.pages[-1].append(item)


def _line_x(line: Line, rtl: bool, left: float = MARGIN_X, width: float = CONTENT_WIDTH) -> float:
    return left + width - line.width if rtl else left


class _Layout:
    def __init__(self, language: str, fonts: FontResolver) -> None:
        self.language = language
        self.rtl = language in RTL_LANGUAGES
        self.fonts = fonts

    def lines(
        self, text: str, style: TextStyle, width: float = CONTENT_WIDTH, rtl: bool | None = None
    ) -> list[Line]:
        return layout_paragraph(
            text,
            language=self.language,
            rtl=self.rtl if rtl is None else rtl,
            style=style,
            max_width=width,
            fonts=self.fonts,
        )

    def place_text(
        self, flow: _Flow, text: str, style: TextStyle, keep_with_next: float = 0.0
    ) -> None:
        lines = self.lines(text, style)
        m = _metrics(lines, style)
        flow.ensure(m.leading * min(len(lines), 2) + keep_with_next)
        for line in lines:
            flow.ensure(m.leading)
            flow.add(_PlacedLine(line, _line_x(line, self.rtl), flow.y - m.baseline))
            flow.y -= m.leading

    def place_code(self, flow: _Flow, code: str) -> None:
        inner = CONTENT_WIDTH - 2 * CODE_PADDING
        style = CODE_STYLE
        natural = max(
            (ln.width for ln in self.lines(code, style, width=float("inf"), rtl=False)),
            default=0.0,
        )
        if natural > inner:
            # Shrink rather than wrap: a code split over two lines gets mistyped.
            style = TextStyle(max(CODE_MIN_SIZE, style.size * inner / natural), mono=True)
        lines = self.lines(code, style, width=inner, rtl=False)
        m = _metrics(lines, style)
        box_w = max(ln.width for ln in lines) + 2 * CODE_PADDING
        box_h = m.leading * len(lines) + 2 * CODE_PADDING
        flow.ensure(box_h)
        # The box sits on the reading-start side; the code inside is always LTR.
        box_x = PAGE_WIDTH - MARGIN_X - box_w if self.rtl else MARGIN_X
        flow.add(_PlacedBox(box_x, flow.y - box_h, box_w, box_h))
        y = flow.y - CODE_PADDING
        for line in lines:
            flow.add(_PlacedLine(line, box_x + CODE_PADDING, y - m.baseline))
            y -= m.leading
        flow.y -= box_h


def _layout(
    title: str, blocks: Sequence[Block], footer: str | None, layout: _Layout
) -> tuple[list[list[_Item]], list[Line], _Metrics]:
    footer_lines = (
        layout.lines(footer, FOOTER_STYLE, width=CONTENT_WIDTH - PAGE_NUMBER_WIDTH)
        if footer
        else []
    )
    footer_m = _metrics(footer_lines, FOOTER_STYLE)
    footer_h = footer_m.leading * max(len(footer_lines), 1)
    flow = _Flow(bottom=MARGIN_BOTTOM + footer_h + 6 * mm)

    layout.place_text(flow, title, TITLE_STYLE)
    flow.y -= 2 * mm
    flow.add(_PlacedRule(MARGIN_X, PAGE_WIDTH - MARGIN_X, flow.y))
    flow.y -= 6 * mm

    body_leading = BODY_STYLE.size * 1.45
    for block in blocks:
        if isinstance(block, Heading):
            flow.skip(4 * mm)
            # Keep a heading with at least two lines of what it introduces.
            layout.place_text(flow, block.text, HEADING_STYLE, keep_with_next=2 * body_leading)
            flow.y -= 1.5 * mm
        elif isinstance(block, Paragraph):
            layout.place_text(flow, block.text, BODY_STYLE)
            flow.y -= 3 * mm
        elif isinstance(block, CodeBox):
            flow.skip(1 * mm)
            layout.place_code(flow, block.text)
            flow.y -= 5 * mm
        elif isinstance(block, Spacer):
            flow.skip(block.height_mm * mm)
        else:
            raise TypeError(f"unsupported block {block!r}")
    return flow.pages, footer_lines, footer_m


def _shaped_str(run: GlyphRun) -> ShapedStr:
    """Encode a run's glyphs in the form reportlab's text object draws with positioning.

    Each glyph becomes one character of the font subset plus a ShapeData record, from
    which reportlab writes a TJ array with HarfBuzz's offsets and advances.
    """
    face = run.font.ttf.face
    chars: list[str] = []
    data: list[ShapeData] = []
    for g in run.glyphs:
        code = glyph_char(run.font, g.gid)
        chars.append(chr(code))
        data.append(
            ShapeData(
                cluster=g.cluster,
                x_advance=g.x_advance,
                y_advance=0,
                x_offset=g.x_offset,
                y_offset=g.y_offset,
                width=face.getCharWidth(code),
            )
        )
    return ShapedStr("".join(chars), shapeData=data)


def _draw_line(canvas: Canvas, placed: _PlacedLine) -> None:
    x = placed.x
    canvas.setFillColor(GREY if placed.grey else black)
    for run in placed.line.runs:
        canvas.setFont(run.font.name, run.size)
        canvas.drawString(x, placed.baseline, _shaped_str(run))
        x += run.width


def render_pdf(
    *,
    title: str,
    language: str,
    blocks: Sequence[Block],
    footer: str | None = None,
) -> bytes:
    """Render an A4 handout and return the PDF bytes.

    The title heads the first page; every page ends with the optional footer text
    and a page number ("2 / 3").  Raises MissingFontError when a font needed for the
    text is not installed, ValueError for an unsupported language.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {sorted(LANGUAGES)}")
    layout = _Layout(language, FontResolver())
    pages, footer_lines, footer_m = _layout(title, blocks, footer, layout)

    buffer = io.BytesIO()
    # invariant=1 fixes the creation date and document id, so identical input gives
    # identical bytes (cacheable, diffable).
    # Start on one of our own fonts so reportlab does not reference (unembedded) Helvetica.
    first_font = next(
        (
            run.font.name
            for page in pages
            for item in page
            if isinstance(item, _PlacedLine)
            for run in item.line.runs
        ),
        None,
    )
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        lang=language,
        initialFontName=first_font,
    )
    canvas.setTitle(title)
    canvas.setAuthor("")
    canvas.setCreator("Consent Portal")
    canvas.setProducer("Consent Portal")
    canvas.setSubject("")

    total = len(pages)
    rtl = layout.rtl
    for number, items in enumerate(pages, start=1):
        for item in items:
            if isinstance(item, _PlacedLine):
                _draw_line(canvas, item)
            elif isinstance(item, _PlacedBox):
                canvas.setStrokeColor(black)
                canvas.setLineWidth(1.2)
                canvas.roundRect(item.x, item.y, item.width, item.height, radius=2 * mm)
            else:
                canvas.setStrokeColor(RULE_GREY)
                canvas.setLineWidth(0.5)
                canvas.line(item.x1, item.y, item.x2, item.y)
        _draw_footer(canvas, layout, footer_lines, footer_m, number, total, rtl)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_footer(
    canvas: Canvas,
    layout: _Layout,
    footer_lines: Sequence[Line],
    m: _Metrics,
    number: int,
    total: int,
    rtl: bool,
) -> None:
    top = MARGIN_BOTTOM + m.leading * max(len(footer_lines), 1)
    canvas.setStrokeColor(RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, top + 2 * mm, PAGE_WIDTH - MARGIN_X, top + 2 * mm)
    # The page number sits on the reading-end side, opposite the footer text.
    text_left = MARGIN_X + PAGE_NUMBER_WIDTH if rtl else MARGIN_X
    text_width = CONTENT_WIDTH - PAGE_NUMBER_WIDTH
    y = top
    for line in footer_lines:
        x = _line_x(line, rtl, left=text_left, width=text_width)
        _draw_line(canvas, _PlacedLine(line, x, y - m.baseline, grey=True))
        y -= m.leading
    # Digits and "/" would be reordered inside an RTL paragraph ("3 / 1"), so the page
    # number is laid out as its own left-to-right text.
    number_line = layout.lines(f"{number} / {total}", FOOTER_STYLE, rtl=False)[0]
    x = MARGIN_X if rtl else PAGE_WIDTH - MARGIN_X - number_line.width
    _draw_line(canvas, _PlacedLine(number_line, x, top - m.baseline, grey=True))
