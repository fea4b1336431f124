"""A person invites someone to help them, on a 360 px screen (issue 6, Done 3), in English
and in Arabic (right to left), with the demo organisation's pack:

Sam invites a new helper (their details, then the private question "is anyone pressuring
you?" answered no, then the code, shown once). On another phone the helper uses the code at
/invitation with the address they were invited at, chooses a password through activation,
signs in through the real form, chooses to help Sam ("You are helping Sam."), and reads Sam's
choices about sharing (the reading right a new invitation grants). Sam stops them helping;
the helper's very next request no longer shows anything of Sam's.

Every page on the way is checked with axe-core (WCAG 2.2 AA and target size), for sideways
scrolling and for <html lang/dir>.
"""

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
    follow,
    path_of,
    sign_in,
    submit,
    submit_main_form,
    ui_text,
)

CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")
HELPER_NAME = "Rana Haddad"
HELPER_EMAIL = "rana.haddad@example.net"
HELPER_PASSWORD = "quiet orchard kettle 58"


def _at(page: Any, path: str, what: str) -> None:
    assert urlsplit(page.url).path == path, f"{what}: expected to be on {path}, but on {page.url}"


def _html_lang(page: Any) -> str:
    return str(page.evaluate("() => document.documentElement.getAttribute('lang')"))


def _banner(page: Any) -> str:
    banner = page.locator(".helping-banner")
    return " ".join(banner.inner_text().split()) if banner.count() else ""


