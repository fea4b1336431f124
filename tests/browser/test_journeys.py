"""Journeys through the portal on a 360 px screen: leaving the site quickly, a person
activating the account staff set up for them, and switching language on a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from .support import (
    HTML_LANG,
    Audit,
    LiveServer,
    choose_language,
    sign_in,
    sign_out,
    submit_main_form,
)

CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def html_lang_and_dir(page: Any) -> tuple[str, str]:
    lang, direction = page.evaluate(
        "() => [document.documentElement.getAttribute('lang'),"
        " document.documentElement.getAttribute('dir')]"
    )
    return lang, direction


def _left_without_return(page: Any, live_server: LiveServer, portal_url: str) -> None:
    """On the exit page, and "Back" does not bring back the portal page that was open."""
    page.wait_for_url(live_server.exit_url)
    assert page.url == live_server.exit_url
    page.go_back()  # location.replace(): the portal page is no longer in the history
    assert page.url != portal_url, f"Back returned to {page.url} after leaving the site"


@pytest.mark.browser
def test_leave_this_site(live_server: LiveServer, new_page: Callable[[], Any]) -> None:
    # Escape pressed three times, anywhere on the page.
    page = new_page()
    sign_in_url = live_server.base_url + "/sign-in"
    page.goto(sign_in_url)
    exit_link = page.locator("a[data-exit]")
    assert exit_link.count() == 1
    assert exit_link.get_attribute("href") == live_server.exit_url
    for _ in range(3):
        page.keyboard.press("Escape")
    _left_without_return(page, live_server, sign_in_url)

    # The "Leave this site" link itself.
    page = new_page()
    policy_url = live_server.base_url + "/policy"
    page.goto(policy_url)
    page.locator("a[data-exit]").click()
    _left_without_return(page, live_server, policy_url)


@pytest.mark.browser
def test_activation_path_on_a_phone(live_server: LiveServer, new_page: Callable[[], Any]) -> None:
    base = live_server.base_url

    # Staff (Jo) set up an account for someone new, with Arabic as their language.
    staff = new_page()
    staff_audit = Audit(staff, base, "jo", "en")
    sign_in(staff, base, "jo")
    staff_audit.visit("/staff/people/new")
    staff.locator("#full_name").fill("Noor Haddad")
    staff.locator("main select[name=language]").select_option("ar")
    staff.locator("#username").fill("noor.haddad")
    status = submit_main_form(staff)
    staff_audit.check("/staff/people/new -> activation code", status=status)
    code = staff.locator(".code").inner_text().strip()
    assert CODE.fullmatch(code), f"no activation code on the page, found {code!r}"
    sign_out(staff)
    staff.context.close()

    # The person, on their own phone: code, then password, then signed in at home.
    person = new_page()
    audit = Audit(person, base, "the new person", "en")
    audit.visit("/activate")
    person.locator("#code").fill(code)
    status = submit_main_form(person)
    assert urlsplit(person.url).path == "/activate/password", f"the code was refused: {person.url}"
    audit.check("/activate/password (choose a password)", status=status)
    person.locator("#password").fill("violet harbour lantern 42")
    person.locator("#confirm").fill("violet harbour lantern 42")
    status = submit_main_form(person)
    assert urlsplit(person.url).path == "/home", f"not signed in at home: {person.url}"
    assert html_lang_and_dir(person) == HTML_LANG["ar"], "home is not in Arabic, right to left"
    audit.language = "ar"
    audit.check("/home (just activated)", status=status)

    # One report for both sides of the journey.
    audit.problems[:0] = staff_audit.problems
    audit.pages_checked += staff_audit.pages_checked
    audit.assert_clean()


@pytest.mark.browser
def test_language_switch_keeps_page(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.base_url + "/policy")
    assert html_lang_and_dir(page) == HTML_LANG["en"]
    choose_language(page, "pl")
    assert urlsplit(page.url).path == "/policy"
    assert html_lang_and_dir(page) == HTML_LANG["pl"]
