"""Turning a paragraph of Unicode text into shaped, wrapped, visually ordered lines.

Pipeline for one paragraph:

1. resolve bidi embedding levels for the whole paragraph (python-bidi),
2. pick a font per character from its script (plus per-glyph fallback),
3. cut the text into runs of equal (level, font) and shape each run with HarfBuzz,
   passing the whole paragraph as context so joining across a font change still works,
4. break lines greedily at spaces using the shaped advances,
5. per line, reorder runs into visual order (UAX #9 rule L2 at run granularity).

Runs are the unit of reordering because HarfBuzz already returns each run's glyphs
in visual order for its direction; only the order of the runs is left to decide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import uharfbuzz as hb
from bidi import algorithm as _bidi

from .fonts import FontResolver, LoadedFont

# --- scripts ----------------------------------------------------------------------

# Only the scripts that need a dedicated font are told apart; everything else with a
# letter of its own (Latin, Cyrillic, Greek, ...) is "latin" and goes to the body font.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0870, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
)
_HB_SCRIPT = {"arabic": "Arab", "bengali": "Beng", "gurmukhi": "Guru"}
_LANGUAGE_SCRIPT = {"ar": "arabic", "ur": "arabic", "bn": "bengali", "pa": "gurmukhi"}


def char_script(ch: str) -> str | None:
    """The script of ``ch``, or None for characters shared between scripts.

    Shared characters (spaces, punctuation, digits, combining marks, ZWJ/ZWNJ)
    take the script of the text around them, so "নাম: ১২৩" stays in one font.
    """
    cp = ord(ch)
    for lo, hi, script in _SCRIPT_RANGES:
        if lo <= cp <= hi:
            return script
    if unicodedata.category(ch)[0] == "L":
        return "latin"
    return None


def resolve_scripts(text: str) -> list[str]:
    scripts = [char_script(c) for c in text]
    first = next((s for s in scripts if s is not None), "latin")
    current = first
    out: list[str] = []
    for s in scripts:
        if s is not None:
            current = s
        out.append(current)
    return out


# --- bidi -------------------------------------------------------------------------


def bidi_levels(text: str, rtl: bool) -> list[int]:
    """Embedding levels per character, with the paragraph direction forced.

    The direction comes from the document language, not from the first strong
    character, so an Arabic paragraph that starts with an email address is still laid
    out right-to-left.  python-bidi's pure-Python algorithm is used because it exposes
    levels (the Rust one only returns reordered strings); it predates isolates and
    bracket pairing, which plain prose does not need.
    """
    if not text:
        return []
    storage = _bidi.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    _bidi.get_embedding_levels(text, storage)
    chars = list(storage["chars"])  # one dict per character, before X9 drops some
    _bidi.explicit_embed_and_overrides(storage)
    _bidi.resolve_weak_types(storage)
    _bidi.resolve_neutral_types(storage, False)
    _bidi.resolve_implicit_levels(storage, False)
    # Rule X9 drops ZWJ/ZWNJ, soft hyphens and embedding controls from the algorithm,
    # but they are still part of the text we shape (ZWNJ matters in Urdu and Bengali).
    # Give each the level of the character before it, as UAX #9 section 5.2 suggests.
    kept = {id(c) for c in storage["chars"]}
    levels: list[int] = []
    for c in chars:
        if id(c) in kept:
            levels.append(int(c["level"]))
        else:
            levels.append(levels[-1] if levels else int(storage["base_level"]))
    return levels


def visual_order(levels: Sequence[int]) -> list[int]:
    """Indices of items in visual order, by UAX #9 rule L2."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else None
    if lowest_odd is None:
        return order
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


# --- shaping ----------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    gid: int
    cluster: int  # index of the first character this glyph belongs to
    x_advance: float  # 1/1000 em
    x_offset: float
    y_offset: float