def _keeps_language(page: Any, audit: Audit, label: str) -> None:
    """The helper chose their language before they had an account; signed in, the pages must
    still be in it. If not, note it as a problem (the test then fails at the end), and choose
    the language again in the footer, as the helper would, so the rest of the journey is
    still checked in that language."""
    want = HTML_LANG[audit.language][0]
    got = _html_lang(page)
    if got != want:
        audit.problems.append(
            f"{label}  [{audit.who}, {audit.language}]\n  - the helper chose {want!r} before "
            f"signing up, but once signed in the pages are in {got!r} (the new advocate "
            f"account's saved language overrides the choice)"
        )
        choose_language(page, audit.language)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_advocate_invite_accept_act_revoke(
    demo_server: LiveServer, new_page: Callable[..., Any], language: str
) -> None:
    base = demo_server.base_url
    t = lambda message: ui_text(language, message)  # noqa: E731 - the app's own words

    # --- Sam invites a new helper ---------------------------------------------------------
    sam = new_page()
    audit = Audit(sam, base, "sam", language)
    sign_in(sam, base, "sam")
    choose_language(sam, language)
    audit.check("/home")

    status = follow(sam, "main a[href='/helpers']")  # "People who help you"
    _at(sam, "/helpers", "following the link from home")
    audit.check("/helpers", status=status)

    status = follow(sam, "main a[href='/helpers/invite']")
    _at(sam, "/helpers/invite", "pressing Invite someone")
    audit.check("/helpers/invite", status=status)

    # A slip first: Continue with nothing filled in.
    status = submit_main_form(sam)
    _at(sam, "/helpers/invite", "Continue with an empty form")
    assert sam.locator("main .error-summary li").count() == 3, "expected three errors"
    audit.check("/helpers/invite (nothing filled in)", status=status)

    sam.locator("#name").fill(HELPER_NAME)
    sam.locator("#relationship_label").fill("My cousin")
    sam.locator("#email").fill(HELPER_EMAIL)
    # The defaults: reading and booking on, the rest off.
    assert sam.locator("#may_read").is_checked() and not sam.locator("#may_decide_consent").is_checked()
    status = submit_main_form(sam)
    _at(sam, "/helpers/invite/safety", "giving the helper's details")
    audit.check("/helpers/invite/safety", status=status)

    sam.locator("main input[name=pressured][value=no]").check()
    status = submit_main_form(sam)
    _at(sam, "/helpers/invite/safety", "answering no to the private question")
    code = sam.locator("main .panel .code").inner_text().strip()
    assert CODE.fullmatch(code), f"no invitation code shown, found {code!r}"
    assert code not in sam.url
    assert sam.locator("main p.code", has_text="/invitation").count() == 1, "no address to give"
    audit.check("/helpers/invite/safety -> invitation code", status=status)

    status = follow(sam, "main a[href='/helpers']")
    assert HELPER_EMAIL in sam.locator("main").inner_text(), "the invitation is not listed as waiting"
    audit.check("/helpers (invitation waiting)", status=status)

    # --- The helper, on their own phone: the code, a password, signing in ---------------------
    helper = new_page()
    helper_audit = Audit(helper, base, "the new helper", language)
    helper.goto(base + "/invitation")
    if language != "en":
        choose_language(helper, language)
    helper_audit.check("/invitation")
    helper.locator("#code").fill(code)
    helper.locator("#email").fill(HELPER_EMAIL)
    status = submit_main_form(helper)
    _at(helper, "/invitation", "using the code")
    assert helper.locator("main .error-summary").count() == 0, "the invitation code was refused"
    helper_audit.check("/invitation -> choose a password", status=status)

    status = submit_main_form(helper)  # posts the one-time activation code to /activate
    _at(helper, "/activate/password", "continuing to the password")
    helper_audit.check("/activate/password", status=status)
    helper.locator("#password").fill(HELPER_PASSWORD)
    helper.locator("#confirm").fill(HELPER_PASSWORD)
    status = submit_main_form(helper)
    _at(helper, "/home", "choosing a password")
    _keeps_language(helper, helper_audit, "/home (just activated)")
    helper_audit.check("/home (just activated)", status=status)

    # Sign out, then in through the real form with the new password.
    submit(helper, "nav form[action$='/sign-out'] button[type=submit]")
    _at(helper, "/sign-in", "signing out")
    helper.locator("#sign_in_name").fill(HELPER_EMAIL)
    helper.locator("#password").fill(HELPER_PASSWORD)
    status = submit_main_form(helper)
    _at(helper, "/home", "signing in with the new password")
    _keeps_language(helper, helper_audit, "/home (signed in with the new password)")
    assert _banner(helper) == "", "helping someone before choosing whom"
    helper_audit.check("/home (who are you helping?)", status=status)

    # --- Help Sam, and read Sam's choices --------------------------------------------------
    help_buttons = helper.locator("main form[action$='/helping'] button[type=submit]")
    assert help_buttons.count() == 1, f"expected one person to help, found {help_buttons.count()}"
    status = submit(helper, "main form[action$='/helping'] button[type=submit]")
    _at(helper, "/home", "choosing to help Sam")
    helping = t("You are helping %(name)s.") % {"name": "Sam"}
    assert helping in _banner(helper), f"banner says {_banner(helper)!r}, expected {helping!r}"
    helper_audit.check("/home (helping Sam)", status=status)

    status = follow(helper, "main a[href='/consent']")  # "Choose who can know what"
    _at(helper, "/consent", "opening Sam's choices")
    assert helping in _banner(helper)
    assert helper.locator("main .card").count() > 0, "Sam's choices are not shown"
    helper_audit.check("/consent (helping Sam, reading)", status=status)

    # --- Sam stops them helping (one step) -------------------------------------------------
    audit.visit("/helpers")  # now lists the helper, as well as Alex
    card = sam.locator("main .card", has_text=HELPER_NAME)
    assert card.count() == 1, "the new helper is not listed on Sam's page"
    status = submit(sam, f"main .card:has-text('{HELPER_NAME}') form[action$='/remove'] button")
    _at(sam, "/helpers", "stopping the helper")
    assert sam.locator("main .card", has_text=HELPER_NAME).count() == 0, "the helper is still listed"
    assert sam.locator("main .notice--success").count() == 1, "no message that it is done"
    audit.check("/helpers (helper removed)", status=status)

    # The helper's very next request: nothing of Sam's.
    response = helper.goto(base + "/consent")
    assert response is not None
    here = path_of(helper)
    assert here == "/home", f"after removal /consent ended on {here} (HTTP {response.status})"
    assert _banner(helper) == "", f"still helping after removal: {_banner(helper)!r}"
    assert helper.locator("main form[action$='/helping']").count() == 0, "Sam still offered"
    assert helper.locator("main .card").count() == 0
    helper_audit.check("/consent -> /home (no longer helping)", status=response.status)

    for path in ("/bookings", "/what-we-shared"):
        response = helper.goto(base + path)
        assert response is not None and path_of(helper) == "/home", (
            f"after removal {path} answered HTTP {response and response.status} on {path_of(helper)}"
        )
        assert _banner(helper) == ""

    audit.problems += helper_audit.problems
    audit.pages_checked += helper_audit.pages_checked
    audit.assert_clean()
