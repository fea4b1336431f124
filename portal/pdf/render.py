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
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .blocks import Block, CodeBox, Heading, Paragraph, Spacer
from .fonts import FontResolver, glyph_char, zero_width_glyph
from .text import Glyph, GlyphRun, Line, TextStyle, layout_paragraph

LANGUAGES: frozenset[str] = frozenset({"en", "cy", "pl", "ro", "uk", "so", "ar", "ur", "bn", "pa"})
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "ur"})

PAGE_WIDTH, PAGE_HEIGHT = float(A4[0]), float(A4[1])
MM = float(mm)
MARGIN_X = 20 * MM
MARGIN_TOP = 20 * MM
MARGIN_BOTTOM = 14 * MM
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

TITLE_STYLE = TextStyle(size=18, bold=True)
HEADING_STYLE = TextStyle(size=14, bold=True)
BODY_STYLE = TextStyle(size=11)
FOOTER_STYLE = TextStyle(size=8.5)
CODE_STYLE = TextStyle(size=22, mono=True)
CODE_MIN_SIZE = 11.0
CODE_PADDING = 4 * MM
PAGE_NUMBER_WIDTH = 22 * MM  # reserved beside the footer text

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


@dataclass(frozen=True)
class _Text:
    """A heading or paragraph, already shaped and wrapped."""

    lines: list[Line]
    metrics: _Metrics
    heading: bool

    @property
    def min_start(self) -> float:
        # Never leave a lone first line at the foot of a page.
        return self.metrics.leading * min(len(self.lines), 2)


@dataclass(frozen=True)
class _Code:
    lines: list[Line]
    metrics: _Metrics
    width: float
    height: float

    @property
    def min_start(self) -> float:
        return self.height  # a code box is never split


_Prepared = _Text | _Code | Spacer


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

    def text(self, text: str, style: TextStyle, heading: bool = False) -> _Text:
        lines = self.lines(text, style)
        return _Text(lines, _metrics(lines, style), heading)

    def code(self, code: str) -> _Code:
        inner = CONTENT_WIDTH - 2 * CODE_PADDING
        style = CODE_STYLE
        natural = max(
            (ln.width for ln in self.lines(code, style, width=float("inf"), rtl=False)),
            default=0.0,
        )
        if natural > inner:
            # Shrink rather than wrap: a code split over two lines gets mistyped.
            # (The 0.99 absorbs float rounding so the code is not wrapped after all.)
            style = TextStyle(max(CODE_MIN_SIZE, 0.99 * style.size * inner / natural), mono=True)
        lines = self.lines(code, style, width=inner, rtl=False)
        m = _metrics(lines, style)
        return _Code(
            lines,
            m,
            width=max(ln.width for ln in lines) + 2 * CODE_PADDING,
            height=m.leading * len(lines) + 2 * CODE_PADDING,
        )

    def prepare(self, block: Block) -> _Prepared:
        if isinstance(block, Heading):
            return self.text(block.text, HEADING_STYLE, heading=True)
        if isinstance(block, Paragraph):
            return self.text(block.text, BODY_STYLE)
        if isinstance(block, CodeBox):
            return self.code(block.text)
        if isinstance(block, Spacer):
            return block
        raise TypeError(f"unsupported block {block!r}")

    def place_text(self, flow: _Flow, text: _Text, keep_with_next: float = 0.0) -> None:
        flow.ensure(text.min_start + keep_with_next)
        m = text.metrics
        for line in text.lines:
            flow.ensure(m.leading)
            flow.add(_PlacedLine(line, _line_x(line, self.rtl), flow.y - m.baseline))
            flow.y -= m.leading

    def place_code(self, flow: _Flow, code: _Code) -> None:
        flow.ensure(code.height)
        # The box sits on the reading-start side; the code inside is always LTR.
        box_x = PAGE_WIDTH - MARGIN_X - code.width if self.rtl else MARGIN_X
        flow.add(_PlacedBox(box_x, flow.y - code.height, code.width, code.height))
        y = flow.y - CODE_PADDING
        for line in code.lines:
            flow.add(_PlacedLine(line, box_x + CODE_PADDING, y - code.metrics.baseline))
            y -= code.metrics.leading
        flow.y -= code.height