@dataclass(frozen=True)
class GlyphRun:
    """Glyphs of one font, one direction, in visual (left-to-right) order."""

    font: LoadedFont
    size: float
    rtl: bool
    glyphs: tuple[Glyph, ...]
    # The logical text the glyphs were shaped from; ``Glyph.cluster`` counts from the
    # start of the paragraph, ``start`` is where ``text`` begins in it.
    text: str = ""
    start: int = 0

    @property
    def width(self) -> float:
        return sum(g.x_advance for g in self.glyphs) * self.size / 1000.0

    def clusters(self) -> list[tuple[tuple[Glyph, ...], str]]:
        """The run cut into clusters, in visual order, each with its logical text.

        A cluster is the smallest unit that maps glyphs back to characters: a
        conjunct or ligature is one glyph for several characters, a Bengali vowel
        sign drawn before its consonant is several glyphs for one syllable.
        HarfBuzz keeps each cluster's glyphs together, in visual order.
        """
        groups: list[list[Glyph]] = []
        for g in self.glyphs:
            if groups and groups[-1][0].cluster == g.cluster:
                groups[-1].append(g)
            else:
                groups.append([g])
        starts = sorted({g.cluster for g in self.glyphs})
        end = self.start + len(self.text)
        # Each cluster owns the characters up to the next cluster's first one; any
        # characters before the first cluster (there should be none) go to it.
        bounds = {
            c: (self.start if i == 0 else c, starts[i + 1] if i + 1 < len(starts) else end)
            for i, c in enumerate(starts)
        }
        out: list[tuple[tuple[Glyph, ...], str]] = []
        for group in groups:
            # A cluster split into non-adjacent groups (HarfBuzz never does this at
            # its default cluster level) gives its text to the first group only.
            span = bounds.pop(group[0].cluster, None)
            text = "" if span is None else self.text[span[0] - self.start : span[1] - self.start]
            out.append((tuple(group), text))
        return out


@dataclass(frozen=True)
class Line:
    runs: tuple[GlyphRun, ...]  # visual order, left to right
    text: str  # logical text of the line, for tests and debugging

    @property
    def width(self) -> float:
        return sum(r.width for r in self.runs)


@dataclass(frozen=True)
class _Run:
    start: int
    end: int
    level: int
    font: LoadedFont
    script: str
    glyphs: tuple[Glyph, ...]


def shape(
    font: LoadedFont,
    codepoints: Sequence[int],
    start: int,
    end: int,
    *,
    rtl: bool,
    script: str | None,
    language: str,
) -> tuple[Glyph, ...]:
    buf = hb.Buffer()
    buf.add_codepoints(list(codepoints), start, end - start)
    buf.direction = "rtl" if rtl else "ltr"
    if script in _HB_SCRIPT:
        buf.script = _HB_SCRIPT[script]
    buf.language = language
    buf.guess_segment_properties()
    hb.shape(font.hb_font, buf)
    return tuple(
        Glyph(
            gid=info.codepoint,
            cluster=info.cluster,
            x_advance=font.to_1000(pos.x_advance),
            x_offset=font.to_1000(pos.x_offset),
            y_offset=font.to_1000(pos.y_offset),
        )
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    )


@dataclass(frozen=True)
class TextStyle:
    size: float
    bold: bool = False
    mono: bool = False


def _font_role(script: str, language: str, style: TextStyle) -> str:
    if style.mono:
        return "mono"
    role = {
        "arabic": "nastaliq" if language == "ur" else "naskh",
        "bengali": "bengali",
        "gurmukhi": "gurmukhi",
    }.get(script, "latin")
    return f"{role}-bold" if style.bold else role


def _pick_fonts(
    text: str, scripts: Sequence[str], language: str, style: TextStyle, fonts: FontResolver
) -> list[LoadedFont]:
    """One font per character: the script's font if it has the glyph, else a fallback.

    Script fonts such as Noto Naskh Arabic have no Latin letters and no "@", so an
    email address inside Arabic text has to come from the body font.
    """
    suffix = "-bold" if style.bold and not style.mono else ""
    # Fallbacks, in order: the document language's own font (a Bengali danda after a
    # Latin code belongs there), the body font, then a broad-coverage font.
    fallbacks: tuple[Callable[[], LoadedFont | None], ...] = (
        lambda: fonts.require(_font_role(_LANGUAGE_SCRIPT.get(language, "latin"), language, style)),
        lambda: fonts.require("latin" + suffix),
        lambda: fonts.optional("last-resort" + suffix),
    )
    out: list[LoadedFont] = []
    for ch, script in zip(text, scripts, strict=True):
        primary = fonts.require(_font_role(script, language, style))
        chosen = primary
        if not primary.has_char(ord(ch)) and not _is_default_ignorable(ch):
            for fallback in fallbacks:
                candidate = fallback()
                if candidate is not None and candidate.has_char(ord(ch)):
                    chosen = candidate
                    break
        out.append(chosen)
    return out


