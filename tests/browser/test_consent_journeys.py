"""Consent with the demo organisation's policy pack (packs/harbour-lane), on a 360 px screen:

- Sam says who can know what (one yes, one no), checks the answers, signs, changes one
  decision, then stops all sharing; in English and in Arabic (right to left). Every page on
  the way, and the error pages a slip leads to, are checked with axe-core (WCAG 2.2 AA and
  target size), for sideways scrolling and for <html lang/dir>.
- The same core path with JavaScript switched off in the browser.
- A caseworker (Jo) checks before sharing, and sees the yes Sam signed.

Links and buttons are found by where they go (href) or by what they do (form fields), not by
their words, so the same steps work in every language; where the words matter they come from
the app's own catalogs (support.ui_text) and the pack's labels (support.demo_labels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from .support import (
    Audit,
    LiveServer,
    choose_language,
    demo_labels,
    follow,
    path_of,
    sign_in,
    submit,
    ui_text,
)

REFERENCE = re.compile(r"C[A-Z0-9]{7}")  # portal.consent.services.new_reference
DONE = re.compile(r"/consent/done/(C[A-Z0-9]{7})")
SIGNED_NAME = "Sam Taylor"

# Selectors that do not depend on the page's language.
BACK_TO_OVERVIEW = "main a[href='/consent']:not(.back-link)"  # "Add another change", "Back to…"
SIGN_FORM = "main form:has(#name)"
CONTINUE = "main form[method=post] button[type=submit]"  # the one form on a question page


def _card(page: Any, agency: str) -> Any:
    """An organisation's card on the "who can know what" page."""
    return page.locator(f"main .card:has(a[href='/consent/agency/{agency}'])")


def _at(page: Any, path: str | re.Pattern[str], what: str) -> None:
    here = urlsplit(page.url).path
    ok = path.fullmatch(here) if isinstance(path, re.Pattern) else here == path
    assert ok, f"{what}: expected to be on {getattr(path, 'pattern', path)}, but on {page.url}"


def _answer(audit: Audit, agency: str, kind: str, choice: str, *, slip: bool = False) -> None:
    """From "who can know what": open the organisation, its question about `kind`, answer it
    (choice: yes, no or ask); ends on "check your answers". slip: first press Continue with
    nothing chosen, and check the page with its error message."""
    page = audit.page
    status = follow(page, f"main a[href='/consent/agency/{agency}']")
    _at(page, f"/consent/agency/{agency}", f"opening {agency}")
    audit.check(f"/consent/agency/{agency}", status=status)

    status = follow(page, f"main a[href='/consent/agency/{agency}/{kind}']")
    question = f"/consent/agency/{agency}/{kind}"
    _at(page, question, f"opening the question about {kind}")
    audit.check(question, status=status)

    if slip:
        status = submit(page, CONTINUE)
        _at(page, question, "Continue with no answer")
        assert page.locator("main .error-summary").count() == 1, f"{question}: no error summary"
        audit.check(f"{question} (no answer chosen)", status=status)

    page.locator(f"main input[name=choice][value={choice}]").check()
    status = submit(page, CONTINUE)
    _at(page, "/consent/check", f"answering {choice} to {agency}/{kind}")
    audit.check(f"/consent/check (after {agency}/{kind}: {choice})", status=status)


def _sign(audit: Audit, rows: int, *, slip: bool = False) -> str:
    """On "check your answers": type the name, tick "I understand", sign. Returns the reference
    shown on the confirmation page. slip: first sign with neither, and check the errors."""
    page = audit.page
    assert page.locator("main .summary-list__row").count() == rows, (
        f"check your answers: expected {rows} changes listed"
    )
    if slip:
        status = submit(page, f"{SIGN_FORM} button[type=submit]")
        _at(page, "/consent/check", "signing with no name and no tick")
        assert page.locator("main .error-summary li").count() == 2, "expected two errors"
        audit.check("/consent/check (signed with no name, no tick)", status=status)
    page.locator("#name").fill(SIGNED_NAME)
    page.locator("#understood").check()
    status = submit(page, f"{SIGN_FORM} button[type=submit]")
    _at(page, DONE, "signing")
    reference = page.locator("main .panel .code").inner_text().strip()
    assert REFERENCE.fullmatch(reference), f"no reference on the confirmation, found {reference!r}"
    assert reference in page.url
    audit.check(f"/consent/done/{reference}", status=status)
    return reference