HEADING_BEFORE, HEADING_AFTER = 4 * MM, 1.5 * MM
PARAGRAPH_AFTER = 3 * MM
CODE_BEFORE, CODE_AFTER = 1 * MM, 5 * MM


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
    flow = _Flow(bottom=MARGIN_BOTTOM + footer_h + 6 * MM)

    layout.place_text(flow, layout.text(title, TITLE_STYLE, heading=True))
    flow.y -= 2 * MM
    flow.add(_PlacedRule(MARGIN_X, PAGE_WIDTH - MARGIN_X, flow.y))
    flow.y -= 6 * MM

    prepared = [layout.prepare(block) for block in blocks]
    for i, item in enumerate(prepared):
        following = prepared[i + 1] if i + 1 < len(prepared) else None
        if isinstance(item, _Text) and item.heading:
            flow.skip(HEADING_BEFORE)
            # Keep a heading on the same page as the start of what it introduces.
            keep = 0.0
            if isinstance(following, _Text | _Code):
                keep = HEADING_AFTER + following.min_start
            layout.place_text(flow, item, keep_with_next=keep)
            flow.y -= HEADING_AFTER
        elif isinstance(item, _Text):
            layout.place_text(flow, item)
            flow.y -= PARAGRAPH_AFTER
        elif isinstance(item, _Code):
            flow.skip(CODE_BEFORE)
            layout.place_code(flow, item)
            flow.y -= CODE_AFTER
        else:
            flow.skip(item.height_mm * MM)
    return flow.pages, footer_lines, footer_m


# --- drawing, and what text extraction gets back ----------------------------------
#
# A text extractor (pdftotext, a viewer's copy and paste, a screen reader) reads each
# glyph's characters from the font's ToUnicode map.  For shaped text that is wrong:
# a conjunct or ligature has a private-use code, an Arabic letter a presentation
# form, a Bengali vowel sign comes before its consonant, Nastaliq dots are glyphs of
# their own.  So every cluster whose glyphs do not map back to its text is wrapped in
# a marked-content span whose /ActualText is that text:
#
#     /Span <</ActualText <FEFF...>>> BDC [...] TJ EMC
#
# An extractor puts the replacement text where the span's glyphs are: from the pen
# position of its first glyph to the end of its last.  Two things follow.
#
# * The ends of a span must be on the baseline, at the cluster's edges.  A span
#   that starts with a mark shifted sideways, or with a Nastaliq letter raised up
#   the cascade, would be read as a separate word or a separate line.  Such a span
#   is bracketed with an empty, zero-width glyph ("anchor") drawn at the cluster's
#   edge on the baseline; it changes nothing on the page.
# * Within one span, poppler lays several characters out left to right, as it (and
#   pdf.js, PyMuPDF, pdfminer, pypdf) does for a ligature glyph mapped to several
#   characters, and then reorders right-to-left text as if it were in visual order.
#   So a right-to-left cluster of several characters (a letter with shadda, the
#   Allah ligature) carries its text reversed, and each right-to-left cluster is a
#   span of its own, which the extractor then orders like any other Arabic glyph.


@dataclass(frozen=True)
class _Piece:
    glyphs: tuple[Glyph, ...]
    actual_text: str | None  # None: the font's ToUnicode map already gives the text


def _pieces(run: GlyphRun) -> list[_Piece]:
    """Cut a run, in drawing order, into spans that need /ActualText and runs of
    glyphs that extract correctly as they are.

    A cluster whose only glyph maps to exactly the character it was shaped from (most
    Latin and Cyrillic text) needs nothing.  In a left-to-right run neighbouring
    clusters that need replacing share one span, as visual order is logical order.
    """
    pieces: list[_Piece] = []
    for glyphs, text in run.clusters():
        actual: str | None = text
        if len(glyphs) == 1 and len(text) == 1 and glyph_char(run.font, glyphs[0].gid) == ord(text):
            actual = None
        elif run.rtl:
            actual = text[::-1]  # see the note above
        last = pieces[-1] if pieces else None
        if last is not None and (
            (actual is None and last.actual_text is None)
            or (actual is not None and last.actual_text is not None and not run.rtl)
        ):
            joined = None if actual is None else f"{last.actual_text}{actual}"
            pieces[-1] = _Piece(last.glyphs + glyphs, joined)
        else:
            pieces.append(_Piece(glyphs, actual))
    return pieces


def _anchored(run: GlyphRun, glyphs: tuple[Glyph, ...]) -> tuple[Glyph, ...]:
    """Bracket ``glyphs`` with zero-width anchors where an end is off the baseline
    or off the cluster's edge (see the note above)."""
    anchor = zero_width_glyph(run.font)
    if anchor is None or not glyphs:
        return glyphs
    first, last = glyphs[0], glyphs[-1]
    width = run.font.ttf.face.getCharWidth(glyph_char(run.font, last.gid))
    blank = Glyph(gid=anchor, cluster=first.cluster, x_advance=0, x_offset=0, y_offset=0)
    before = (blank,) if first.x_offset or first.y_offset else ()
    after = (
        (blank,) if last.x_offset or last.y_offset or abs(width - last.x_advance) > 0.5 else ()
    )
    return before + glyphs + after


@dataclass
class _TextState:
    """The PDF text state while one text object is written."""

    ops: list[str]
    subset: int = -1
    rise: float = 0.0


