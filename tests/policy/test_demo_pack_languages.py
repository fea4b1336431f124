"""The demo organisation's policy in every language it offers: every section and every
exceptional circumstance on the page and in the handout PDF (issue 3, Done 3 and 4)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import unicodedata
from pathlib import Path

import pytest
from flask import Flask
from markupsafe import escape

from portal.extensions import db
from portal.policy.pack import split_sections
from portal.policy.services import load_pack
from tests.conftest import DEMO_PACK

LANGUAGES = tomllib.loads((DEMO_PACK / "pack.toml").read_text())["policy"]["languages"]
NOTO = Path("/usr/share/fonts/truetype/noto")


def _headings(code: str) -> list[str]:
    return [heading for ident, heading, _ in split_sections((DEMO_PACK / "text" / code / "policy.md").read_text())
            if ident != "summary"]


def _circumstances(code: str) -> list[str]:
    labels = tomllib.loads((DEMO_PACK / "text" / code / "labels.toml").read_text())
    return [entry["title"] for entry in labels["exceptional_circumstances"].values()]


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    with app.app_context():
        assert load_pack(DEMO_PACK).version is not None
        db.session.commit()
    return app


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_section_and_circumstance_is_on_the_page(demo_app: Flask, code: str) -> None:
    client = demo_app.test_client()
    if code == "en-easy":
        page = client.get("/policy/easy-read").get_data(as_text=True)
    else:
        page = client.get("/policy", headers={"Accept-Language": code}).get_data(as_text=True)
        assert "not yet available in your language" not in page
    for text in _headings(code) + _circumstances(code):
        assert str(escape(text)) in page, (code, text)


def _normalise(text: str) -> str:
    # NFKC: a drawn "fi" ligature reads back as U+FB01; it is the same two letters.
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)  # bidi controls
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not NOTO.is_dir(), reason="fonts-noto-core is not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("code", LANGUAGES)
def test_the_handout_pdf_holds_every_heading(demo_app: Flask, code: str, tmp_path: Path) -> None:
    response = demo_app.test_client().get(f"/policy/handout/{code}.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "handout.pdf"
    pdf.write_bytes(response.data)
    extracted = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],  # noqa: S603
                               check=True, capture_output=True, text=True).stdout
    flat = _normalise(extracted)
    for heading in _headings(code):
        assert _normalise(heading) in flat, (code, heading)