def _title(page: Any) -> str:
    return " ".join(page.locator("main h1").inner_text().split())


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_consent_grant_change_and_stop_on_a_phone(
    demo_server: LiveServer, page: Any, language: str
) -> None:
    t = lambda message: ui_text(language, message)  # noqa: E731 - the app's own words
    kinds = demo_labels(language)["information_kinds"]
    audit = Audit(page, demo_server.base_url, "sam", language)

    sign_in(page, demo_server.base_url, "sam")
    choose_language(page, language)
    _at(page, "/home", "signing in")
    audit.check("/home")

    # Home -> "Choose who can know what".
    status = follow(page, page.locator("main a[href='/consent']", has_text=t("Choose who can know what")))
    _at(page, "/consent", "following the link from home")
    audit.check("/consent", status=status)
    assert page.locator("main a[href='/consent/stop']").count() == 0, "stop shown before any yes"

    # One yes and one no, for the GP.
    _answer(audit, "gp", "health", "yes", slip=True)
    status = follow(page, BACK_TO_OVERVIEW)  # "Add another change"
    assert page.locator("main a[href='/consent/check']").count() == 1, "no 'not signed yet' notice"
    audit.check("/consent (one change not signed yet)", status=status)
    _answer(audit, "gp", "contact-details", "no")
    first = _sign(audit, rows=2, slip=True)
    assert _title(page) == t("Your choices are saved")

    status = follow(page, BACK_TO_OVERVIEW)
    _at(page, "/consent", "back from the confirmation")
    assert kinds["health"] in _card(page, "gp").inner_text(), "the GP card does not show the yes"
    audit.check("/consent (signed: GP may know health)", status=status)

    # Change one decision: contact details, from no to yes.
    _answer(audit, "gp", "contact-details", "yes")
    second = _sign(audit, rows=1)
    assert second != first
    assert _title(page) == t("Your choices are saved")
    status = follow(page, BACK_TO_OVERVIEW)
    gp = _card(page, "gp").inner_text()
    assert kinds["health"] in gp and kinds["contact-details"] in gp, f"GP card after the change: {gp!r}"
    audit.check("/consent (changed: GP may know health and contact details)", status=status)

    # Stop all sharing: one confirmation, then done.
    status = follow(page, "main a[href='/consent/stop']")
    _at(page, "/consent/stop", "pressing Stop all sharing")
    audit.check("/consent/stop", status=status)
    status = submit(page, "main form[method=post] button[type=submit]")
    _at(page, DONE, "confirming Stop all sharing")
    third = page.locator("main .panel .code").inner_text().strip()
    assert REFERENCE.fullmatch(third) and third not in (first, second)
    assert _title(page) == t("All sharing is stopped"), f"done page says {_title(page)!r}"
    audit.check(f"/consent/done/{third} (all sharing stopped)", status=status)

    status = follow(page, BACK_TO_OVERVIEW)
    assert t("Nothing is shared with them.") in _card(page, "gp").inner_text()
    assert page.locator("main a[href='/consent/stop']").count() == 0, "stop still offered"
    status = follow(page, "main a[href='/consent/history']")
    assert page.locator("main .history-item").count() == 3, "history should list three changes"
    audit.check("/consent/history", status=status)

    audit.assert_clean()