def _show_glyphs(canvas: Canvas, run: GlyphRun, glyphs: Sequence[Glyph], state: _TextState) -> None:
    """Append the text-showing operators for ``glyphs`` to ``state.ops``.

    Each glyph is shown at HarfBuzz's offset and then the text position is moved on
    by exactly HarfBuzz's advance (not the font's own width), so a run drawn in
    several pieces lands exactly where it would have landed in one.  Vertical
    offsets (Nastaliq's cascading baseline, stacked marks) are made with text rise.
    """
    font = run.font.ttf
    doc = canvas._doc
    codes = [glyph_char(run.font, g.gid) for g in glyphs]
    # splitString also adds the characters to the subset that will be embedded.
    chunks = font.splitString("".join(map(chr, codes)), doc)
    items: list[str] = []
    shown = bytearray()  # glyphs not yet written, shown without adjustment between
    adjust = 0.0  # pending TJ adjustment, 1/1000 em; positive moves left

    def add_adjust() -> None:
        nonlocal adjust
        if adjust:
            if shown:
                items.append(f"<{shown.hex().upper()}>")
                shown.clear()
            items.append(fp_str(adjust))
        adjust = 0.0

    def flush() -> None:
        add_adjust()
        if shown:
            items.append(f"<{shown.hex().upper()}>")
            shown.clear()
        if items:
            state.ops.append(f"[{' '.join(items)}] TJ")
            items.clear()

    i = 0
    for subset, encoded in chunks:
        if subset != state.subset:
            flush()
            state.ops.append(f"{font.getSubsetInternalName(subset, doc)} {fp_str(run.size)} Tf")
            state.subset = subset
        for byte in encoded:
            glyph, code = glyphs[i], codes[i]
            i += 1
            rise = run.size * glyph.y_offset / 1000.0
            if rise != state.rise:
                flush()  # text rise cannot change inside a TJ array
                state.ops.append(f"{fp_str(rise)} Ts")
                state.rise = rise
            adjust -= glyph.x_offset
            add_adjust()
            shown.append(byte)
            # Shown with the font's width W, the glyph must advance A in total, of
            # which its offset O has already been moved: W - A + O is left to undo.
            adjust = font.face.getCharWidth(code) - glyph.x_advance + glyph.x_offset
    flush()


def _pdf_text_string(text: str) -> str:
    """A PDF text string as a hex literal: UTF-16BE with a byte order mark."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _draw_run(canvas: Canvas, run: GlyphRun, x: float, y: float) -> None:
    state = _TextState(ops=["BT", f"1 0 0 1 {fp_str(x, y)} Tm"])
    for piece in _pieces(run):
        if piece.actual_text is None:
            _show_glyphs(canvas, run, piece.glyphs, state)
            continue
        # reportlab has no API for marked content; BDC/EMC may sit between the
        # text-showing operators of one text object.
        state.ops.append(f"/Span <</ActualText {_pdf_text_string(piece.actual_text)}>> BDC")
        _show_glyphs(canvas, run, _anchored(run, piece.glyphs), state)
        state.ops.append("EMC")
    if state.rise:
        state.ops.append("0 Ts")  # text rise outlives ET; leave none behind
    state.ops.append("ET")
    canvas.addLiteral(" ".join(state.ops))


def _draw_line(canvas: Canvas, placed: _PlacedLine) -> None:
    x = placed.x
    canvas.setFillColor(GREY if placed.grey else black)
    for run in placed.line.runs:
        _draw_run(canvas, run, x, placed.baseline)
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
    buffer = io.BytesIO()
    # invariant=1 fixes the creation date and document id, so identical input gives
    # identical bytes (cacheable, diffable).
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        lang=language,
        initialFontName=first_font,
    )
    # A handout may be found by someone other than its reader, so the metadata says
    # no more than the visible title: no author, and no creator/producer naming the
    # service or the software (reportlab would otherwise fill those in).
    canvas.setTitle(title)
    canvas.setAuthor("")
    canvas.setCreator("")
    canvas.setProducer("")
    canvas.setSubject("")

    total = len(pages)
    for number, items in enumerate(pages, start=1):
        for item in items:
            if isinstance(item, _PlacedLine):
                _draw_line(canvas, item)
            elif isinstance(item, _PlacedBox):
                canvas.setStrokeColor(black)
                canvas.setLineWidth(1.2)
                canvas.roundRect(item.x, item.y, item.width, item.height, radius=2 * MM)
            else:
                canvas.setStrokeColor(RULE_GREY)
                canvas.setLineWidth(0.5)
                canvas.line(item.x1, item.y, item.x2, item.y)
        _draw_footer(canvas, layout, footer_lines, footer_m, number, total)
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
) -> None:
    rtl = layout.rtl
    top = MARGIN_BOTTOM + m.leading * max(len(footer_lines), 1)
    canvas.setStrokeColor(RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, top + 2 * MM, PAGE_WIDTH - MARGIN_X, top + 2 * MM)
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
