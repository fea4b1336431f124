"""Reading the policy, its handout, and acknowledging it (POL-1, POL-2, POL-3, POL-5, SEC-3)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.policy.models import PolicyAcknowledgement, PolicyHandout
from portal.policy.services import load_pack
from tests.conftest import TEST_PACK, World, sign_in_as


def test_anyone_can_read_it_before_signing_in(client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/policy").get_data(as_text=True)
    for heading in ("What we keep", "Who we share with", "When we must share without asking", "Seeing your notes"):
        assert heading in page
    assert page.index("What happens to your information") < page.index("What we keep")  # summary first
    assert 'href="#exceptions"' in page  # a contents list
    # POL-3: every exceptional circumstance in full, never folded away.
    for title in ("A child is in danger", "A judge orders us"):
        assert title in page
    assert "We must do what a court orders." in page
    assert "<details" not in page


def test_a_language_the_pack_lacks_falls_back_to_english_marked_as_such(client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/policy", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'dir="rtl"' in re.search(r"<html[^>]*>", page).group(0)  # type: ignore[union-attr]
    assert '<div lang="en-GB" dir="ltr">' in page
    assert "What we keep" in page


def test_handout_pdf_is_made_once_and_kept(app: Flask, world: World) -> None:
    client = app.test_client()
    first = client.get("/policy/handout/en.pdf")
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first.data)).pages)
    for heading in ("What we keep", "Seeing your notes", "A child is in danger", "Riverside Families Project"):
        assert heading in text
    assert "Version R-7" in text
    assert client.get("/policy/handout/en.pdf").data == first.data
    with app.app_context():
        assert db.session.scalar(select(func.count(PolicyHandout.id))) == 1
    assert client.get("/policy/handout/xx.pdf").status_code == 404


def test_a_service_user_confirms_reading_with_version_and_language(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    home = client.get("/home").get_data(as_text=True)
    assert "Please read how we look after your information" in home
    page = client.get("/policy").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/policy/acknowledge", data={"version": version, "language": "en"})
    assert response.status_code == 302
    assert "Please read how we look after" not in client.get("/home").get_data(as_text=True)
    assert "You confirmed you had read this" in client.get("/policy").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(PolicyAcknowledgement)).one()
        assert (row.person_id, row.acted_by_id, row.language, row.method) == (
            world.sam_person.id, world.sam.id, "en", "read-online")
        assert row.version.label == "R-7"


def test_a_substantive_new_version_is_asked_again_and_a_minor_one_is_not(app: Flask, world: World, tmp_path: Path) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    client.post("/policy/acknowledge", data={"version": "1", "language": "en"})
    pack = tmp_path / "pack"
    shutil.copytree(TEST_PACK, pack)
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace('label = "R-7"', 'label = "R-7a"').replace(
        "substantive = true", "substantive = false").replace('contact = "0117 496 0000"', 'contact = "0117 496 0001"'))
    with app.app_context():
        assert load_pack(pack).version is not None
        db.session.commit()
    assert "Please read how we look after" not in client.get("/home").get_data(as_text=True)
    toml.write_text(toml.read_text().replace('label = "R-7a"', 'label = "R-8"').replace(
        "substantive = false", "substantive = true").replace("notice_hours = 48", "notice_hours = 72"))
    with app.app_context():
        assert load_pack(pack).version is not None
        db.session.commit()
    assert "Please read how we look after" in client.get("/home").get_data(as_text=True)


def test_an_old_version_cannot_be_acknowledged_as_the_current_one(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    response = client.post("/policy/acknowledge", data={"version": "999", "language": "en"})
    assert response.headers["Location"] == "/policy"
    with app.app_context():
        assert db.session.scalar(select(func.count(PolicyAcknowledgement.id))) == 0


def test_staff_record_explaining_it_in_person_with_an_interpreter(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    person_page = staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True)
    assert "Has not yet read or been told the current version" in person_page
    response = staff.post(f"/staff/people/{world.sam_person.reference}/policy-explained",
                          data={"language": "en", "interpreter": "Amina (Language Line)"})
    assert response.status_code == 302
    person_page = staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True)
    assert "Explained in person" in person_page and "Amina (Language Line)" in person_page
    with app.app_context():
        row = db.session.scalars(select(PolicyAcknowledgement)).one()
        assert (row.person_id, row.acted_by_id, row.method) == (world.sam_person.id, world.jo.id, "explained-in-person")
    bad = staff.post(f"/staff/people/{world.sam_person.reference}/policy-explained", data={"language": "xx"})
    assert "Choose a language from the list." in bad.get_data(as_text=True)


def test_staff_confirm_reading_and_managers_see_who_has_not(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    assert "Please read the current policy" in staff.get("/staff/").get_data(as_text=True)
    manager = app.test_client()
    sign_in_as(manager, world.morgan)
    missing = manager.get("/staff/").get_data(as_text=True)
    assert "Have not confirmed the current policy" in missing and "Jo" in missing
    staff.post("/staff/policy/confirm", data={"version": "1"})
    assert "Please read the current policy" not in staff.get("/staff/").get_data(as_text=True)
    after = manager.get("/staff/").get_data(as_text=True)
    listed = after[after.index("Have not confirmed"):]
    assert "<li>Jo</li>" not in listed and "<li>Morgan</li>" in listed