@pytest.mark.browser
def test_consent_without_javascript(demo_server: LiveServer, new_page: Callable[..., Any]) -> None:
    """Sign in, say yes once, sign, stop all sharing: plain links and forms, no script."""
    page = new_page(java_script_enabled=False)
    base = demo_server.base_url
    sign_in(page, base, "sam")
    page.goto(base + "/home")
    status = follow(page, page.locator("main a[href='/consent']", has_text="Choose who can know what"))
    assert status == 200
    _at(page, "/consent", "following the link from home")

    status = follow(page, "main a[href='/consent/agency/police']")
    assert status == 200
    status = follow(page, "main a[href='/consent/agency/police/contact-details']")
    assert status == 200
    # The label, not the input: what a person presses.
    page.locator("main .radios__item:has(input[value=yes]) label").click()
    assert page.locator("main input[name=choice][value=yes]").is_checked()
    status = submit(page, CONTINUE)
    assert status == 200
    _at(page, "/consent/check", "answering yes")
    assert page.locator("main .summary-list__row").count() == 1

    # A slip first: the server's own checks answer, and no script runs (portal.js would have
    # moved focus to the error summary), which shows JavaScript really is off here.
    status = submit(page, f"{SIGN_FORM} button[type=submit]")
    assert status == 200
    _at(page, "/consent/check", "signing with no name and no tick")
    assert page.locator("main .error-summary li").count() == 2, "expected two errors"
    assert not page.evaluate("() => document.activeElement.matches('[data-focus]')"), (
        "focus moved to the error summary: the page's scripts ran, so this is not a no-JS test"
    )

    page.locator("#name").fill(SIGNED_NAME)
    page.locator("main label[for=understood]").click()
    assert page.locator("#understood").is_checked()
    status = submit(page, f"{SIGN_FORM} button[type=submit]")
    assert status == 200
    _at(page, DONE, "signing")
    assert _title(page) == "Your choices are saved"
    first = page.locator("main .panel .code").inner_text().strip()

    status = follow(page, BACK_TO_OVERVIEW)
    assert demo_labels("en")["information_kinds"]["contact-details"] in _card(page, "police").inner_text()
    status = follow(page, "main a[href='/consent/stop']")
    assert status == 200
    status = submit(page, "main form[method=post] button[type=submit]")
    assert status == 200
    _at(page, DONE, "confirming Stop all sharing")
    assert _title(page) == "All sharing is stopped"
    assert page.locator("main .panel .code").inner_text().strip() != first

    # The layout holds without script too: nothing scrolls sideways at 360 px. (Playwright
    # evaluates in the page even when the page's own scripts are switched off.)
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"{path_of(page)} scrolls sideways without JavaScript"


def _sam_says_yes(new_page: Callable[..., Any], base: str, agency: str, kind: str) -> None:
    """Sam, on their own phone, signs a yes for (agency, kind); no page checks."""
    page = new_page()
    sign_in(page, base, "sam")
    page.goto(f"{base}/consent/agency/{agency}/{kind}")
    page.locator("main input[name=choice][value=yes]").check()
    submit(page, CONTINUE)
    page.locator("#name").fill(SIGNED_NAME)
    page.locator("#understood").check()
    submit(page, f"{SIGN_FORM} button[type=submit]")
    _at(page, DONE, "Sam signing a yes")
    page.context.close()


@pytest.mark.browser
def test_staff_check_before_sharing(demo_server: LiveServer, new_page: Callable[..., Any]) -> None:
    base = demo_server.base_url
    _sam_says_yes(new_page, base, "gp", "health")

    page = new_page()
    audit = Audit(page, base, "jo", "en")
    sign_in(page, base, "jo")

    # Find Sam: search by name (a POST, so the name stays out of the address), open the record.
    audit.visit("/staff/people")
    page.locator("main form[role=search] input[name=q]").fill("Sam")
    status = submit(page, "main form[role=search] button[type=submit]")
    audit.check("/staff/people (searched for Sam)", status=status)
    status = follow(page, page.locator("main table a", has_text="Sam Taylor"))
    record = path_of(page)
    assert re.fullmatch(r"/staff/people/[^/]+", record), f"not on a person's record: {page.url}"
    audit.check(f"{record} (Sam's record)", status=status)

    status = follow(page, f"main a[href='{record}/consent']")
    consent = f"{record}/consent"
    _at(page, consent, "opening Sam's consent page")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and "Yes: they agreed." in rows.first.inner_text()
    audit.check(consent, status=status)

    # The check, first without a purpose (an error), then with one.
    check_button = "main form:has(#purpose) button[type=submit]"
    page.locator("#agency").select_option("gp")
    page.locator("#kind").select_option("health")
    status = submit(page, check_button)
    assert page.locator("main .error-summary").count() == 1, "no error for a missing purpose"
    audit.check(f"{consent} (checked with no purpose)", status=status)

    page.locator("#agency").select_option("gp")
    page.locator("#kind").select_option("health")
    page.locator("#purpose").fill("Referral to the GP for a health check")
    status = submit(page, check_button)
    _at(page, consent, "checking gp + health")
    answer = page.locator("main [role=status].panel")
    assert answer.count() == 1, "no answer shown after the check"
    text = " ".join(answer.inner_text().split())
    labels = demo_labels("en")
    assert "Yes: they agreed." in text, f"the answer says {text!r}"
    assert labels["agencies"]["gp"] in text and labels["information_kinds"]["health"] in text
    audit.check(f"{consent} (checked: gp, health)", status=status)

    audit.assert_clean()
