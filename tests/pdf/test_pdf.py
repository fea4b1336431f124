"""Tests for portal.pdf: the printable-handout renderer.

Most checks read the rendered PDF back with pypdf (what fonts are embedded, where text
is drawn, which glyphs were used), so they test what a reader of the printout sees.
Tests that need Noto fonts are skipped, with a reason, where fonts-noto-core is absent.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from portal.pdf import (
    LANGUAGES,
    CodeBox,
    Heading,
    MissingFontError,
    Paragraph,
    Spacer,
    render_pdf,
)
from portal.pdf.fonts import FontResolver
from portal.pdf.render import CONTENT_WIDTH, MARGIN_X, PAGE_WIDTH
from portal.pdf.text import TextStyle, layout_paragraph

NOTO_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoNaskhArabic-Regular.ttf",
    "NotoNaskhArabic-Bold.ttf",
    "NotoNastaliqUrdu-Regular.ttf",
    "NotoNastaliqUrdu-Bold.ttf",
    "NotoSansBengali-Regular.ttf",
    "NotoSansBengali-Bold.ttf",
    "NotoSansGurmukhi-Regular.ttf",
    "NotoSansGurmukhi-Bold.ttf",
)
DEJAVU_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf")


def _find(filename: str) -> Path | None:
    return FontResolver()._find_file(filename)


HAVE_NOTO = all(_find(f) for f in NOTO_FILES)
HAVE_DEJAVU = all(_find(f) for f in DEJAVU_FILES)

needs_noto = pytest.mark.skipif(not HAVE_NOTO, reason="fonts-noto-core is not installed")
# Latin text falls back to DejaVu Sans, and code boxes are set in DejaVu Sans Mono, so
# every test that renders a document needs DejaVu.
needs_dejavu = pytest.mark.skipif(not HAVE_DEJAVU, reason="fonts-dejavu-core is not installed")

CODE = "K7M3-9QXP-2HDW"
EMAIL = "help@example.org.uk"
NON_LATIN = {"ar", "ur", "bn", "pa"}

SAMPLES: dict[str, tuple[str, str]] = {
    "en": ("Activate your account", "Use the code below to activate your account."),
    "cy": ("Actifadu eich cyfrif", "Defnyddiwch y cod isod. Mae’r côd yn ddilys am ŵythnos."),
    "pl": ("Aktywuj swoje konto", "Użyj poniższego kodu, aby aktywować konto."),
    "ro": ("Activați-vă contul", "Folosiți codul de mai jos pentru a vă activa contul."),
    "uk": ("Активуйте обліковий запис", "Використайте код нижче, щоб активувати запис."),
    "so": ("Hawlgal xisaabtaada", "Isticmaal koodhka hoose si aad u hawlgeliso xisaabtaada."),
    "ar": ("فعّل حسابك", f"استخدم الرمز أدناه لتفعيل حسابك. راسلنا على {EMAIL} للمساعدة."),
    "ur": ("اپنا اکاؤنٹ فعال کریں", f"نیچے دیا گیا کوڈ استعمال کریں۔ ہمیں {EMAIL} پر ای میل کریں۔"),
    "bn": ("আপনার অ্যাকাউন্ট সক্রিয় করুন", f"নীচের কোডটি ব্যবহার করুন। ক্ষমা, প্রশ্ন। {EMAIL}"),
    "pa": ("ਆਪਣਾ ਖਾਤਾ ਸਰਗਰਮ ਕਰੋ", f"ਹੇਠਾਂ ਦਿੱਤਾ ਕੋਡ ਵਰਤੋ। ਕ੍ਰਿਪਾ ਕਰਕੇ {EMAIL} ਤੇ ਲਿਖੋ।"),
}
# The font family a reader of each language must see for the body text.
EXPECTED_FONT = {
    "ar": "NotoNaskhArabic",
    "ur": "NotoNastaliqUrdu",
    "bn": "NotoSansBengali",
    "pa": "NotoSansGurmukhi",
}


def _lang_param(lang: str) -> object:
    marks = [needs_dejavu, needs_noto] if lang in NON_LATIN else [needs_dejavu]
    return pytest.param(lang, marks=marks, id=lang)


ALL_LANGS = [_lang_param(lang) for lang in sorted(LANGUAGES)]


def _letter(lang: str, *, footer: str | None = "Consent Portal") -> bytes:
    title, text = SAMPLES[lang]
    return render_pdf(
        title=title,
        language=lang,
        blocks=[Heading(title), Paragraph(text), Spacer(), CodeBox(CODE)],
        footer=footer,
    )


@dataclass(frozen=True)
class Drawn:
    x: float
    y: float
    font: str  # BaseFont without the subset prefix, e.g. "NotoSans-Regular"
    text: str


def _drawn(pdf: bytes, page: int = 0) -> list[Drawn]:
    """Every piece of text drawn on a page, with its start position and font."""
    out: list[Drawn] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        if text.strip() and font is not None:
            base = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            out.append(
                Drawn(x=tm[4] * cm[0] + cm[4], y=tm[5] * cm[3] + cm[5], font=base, text=text)
            )

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def _embedded_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


# --- every language -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ALL_LANGS)
def test_each_language_renders_a_valid_one_page_pdf(lang: str) -> None:
    pdf = _letter(lang)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == SAMPLES[lang][0]
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert CODE in reader.pages[0].extract_text()


@pytest.mark.parametrize("lang", ALL_LANGS)
def test_only_embedded_fonts_are_used_and_code_is_monospaced(lang: str) -> None:
    fonts = _embedded_fonts(_letter(lang))
    assert "DejaVuSansMono-Bold" in fonts
    if lang in EXPECTED_FONT:
        assert any(f.startswith(EXPECTED_FONT[lang]) for f in fonts), fonts
    else:
        # Latin and Cyrillic body text: Noto Sans where installed, else DejaVu Sans.
        assert fonts & {"NotoSans-Regular", "DejaVuSans"}, fonts


@needs_dejavu
@needs_noto
@pytest.mark.parametrize("lang", ["ar", "ur", "bn", "pa"])
def test_latin_email_inside_non_latin_text_uses_a_latin_font(lang: str) -> None:
    drawn = _drawn(_letter(lang))
    email = [d for d in drawn if EMAIL in d.text]
    assert email, [d.text for d in drawn]
    assert all(d.font == "NotoSans-Regular" for d in email), email
    # ...while the surrounding text stays in the script's own font.
    body = [d for d in drawn if d.font.startswith(EXPECTED_FONT[lang])]
    assert body


@needs_dejavu
def test_metadata_has_title_and_nothing_identifying() -> None:
    reader = PdfReader(io.BytesIO(_letter("en")))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Activate your account"
    # Someone who finds the file should learn nothing beyond the visible title.
    for key in ("/Author", "/Creator", "/Producer", "/Subject", "/Keywords"):
        assert not meta.get(key), (key, meta.get(key))


@needs_dejavu
def test_same_input_gives_identical_bytes() -> None:
    assert _letter("en") == _letter("en")


@needs_dejavu
@needs_noto
def test_shaped_output_does_not_depend_on_earlier_renders() -> None:
    # Glyphs without a Unicode value get private-use codes; allocating them in order
    # of first use would make bytes depend on what the process rendered before.
    first = _letter("ar")
    render_pdf(title="x", language="ar", blocks=[Paragraph("لا إله إلا الله ﷲ لأ لإ")])
    render_pdf(title="x", language="ur", blocks=[Paragraph("اپنا اکاؤنٹ فعال کریں")])
    assert _letter("ar") == first


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        render_pdf(title="x", language="fr", blocks=[])


# --- shaping --------------------------------------------------------------------------


def _glyphs(text: str, lang: str, rtl: bool = False) -> list[tuple[int, float]]:
    lines = layout_paragraph(
        text,
        language=lang,
        rtl=rtl,
        style=TextStyle(size=12),
        max_width=10_000,
        fonts=FontResolver(),
    )
    return [(g.gid, g.y_offset) for line in lines for run in line.runs for g in run.glyphs]


def _nominal(text: str, font_file: str) -> list[int]:
    resolver = FontResolver()
    path = resolver._find_file(font_file)
    assert path is not None
    from portal.pdf.fonts import _load

    font = _load(path)
    return [font.hb_font.get_nominal_glyph(ord(c)) or 0 for c in text]


@needs_noto
def test_arabic_letters_are_drawn_in_their_joined_forms() -> None:
    # "بيت" (house): beh, yeh and teh must take initial, medial and final forms.  A
    # renderer without shaping draws the isolated letters, which Arabic readers see as
    # three unconnected characters.
    drawn = _drawn(render_pdf(title="x", language="ar", blocks=[Paragraph("بيت")]))
    word = "".join(d.text for d in drawn if d.font.startswith("NotoNaskhArabic"))
    assert unicodedata.normalize("NFKC", word).strip() in {"بيت", "تيب"}
    # Presentation forms: U+FE91 beh initial, U+FEF4 yeh medial, U+FE96 teh final.
    assert {"\ufe91", "\ufef4", "\ufe96"} <= set(word), [hex(ord(c)) for c in word]
    assert not {"\u0628", "\u064a", "\u062a"} & set(word)


@needs_noto
def test_arabic_glyphs_differ_from_a_naive_cmap_lookup() -> None:
    gids = [gid for gid, _ in _glyphs("بيت", "ar", rtl=True)]
    naive = _nominal("بيت", "NotoNaskhArabic-Regular.ttf")
    assert gids != naive and gids != naive[::-1]
    assert not set(gids) & set(naive)


@needs_noto
def test_urdu_nastaliq_is_shaped_with_its_cascading_baseline() -> None:
    glyphs = _glyphs("کریں", "ur", rtl=True)
    naive = _nominal("کریں", "NotoNastaliqUrdu-Regular.ttf")
    assert [g for g, _ in glyphs] != naive[::-1]
    # Nastaliq joins letters diagonally; shaped glyphs sit above/below the baseline.
    assert any(y != 0 for _, y in glyphs)


@needs_noto
def test_bengali_conjunct_becomes_a_single_glyph() -> None:
    # ক + ্ + ষ = ক্ষ: one conjunct glyph, not consonant-virama-consonant.
    glyphs = _glyphs("ক্ষ", "bn")
    assert len(glyphs) == 1
    assert glyphs[0][0] not in _nominal("ক্ষ", "NotoSansBengali-Regular.ttf")


@needs_noto
def test_bengali_and_gurmukhi_pre_base_vowels_are_reordered() -> None:
    # The i-vowel sign is typed after the consonant but drawn before it.
    bn = _glyphs("কি", "bn")
    assert bn[0][0] == _nominal("ি", "NotoSansBengali-Regular.ttf")[0]
    pa = _glyphs("ਕਿ", "pa")
    assert pa[0][0] == _nominal("ਿ", "NotoSansGurmukhi-Regular.ttf")[0]


MIXED = {
    "ar": f"اتصل (مجانًا) على 0161 496 0000 أو {EMAIL}، شكرًا!",
    # Also ZERO WIDTH (NON-)JOINER, which Urdu and Bengali spelling relies on.
    "ur": f"کوڈ: K7M3-9QXP (ای میل: {EMAIL})۔ می\u200cخواہم",
    "bn": "কোড K7M3-9QXP। ধন্যবাদ (২০২৪)। র\u200d্যাব",
    "pa": "ਕੋਡ K7M3-9QXP। ਧੰਨਵਾਦ!",
}


@needs_dejavu
@needs_noto
@pytest.mark.parametrize("lang", sorted(MIXED))
def test_mixed_text_never_draws_missing_glyph_boxes(lang: str) -> None:
    # A danda after a Latin code, or brackets in Arabic text, are shared characters
    # that a single font may lack; each must come from a font that has it, not show
    # as an empty box (glyph 0, .notdef).
    for text in (MIXED[lang], *SAMPLES[lang]):
        lines = layout_paragraph(
            text,
            language=lang,
            rtl=lang in {"ar", "ur"},
            style=TextStyle(size=11),
            max_width=CONTENT_WIDTH,
            fonts=FontResolver(),
        )
        missing = [
            (run.font.path, g.cluster)
            for line in lines
            for run in line.runs
            for g in run.glyphs
            if g.gid == 0
        ]
        assert not missing, (text, missing)
        assert render_pdf(title="x", language=lang, blocks=[Paragraph(text)]).startswith(b"%PDF")


# --- direction and alignment ----------------------------------------------------------


@needs_noto
@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_rtl_paragraph_is_right_aligned(lang: str) -> None:
    word = {"ar": "مرحبا", "ur": "خوش آمدید"}[lang]
    drawn = _drawn(render_pdf(title="x", language=lang, blocks=[Paragraph(word)]))
    body = [d for d in drawn if d.font.startswith(EXPECTED_FONT[lang])]
    assert body
    assert min(d.x for d in body) > PAGE_WIDTH / 2  # a short paragraph hugs the right margin


@needs_dejavu
def test_ltr_paragraph_is_left_aligned() -> None:
    drawn = _drawn(render_pdf(title="x", language="en", blocks=[Paragraph("Hello")]))
    (hello,) = [d for d in drawn if "Hello" in d.text]
    assert hello.x == pytest.approx(MARGIN_X)


@needs_noto
def test_rtl_line_puts_earlier_words_on_the_right_and_keeps_email_ltr() -> None:
    # Logical order: Arabic word, then the email.  Read right-to-left, the Arabic
    # word comes first, so it is drawn to the right of the email, and the email
    # itself keeps its left-to-right spelling.
    drawn = _drawn(render_pdf(title="x", language="ar", blocks=[Paragraph(f"راسلنا {EMAIL}")]))
    arabic = [d for d in drawn if d.font.startswith("NotoNaskhArabic") and d.text.strip()]
    email = [d for d in drawn if EMAIL in d.text]
    assert arabic and email
    assert min(d.x for d in arabic) > email[0].x


@needs_dejavu
@needs_noto
def test_code_box_stays_left_to_right_in_rtl_documents() -> None:
    drawn = _drawn(_letter("ar"))
    (code,) = [d for d in drawn if d.font == "DejaVuSansMono-Bold"]
    assert code.text.strip() == CODE
    # The box sits on the reading-start (right) side of the page.
    assert code.x > PAGE_WIDTH / 3


# --- wrapping and pagination ----------------------------------------------------------

LONG_EN = " ".join(["Your information is kept confidential and only shared with consent."] * 12)
LONG_BN = " ".join(["আপনার তথ্য গোপন রাখা হয় এবং শুধুমাত্র সম্মতিতে ভাগ করা হয়।"] * 12)
LONG_AR = " ".join(["تبقى معلوماتك سرية ولا تتم مشاركتها إلا بموافقتك."] * 12)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        pytest.param("en", LONG_EN, id="en", marks=needs_dejavu),
        pytest.param("bn", LONG_BN, id="bn", marks=[needs_dejavu, needs_noto]),
        pytest.param("ar", LONG_AR, id="ar", marks=[needs_dejavu, needs_noto]),
    ],
)
def test_long_paragraph_wraps_within_the_margins(lang: str, text: str) -> None:
    lines = layout_paragraph(
        text,
        language=lang,
        rtl=lang == "ar",
        style=TextStyle(size=11),
        max_width=CONTENT_WIDTH,
        fonts=FontResolver(),
    )
    assert len(lines) >= 5
    assert all(line.width <= CONTENT_WIDTH + 0.01 for line in lines)
    # Lines break at spaces: no word is cut, and nothing is lost or duplicated.
    assert " ".join(line.text for line in lines) == text

    drawn = _drawn(render_pdf(title="x", language=lang, blocks=[Paragraph(text)]))
    body_ys = {round(d.y) for d in drawn if d.text.strip() not in {"x", "1 / 1"}}
    assert len(body_ys) >= 5
    assert all(MARGIN_X - 0.5 <= d.x <= PAGE_WIDTH - MARGIN_X for d in drawn)


@needs_dejavu
def test_word_longer_than_the_line_is_cut_instead_of_overflowing() -> None:
    url = "https://example.org.uk/" + "a" * 300
    lines = layout_paragraph(
        f"Visit {url} today",
        language="en",
        rtl=False,
        style=TextStyle(size=11),
        max_width=CONTENT_WIDTH,
        fonts=FontResolver(),
    )
    assert len(lines) >= 3
    assert all(line.width <= CONTENT_WIDTH + 0.01 for line in lines)
    assert "".join(line.text for line in lines).replace(" ", "") == f"Visit{url}today"


LONG_UR = " ".join(
    ["آپ کی معلومات خفیہ رکھی جاتی ہیں اور صرف آپ کی رضامندی سے شیئر کی جاتی ہیں۔"] * 8
)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        pytest.param("en", LONG_EN, id="en", marks=needs_dejavu),
        # Nastaliq lines are about twice as tall as Latin ones.
        pytest.param("ur", LONG_UR, id="ur", marks=[needs_dejavu, needs_noto]),
    ],
)
def test_long_document_breaks_onto_pages_with_footer_and_page_numbers(lang: str, text: str) -> None:
    blocks: list[Heading | Paragraph | CodeBox | Spacer] = []
    for i in range(12):
        blocks += [Heading(f"Section {i + 1}"), Paragraph(text), CodeBox(CODE)]
    pdf = render_pdf(title="Privacy notice", language=lang, blocks=blocks, footer="Charity Ltd")
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(reader.pages, start=1):
        text_on_page = page.extract_text()
        assert "Charity Ltd" in text_on_page
        assert f"{number} / {total}" in text_on_page
    for number in range(total):
        drawn = _drawn(pdf, number)
        footer_y = min(d.y for d in drawn if "Charity" in d.text)
        body = [d for d in drawn if "Charity" not in d.text and f"/ {total}" not in d.text]
        # Body text never runs into the footer area...
        assert min(d.y for d in body) > footer_y + 10
        # ...and no page ends with a heading cut off from its section.
        lowest = min(body, key=lambda d: d.y)
        assert not lowest.font.endswith("-Bold") or lowest.font == "DejaVuSansMono-Bold", lowest
    # The title appears once, on the first page only.
    assert "Privacy notice" in reader.pages[0].extract_text()
    assert "Privacy notice" not in reader.pages[1].extract_text()


@needs_dejavu
def test_oversized_code_is_shrunk_to_fit_the_page() -> None:
    code = "-".join(["ABCD"] * 12)
    drawn = _drawn(render_pdf(title="x", language="en", blocks=[CodeBox(code)]))
    (line,) = [d for d in drawn if d.font == "DejaVuSansMono-Bold"]
    assert line.text.strip() == code


# --- missing fonts --------------------------------------------------------------------


def test_missing_font_directory_names_the_files_and_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_FONT_DIRS", str(tmp_path))
    with pytest.raises(MissingFontError) as excinfo:
        render_pdf(title="Hello", language="en", blocks=[Paragraph("Hello")])
    message = str(excinfo.value)
    assert "DejaVuSans-Bold.ttf" in message and "NotoSans-Bold.ttf" in message
    assert "fonts-dejavu-core" in message and "fonts-noto-core" in message
    assert str(tmp_path) in message


@needs_dejavu
def test_missing_script_font_names_the_noto_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only DejaVu available: English still works, Bengali says what to install.
    for name in DEJAVU_FILES:
        found = _find(name)
        assert found is not None
        (tmp_path / name).symlink_to(found)
    monkeypatch.setenv("PORTAL_FONT_DIRS", str(tmp_path))
    assert render_pdf(title="Hello", language="en", blocks=[Paragraph("Hello")]).startswith(b"%PDF")
    with pytest.raises(MissingFontError, match="fonts-noto-core") as excinfo:
        render_pdf(title="Hello", language="bn", blocks=[Paragraph("আপনার")])
    assert "NotoSansBengali-Regular.ttf" in str(excinfo.value)


# --- text extraction ------------------------------------------------------------------
#
# Shaped text draws glyphs, not characters: ligatures and conjuncts, Arabic joining
# forms, vowel signs moved before their consonant, Nastaliq dots as glyphs of their
# own.  The renderer wraps such glyphs in /ActualText spans so that text extraction
# (copy and paste, search, screen readers, pdftotext) gives back what was written.

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="poppler-utils (pdftotext) is not installed"
)

# Real headings from a privacy notice, two per language, with the letters each
# language needs: Welsh ŵ/ŷ, Romanian ș/ț, Polish ł/ż, Bengali and Gurmukhi
# conjuncts and pre-base vowel signs, Arabic joining and lam-alef, Urdu Nastaliq.
HEADINGS: dict[str, tuple[str, str]] = {
    "en": ("How we keep your information safe", "Who can see your records"),
    "cy": ("Sut rydym yn cadw eich gwybodaeth yn ddiogel", "Gall eich ŵyr ddod i'r tŷ gyda chi"),
    "pl": ("Jak chronimy Twoje dane", "Możesz złożyć skargę w każdej chwili"),
    "ro": ("Cum vă păstrăm informațiile în siguranță", "Ce drepturi aveți și cum le exercitați"),
    "uk": ("Як ми захищаємо вашу інформацію", "Ви маєте право знати, хто бачить ваші дані"),
    "so": ("Sida aan u ilaalino macluumaadkaaga", "Xuquuqdaada iyo sida loo isticmaalo"),
    "ar": ("كيف نحافظ على معلوماتك", "لا نشارك بياناتك إلا بموافقتك"),
    "ur": ("ہم آپ کی معلومات کی حفاظت کیسے کرتے ہیں", "آپ کی رضامندی کے بغیر کچھ شیئر نہیں ہوتا"),
    "bn": ("আমরা কীভাবে আপনার তথ্য রাখি", "কোন তথ্য আমরা সংগ্রহ করি এবং কেন"),
    "pa": ("ਅਸੀਂ ਤੁਹਾਡੀ ਜਾਣਕਾਰੀ ਕਿਵੇਂ ਸੰਭਾਲਦੇ ਹਾਂ", "ਕਿਰਪਾ ਕਰਕੇ ਸਾਡੇ ਨਾਲ ਸੰਪਰਕ ਕਰੋ"),
}

# Bidi controls pdftotext puts around right-to-left and embedded left-to-right text.
_BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def _pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    assert PDFTOTEXT is not None
    result = subprocess.run(
        [PDFTOTEXT, *args, str(path), "-"], capture_output=True, text=True, check=True
    )
    # A malformed marked-content sequence or text object makes poppler complain.
    assert "Error" not in result.stderr, result.stderr
    return result.stdout


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    return " ".join(text.split())


def _lang_extract_param(lang: str) -> object:
    marks = [needs_pdftotext, needs_dejavu]
    if lang in NON_LATIN:
        marks.append(needs_noto)
    return pytest.param(lang, marks=marks, id=lang)


@pytest.mark.parametrize("lang", [_lang_extract_param(lang) for lang in sorted(LANGUAGES)])
@pytest.mark.parametrize("layout", [False, True], ids=["raw", "layout"])
def test_pdftotext_gives_back_each_heading_in_logical_order(
    lang: str, layout: bool, tmp_path: Path
) -> None:
    first, second = HEADINGS[lang]
    blocks: list[Heading | Paragraph | CodeBox | Spacer] = [
        Heading(first),
        Paragraph(SAMPLES[lang][1]),
        CodeBox(CODE),
        Heading(second),
        Paragraph(f"{second} {EMAIL} 0161 496 0000"),
    ]
    pdf = render_pdf(title=SAMPLES[lang][0], language=lang, blocks=blocks, footer="Consent")
    text = _normalised(_pdftotext(pdf, tmp_path, *(["-layout"] if layout else [])))
    for heading in (SAMPLES[lang][0], first, second, CODE, EMAIL):
        assert _normalised(heading) in text, (heading, text)


TRICKY = {
    # Shadda and other harakat (marks positioned off the letter), the Allah
    # ligature, lam-alef, and Arabic-Indic digits.
    "ar": ("فعّل حسابك", "مُحَمَّد", "لا إله إلا الله", "الرمز ١٢٣"),
    # ZERO WIDTH NON-JOINER inside a word, and hamza on waw.
    "ur": ("می\u200cخواہم", "اپنا اکاؤنٹ فعال کریں"),
    # Reph, ya-phala with ZWJ, a three-consonant conjunct and a split vowel.
    "bn": ("র\u200d্যাব", "ক্ষমা", "স্ত্রী", "কোথায়"),
    "pa": ("ਕ੍ਰਿਪਾ", "ਧੰਨਵਾਦ", "ਪ੍ਰਸ਼ਨ"),
}


@needs_pdftotext
@needs_dejavu
@needs_noto
@pytest.mark.parametrize("lang", sorted(TRICKY))
def test_pdftotext_gives_back_marks_ligatures_and_conjuncts(lang: str, tmp_path: Path) -> None:
    blocks = [Paragraph(word) for word in TRICKY[lang]]
    text = _normalised(_pdftotext(render_pdf(title="x", language=lang, blocks=blocks), tmp_path))
    for word in TRICKY[lang]:
        assert _normalised(word) in text, (word, text)


@needs_pdftotext
@needs_dejavu
@needs_noto
def test_wrapped_rtl_paragraph_extracts_line_by_line(tmp_path: Path) -> None:
    lines = layout_paragraph(
        LONG_UR,
        language="ur",
        rtl=True,
        style=TextStyle(size=11),
        max_width=CONTENT_WIDTH,
        fonts=FontResolver(),
    )
    assert len(lines) > 2
    pdf = render_pdf(title="x", language="ur", blocks=[Paragraph(LONG_UR)])
    text = _normalised(_pdftotext(pdf, tmp_path))
    for line in lines:
        assert _normalised(line.text) in text, line.text


def _content_ops(pdf: bytes) -> list[list[str]]:
    """Each page's content stream as a list of operator lines, split at BT/ET."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()
        assert contents is not None
        pages.append(contents.get_data().decode("latin-1").split())
    return pages


@needs_dejavu
@needs_noto
@pytest.mark.parametrize("lang", ["ar", "ur", "bn", "pa"])
def test_marked_content_is_balanced_and_text_rise_is_reset(lang: str) -> None:
    # BDC/EMC must pair up inside one text object, and a text rise (used for
    # Nastaliq's cascading baseline and for marks) must not outlive the text object
    # that set it: text state belongs to the graphics state, so a leftover rise
    # would shift the next line's unraised glyphs.
    title, text = SAMPLES[lang]
    pdf = render_pdf(title=title, language=lang, blocks=[Heading(title), Paragraph(text)])
    spans = 0
    for tokens in _content_ops(pdf):
        depth, rise, in_text = 0, "0", False
        for i, token in enumerate(tokens):
            if token == "BT":
                assert not in_text and depth == 0
                in_text = True
            elif token == "ET":
                assert in_text and depth == 0
                assert float(rise) == 0, "text rise left set after ET"
                in_text = False
            elif token == "BDC":
                assert in_text
                depth += 1
                spans += 1
            elif token == "EMC":
                depth -= 1
                assert depth >= 0
            elif token == "Ts":
                rise = tokens[i - 1]
        assert depth == 0 and not in_text
    assert spans > 0
