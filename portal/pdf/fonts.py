"""Finding, registering and caching the TrueType fonts used by the PDF renderer.

Fonts come from the operating system (Debian packages) rather than being
vendored, so a missing package must produce an error that tells the operator
exactly what to install.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

NOTO_PACKAGE = "fonts-noto-core"
DEJAVU_PACKAGE = "fonts-dejavu-core"

# Where Debian (and fontconfig's usual per-user locations) put fonts.
DEFAULT_FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
)
FONT_DIRS_ENV = "PORTAL_FONT_DIRS"


class MissingFontError(RuntimeError):
    """A font needed for the requested text is not installed."""


@dataclass(frozen=True)
class FontFile:
    filename: str
    package: str


def _noto(name: str) -> FontFile:
    return FontFile(name, NOTO_PACKAGE)


def _dejavu(name: str) -> FontFile:
    return FontFile(name, DEJAVU_PACKAGE)


# A role is "what the text needs" (e.g. Bengali, bold); the tuple lists the files that
# can fill it, best first.  The first file found wins.
FONT_ROLES: dict[str, tuple[FontFile, ...]] = {
    "latin": (_noto("NotoSans-Regular.ttf"), _dejavu("DejaVuSans.ttf")),
    "latin-bold": (_noto("NotoSans-Bold.ttf"), _dejavu("DejaVuSans-Bold.ttf")),
    "naskh": (_noto("NotoNaskhArabic-Regular.ttf"), _noto("NotoSansArabic-Regular.ttf")),
    "naskh-bold": (_noto("NotoNaskhArabic-Bold.ttf"), _noto("NotoSansArabic-Bold.ttf")),
    # Nastaliq is the customary style for Urdu; Naskh is an acceptable fallback.
    "nastaliq": (
        _noto("NotoNastaliqUrdu-Regular.ttf"),
        _noto("NotoNaskhArabic-Regular.ttf"),
        _noto("NotoSansArabic-Regular.ttf"),
    ),
    "nastaliq-bold": (
        _noto("NotoNastaliqUrdu-Bold.ttf"),
        _noto("NotoNaskhArabic-Bold.ttf"),
        _noto("NotoSansArabic-Bold.ttf"),
    ),
    "bengali": (_noto("NotoSansBengali-Regular.ttf"), _noto("NotoSerifBengali-Regular.ttf")),
    "bengali-bold": (_noto("NotoSansBengali-Bold.ttf"), _noto("NotoSerifBengali-Bold.ttf")),
    "gurmukhi": (_noto("NotoSansGurmukhi-Regular.ttf"), _noto("NotoSerifGurmukhi-Regular.ttf")),
    "gurmukhi-bold": (_noto("NotoSansGurmukhi-Bold.ttf"), _noto("NotoSerifGurmukhi-Bold.ttf")),
    "mono": (
        _dejavu("DejaVuSansMono-Bold.ttf"),
        _dejavu("DejaVuSansMono.ttf"),
        FontFile("NotoSansMono-Bold.ttf", "fonts-noto-mono"),
    ),
    # Broad-coverage last resort for stray symbols; never required.
    "last-resort": (_dejavu("DejaVuSans.ttf"),),
    "last-resort-bold": (_dejavu("DejaVuSans-Bold.ttf"), _dejavu("DejaVuSans.ttf")),
}


@dataclass(frozen=True, eq=False)
class LoadedFont:
    """A font registered with reportlab plus a HarfBuzz handle on the same bytes."""

    name: str  # reportlab's registered font name
    path: str
    ttf: TTFont
    hb_font: hb.Font

    @property
    def ascent(self) -> float:
        """Typographic ascent in 1/1000 em."""
        return float(self.ttf.face.ascent)

    @property
    def descent(self) -> float:
        """Typographic descent in 1/1000 em (negative)."""
        return float(self.ttf.face.descent)

    def has_char(self, codepoint: int) -> bool:
        # Ask HarfBuzz rather than reportlab's charToGlyph: the latter also holds the
        # private-use code points we add for unencoded glyphs (see glyph_char).
        return self.hb_font.get_nominal_glyph(codepoint) is not None

    def to_1000(self, value: float) -> float:
        """Convert font design units to 1/1000 em, the unit reportlab works in."""
        return value * 1000.0 / float(self.ttf.face.unitsPerEm)


# Process-wide caches.  reportlab's font registry is global, so registering the same
# file twice is both wasteful and unnecessary; the lock keeps concurrent requests
# (threaded WSGI workers) from racing on registration or on glyph_char's mutation.
_LOCK = threading.RLock()
_LOADED: dict[str, LoadedFont] = {}


def _load(path: Path) -> LoadedFont:
    real = os.path.realpath(path)
    with _LOCK:
        font = _LOADED.get(real)
        if font is None:
            # Derive the name from the path so two different files that share a name
            # (e.g. via PORTAL_FONT_DIRS) never collide in reportlab's registry.
            digest = hashlib.sha1(real.encode(), usedforsecurity=False).hexdigest()[:8]
            name = f"Portal-{path.stem}-{digest}"
            ttf = TTFont(name, real)
            pdfmetrics.registerFont(ttf)
            # ttf.hbFont parses the bytes reportlab already holds; no second file read.
            font = LoadedFont(name=name, path=real, ttf=ttf, hb_font=ttf.hbFont(12))
            _LOADED[real] = font
        return font


def glyph_char(font: LoadedFont, gid: int) -> int:
    """Return a code point that reportlab will encode as glyph ``gid`` of ``font``.

    reportlab subsets fonts by Unicode character, but shaping yields glyphs
    (ligatures, conjuncts, contextual forms) that often have no character.  Such
    glyphs get a private-use code point.  It is derived from the glyph id rather
    than allocated first-come-first-served so that a document's bytes do not depend
    on what else the process rendered earlier (useful for caching).
    """
    face = font.ttf.face
    chars = face.glyphToChar.get(gid)
    if chars:
        return int(chars[0])
    with _LOCK:
        chars = face.glyphToChar.get(gid)
        if chars:
            return int(chars[0])
        code = 0xE000 + gid
        while code in face.charToGlyph:
            code += 1
        if code > 0xF8FF:
            raise RuntimeError(f"no private-use code point left for glyph {gid} of {font.path}")
        face.charToGlyph[code] = gid
        face.glyphToChar.setdefault(gid, []).append(code)
        advance = face.hmetrics[gid][0] if gid < len(face.hmetrics) else 0
        face.charWidths[code] = font.to_1000(advance)
        return code


_ZERO_WIDTH: dict[str, int | None] = {}


def zero_width_glyph(font: LoadedFont) -> int | None:
    """A glyph of ``font`` that draws nothing and does not advance, if it has one.

    The renderer draws it to mark a position for text extraction (see render.py).
    """
    with _LOCK:
        if font.path not in _ZERO_WIDTH:
            found = None
            # ZERO WIDTH SPACE, then the joiners: empty and zero-width in Noto/DejaVu.
            for cp in (0x200B, 0x200D, 0x200C):
                gid = font.hb_font.get_nominal_glyph(cp)
                if gid is None or font.hb_font.get_glyph_h_advance(gid) != 0:
                    continue
                extents = font.hb_font.get_glyph_extents(gid)
                if extents is None or (extents.width == 0 and extents.height == 0):
                    found = gid
                    break
            _ZERO_WIDTH[font.path] = found
        return _ZERO_WIDTH[font.path]


def font_dirs() -> list[Path]:
    """Directories to search: $PORTAL_FONT_DIRS (colon-separated) replaces the defaults."""
    override = os.environ.get(FONT_DIRS_ENV)
    raw: Iterable[str] = (
        [d for d in override.split(":") if d.strip()] if override else DEFAULT_FONT_DIRS
    )
    return [Path(d).expanduser() for d in raw]


class FontResolver:
    """Finds fonts for one render.

    The directory index is built lazily and kept only for this render, so fonts
    installed while the app is running are picked up by the next document.
    """

    def __init__(self, dirs: Sequence[Path] | None = None) -> None:
        self._dirs = list(dirs) if dirs is not None else font_dirs()
        self._index: dict[str, Path] | None = None
        self._roles: dict[str, LoadedFont | None] = {}

    def _find_file(self, filename: str) -> Path | None:
        if self._index is None:
            index: dict[str, Path] = {}
            for d in self._dirs:
                if not d.is_dir():
                    continue
                for root, _dirs, files in sorted(os.walk(d)):
                    for f in sorted(files):
                        index.setdefault(f, Path(root) / f)
            self._index = index
        return self._index.get(filename)

    def optional(self, role: str) -> LoadedFont | None:
        if role not in self._roles:
            found = None
            for candidate in FONT_ROLES[role]:
                path = self._find_file(candidate.filename)
                if path is not None:
                    found = _load(path)
                    break
            self._roles[role] = found
        return self._roles[role]

    def require(self, role: str) -> LoadedFont:
        font = self.optional(role)
        if font is None:
            candidates = FONT_ROLES[role]
            files = ", ".join(f"{c.filename} ({c.package})" for c in candidates)
            packages = list(dict.fromkeys(c.package for c in candidates))
            where = ":".join(str(d) for d in self._dirs) or "(no directories)"
            raise MissingFontError(
                f"No font installed for {_ROLE_LABELS.get(role, role)} text: none of {files} "
                f"was found under {where}. Install the Debian package "
                f"{' or '.join(packages)} (apt-get install {packages[0]}), or set "
                f"{FONT_DIRS_ENV} to a directory containing one of these files."
            )
        return font


_ROLE_LABELS = {
    "latin": "Latin/Cyrillic",
    "latin-bold": "bold Latin/Cyrillic",
    "naskh": "Arabic",
    "naskh-bold": "bold Arabic",
    "nastaliq": "Urdu",
    "nastaliq-bold": "bold Urdu",
    "bengali": "Bengali",
    "bengali-bold": "bold Bengali",
    "gurmukhi": "Punjabi (Gurmukhi)",
    "gurmukhi-bold": "bold Punjabi (Gurmukhi)",
    "mono": "monospaced (code)",
}