def _is_default_ignorable(ch: str) -> bool:
    # ZWJ/ZWNJ and friends steer shaping; they must stay in the run they affect even
    # when the font has no glyph for them (HarfBuzz hides them anyway).
    return unicodedata.category(ch) == "Cf"


_WS = re.compile(r"[ \t\r\f\v]+")


def normalise_space(text: str) -> str:
    return _WS.sub(" ", text).strip(" ")


def layout_paragraph(
    text: str,
    *,
    language: str,
    rtl: bool,
    style: TextStyle,
    max_width: float,
    fonts: FontResolver,
) -> list[Line]:
    """Shape ``text`` and wrap it into lines no wider than ``max_width`` points.

    Newlines in ``text`` are hard line breaks.  A word wider than the line is cut
    between grapheme clusters rather than overflowing the margin.
    """
    lines: list[Line] = []
    for part in text.split("\n"):
        lines.extend(_layout_one(normalise_space(part), language, rtl, style, max_width, fonts))
    return lines


def _layout_one(
    text: str,
    language: str,
    rtl: bool,
    style: TextStyle,
    max_width: float,
    fonts: FontResolver,
) -> list[Line]:
    if not text:
        return [Line(runs=(), text="")]
    codepoints = [ord(c) for c in text]
    levels = bidi_levels(text, rtl)
    scripts = resolve_scripts(text)
    char_fonts = _pick_fonts(text, scripts, language, style, fonts)

    runs: list[_Run] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or levels[i] != levels[start] or char_fonts[i] is not char_fonts[start]:
            glyphs = shape(
                char_fonts[start],
                codepoints,
                start,
                i,
                rtl=bool(levels[start] % 2),
                script=scripts[start],
                language=language,
            )
            runs.append(_Run(start, i, levels[start], char_fonts[start], scripts[start], glyphs))
            start = i

    # Width of each character in points; a multi-character cluster (conjunct,
    # ligature) carries its whole width on its first character.
    advance = [0.0] * len(text)
    cluster_starts: set[int] = set()
    for run in runs:
        for g in run.glyphs:
            advance[g.cluster] += g.x_advance * style.size / 1000.0
            cluster_starts.add(g.cluster)

    def width(a: int, b: int) -> float:
        return sum(advance[a:b])

    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"[^ ]+", text):
        a, b = m.span()
        if spans and width(spans[-1][0], b) <= max_width:
            spans[-1] = (spans[-1][0], b)  # the word fits on the current line
        elif width(a, b) <= max_width:
            spans.append((a, b))
        else:
            starts = sorted(c for c in cluster_starts if a < c < b)
            spans.extend(_split_word(a, b, starts, width, max_width))

    return [_make_line(text, runs, a, b, style.size) for a, b in spans]


def _split_word(
    a: int, b: int, starts: Sequence[int], width: Callable[[int, int], float], max_width: float
) -> list[tuple[int, int]]:
    """Cut a word wider than the line (a long URL, say) between grapheme clusters."""
    pieces: list[tuple[int, int]] = []
    piece_start = prev = a
    for bound in [*starts, b]:
        if width(piece_start, bound) > max_width and prev > piece_start:
            pieces.append((piece_start, prev))
            piece_start = prev
        prev = bound
    pieces.append((piece_start, b))
    return pieces


def _make_line(text: str, runs: Sequence[_Run], a: int, b: int, size: float) -> Line:
    pieces: list[tuple[int, GlyphRun]] = []
    for run in runs:
        if run.end <= a or run.start >= b:
            continue
        glyphs = tuple(g for g in run.glyphs if a <= g.cluster < b)
        if glyphs:
            lo, hi = max(a, run.start), min(b, run.end)
            glyph_run = GlyphRun(run.font, size, bool(run.level % 2), glyphs, text[lo:hi], lo)
            pieces.append((run.level, glyph_run))
    order = visual_order([lv for lv, _ in pieces])
    return Line(runs=tuple(pieces[i][1] for i in order), text=text[a:b])
