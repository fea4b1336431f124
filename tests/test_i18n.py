"""Languages: choice order, direction, the switcher (issue 2, POL-2)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from portal.i18n import LANGUAGES
from tests.conftest import World, sign_in_as


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_every_language_has_right_lang_and_direction(client, language) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/sign-in", headers={"Accept-Language": language.code}).get_data(as_text=True)
    assert f'lang="{language.tag}"' in html_tag(page)
    assert f'dir="{language.direction}"' in html_tag(page)


def test_arabic_and_urdu_are_right_to_left(client) -> None:  # type: ignore[no-untyped-def]
    for code in ("ar", "ur"):
        page = client.get("/", headers={"Accept-Language": code}).get_data(as_text=True)
        assert 'dir="rtl"' in html_tag(page)
    assert 'dir="ltr"' in html_tag(client.get("/", headers={"Accept-Language": "bn"}).get_data(as_text=True))


def test_pages_are_translated(client) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for code in ("cy", "ar", "pa"):
        page = client.get("/sign-in", headers={"Accept-Language": code}).get_data(as_text=True)
        assert "Skip to main content" not in page, code
        assert page != english


def test_choice_order_account_then_cookie_then_browser(app: Flask, world: World) -> None:
    client = app.test_client()
    assert 'lang="pl"' in client.get("/", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    response = client.post("/language", data={"language": "uk", "next": "/policy"},
                           headers={"Accept-Language": "pl"})
    assert response.status_code == 302 and response.headers["Location"] == "/policy"
    # The cookie beats the browser.
    assert 'lang="uk"' in client.get("/policy", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    # Signed in, the account's saved choice beats the cookie.
    sign_in_as(client, world.sam)
    client.post("/language", data={"language": "so", "next": "/home"})
    other_device = app.test_client()
    sign_in_as(other_device, world.sam)
    other_device.set_cookie("portal_lang", "cy")
    page = other_device.get("/home", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert 'lang="so"' in page


def test_switcher_is_on_every_page_and_names_languages_in_their_own_script(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/activate").get_data(as_text=True)
    for language in LANGUAGES:
        assert f'value="{language.code}" lang="{language.tag}"' in page
        assert language.native_name in page
    assert 'name="next" value="/activate"' in page


def test_switcher_refuses_unknown_languages_and_other_sites(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/language", data={"language": "xx", "next": "/policy"})
    assert response.headers["Location"] == "/policy"
    assert "portal_lang" not in response.headers.get("Set-Cookie", "")
    response = client.post("/language", data={"language": "cy", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
