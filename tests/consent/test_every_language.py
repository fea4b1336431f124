"""Every consent path in every language, and the receipt PDF's text in every language
(issue 4, Done 1 and 4). The browser tests cover the same path at 360 px, with and without
JavaScript, in English and Arabic."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.i18n import LANGUAGES
from portal.policy.services import load_pack
from tests.conftest import DEMO_PACK, World, sign_in_as

NOTO = Path("/usr/share/fonts/truetype/noto")


@pytest.fixture
def demo_app(app: Flask, world: World) -> Flask:
    """The demo pack, loaded after the world's own test pack so that it is the one in force."""
    with app.app_context():
        load_pack(DEMO_PACK)
        db.session.commit()
    return app


def _html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_grant_refuse_change_and_withdraw_in_every_language(demo_app: Flask, world: World, language) -> None:  # type: ignore[no-untyped-def]
    client = demo_app.test_client()
    sign_in_as(client, world.sam)
    client.post("/language", data={"language": language.code, "next": "/consent"})
    for path in ("/consent", "/consent/agency/gp", "/consent/agency/gp/health", "/consent/check", "/consent/stop",
                 "/consent/history"):
        page = client.get(path).get_data(as_text=True)
        assert f'lang="{language.tag}" dir="{language.direction}"' in _html_tag(page), path
    for kind, choice in (("health", "yes"), ("contact-details", "no"), ("mental-health", "ask")):
        assert client.post(f"/consent/agency/gp/{kind}", data={"choice": choice}).status_code == 302
    signed = client.post("/consent/check", data={"name": "Sam Taylor", "understood": "y"})
    assert signed.status_code == 302
    reference = signed.headers["Location"].rsplit("/", 1)[-1]
    done = client.get(f"/consent/done/{reference}").get_data(as_text=True)
    assert reference in done
    assert client.post("/consent/agency/gp/health", data={"choice": "no"}).status_code == 302
    assert client.post("/consent/check", data={"name": "Sam Taylor", "understood": "y"}).status_code == 302
    stopped = client.post("/consent/stop")
    assert stopped.status_code == 302 and "/consent/done/" in stopped.headers["Location"]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not NOTO.is_dir(), reason="fonts-noto-core is not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_receipt_pdf_text_in_every_language(demo_app: Flask, world: World, language, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = demo_app.test_client()
    sign_in_as(client, world.sam)
    client.post("/language", data={"language": language.code, "next": "/consent"})
    client.post("/consent/agency/gp/health", data={"choice": "yes"})
    client.post("/consent/agency/police/offending", data={"choice": "no"})
    reference = client.post("/consent/check", data={"name": "Sam Taylor", "understood": "y"}
                            ).headers["Location"].rsplit("/", 1)[-1]
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(client.get(f"/consent/receipts/{reference}.pdf").data)
    text = _normalise(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],  # noqa: S603
                                     check=True, capture_output=True, text=True).stdout)
    assert reference in text
    with demo_app.test_request_context(), force_locale(language.code):
        for heading in (_("You agreed we may share"), _("You said we may not share"), _("Changing your mind")):
            assert _normalise(heading) in text, (language.code, heading)
