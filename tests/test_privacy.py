"""What someone else might see: page titles, logs (domain.md, "Safety of people at risk")."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from tests.accounts.test_activation import activate, create_person
from tests.conftest import World, sign_in_as


def title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match
    return match.group(1)


def test_page_titles_never_name_the_person(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    assert "Sam" not in title(staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True))
    person = app.test_client()
    sign_in_as(person, world.sam)
    for path in ("/home", "/consent", "/bookings", "/account"):
        page_title = title(person.get(path).get_data(as_text=True))
        assert "Sam" not in page_title and "Taylor" not in page_title
        for word in ("abuse", "violence", "exploitation", "refuge", "offend"):
            assert word not in page_title.lower()


def test_no_activation_code_or_password_reaches_the_logs(app: Flask, world: World,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, _ = create_person(staff)
    activate(app.test_client(), code, "a secret passphrase here")
    assert code not in caplog.text and "a secret passphrase here" not in caplog.text


def test_exit_button_on_people_pages_not_staff_pages(app: Flask, world: World) -> None:
    anonymous = app.test_client().get("/sign-in").get_data(as_text=True)
    assert "data-exit" in anonymous and "Leave this site" in anonymous
    person = app.test_client()
    sign_in_as(person, world.alex)
    assert "data-exit" in person.get("/home").get_data(as_text=True)
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    assert "data-exit" not in staff.get("/staff/").get_data(as_text=True)


def test_searching_for_a_person_keeps_the_name_out_of_the_url(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.get("/staff/people").get_data(as_text=True)
    assert 'method="post"' in page
    found = staff.post("/staff/people", data={"q": "taylor"}).get_data(as_text=True)
    assert "Sam Taylor" in found and "Robin Other" not in found
    by_reference = staff.post("/staff/people", data={"q": world.other_person.reference.lower()})
    assert "Robin Other" in by_reference.get_data(as_text=True)
