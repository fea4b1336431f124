"""Two-step sign-in for staff (security.md, ASVS 5 6.3.3), on a 360 px screen with the demo:

Jo sets it up from "Your account" (the QR code drawn on the server, and the key to type in),
a wrong code is a clear message, the right one turns it on and shows recovery codes once;
Jo signs out, and signing in then asks for a code after the password. Then in Arabic (right
to left). Every page is checked with axe-core, for sideways scrolling and for <html lang/dir>.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest

from portal.cli import DEMO_PASSWORD

from .support import ACCOUNTS, Audit, LiveServer, choose_language, follow, path_of, sign_out, submit

SUBMIT = "main form[method=post] button[type=submit]"


@pytest.mark.browser
def test_staff_set_up_two_step_sign_in_and_use_it(
    demo_server: LiveServer, new_page: Callable[..., Any]
) -> None:
    base = demo_server.base_url
    page = new_page()
    audit = Audit(page, base, "jo", "en")
    page.goto(base + "/sign-in")
    page.locator("#sign_in_name").fill(ACCOUNTS["jo"])
    page.locator("#password").fill(DEMO_PASSWORD)
    submit(page, SUBMIT)

    audit.visit("/account/two-step")
    status = follow(page, "main a[href='/account/two-step/new']")
    audit.check("/account/two-step/new", status=status)
    status = submit(page, SUBMIT)
    assert urlsplit(page.url).path == "/account/two-step/set-up", f"not on set-up: {page.url}"
    assert page.locator("main svg[role=img] title").count() == 1, "no QR code with a text alternative"
    audit.check("/account/two-step/set-up", status=status)
    secret = page.locator("main dd.code").inner_text().replace(" ", "")

    page.locator("main input[name=code]").fill("000000")
    status = submit(page, SUBMIT)
    assert page.locator("main .error-summary").count() == 1, "a wrong code was not refused"
    audit.check("/account/two-step/set-up (wrong code)", status=status)

    page.locator("main input[name=code]").fill(pyotp.TOTP(secret).now())
    status = submit(page, SUBMIT)
    codes = page.locator("main ol li.code").all_inner_texts()
    assert len([c for c in codes if c.strip()]) >= 10, f"no recovery codes shown: {codes}"
    audit.check(f"{path_of(page)} (recovery codes, shown once)", status=status)

    sign_out(page)  # straight from the codes page (its forms carry the new session's token)
    page.locator("#sign_in_name").fill(ACCOUNTS["jo"])
    page.locator("#password").fill(DEMO_PASSWORD)
    status = submit(page, SUBMIT)
    assert urlsplit(page.url).path == "/sign-in/code", f"no code asked for: {page.url}"
    audit.check("/sign-in/code", status=status)
    # A code from the next time step: the one used to turn it on can't be used again.
    page.locator("main input[name=code]").fill(pyotp.TOTP(secret).at(time.time() + 30))
    status = submit(page, SUBMIT)
    assert urlsplit(page.url).path == "/staff/", f"not signed in after the code: {page.url}"

    choose_language(page, "ar")
    arabic = Audit(page, base, "jo", "ar")
    arabic.visit("/account/two-step")
    arabic.visit("/account/two-step/recovery-codes")  # asks for the password again, or offers new codes

    audit.problems += arabic.problems
    audit.pages_checked += arabic.pages_checked
    audit.assert_clean()
