"""The disclosure register, on a 360 px screen (issue 7, Done 5), with the demo organisation's
pack (one approval needed, from a manager):

Jo (staff) records a share about Sam that Sam has not agreed to, on an exceptional
circumstance that is not an emergency, so it waits for approval; Morgan (manager) finds it in
the list on the staff home and approves it; Sam then sees it on "What we shared". Every page
on the way is checked with axe-core (WCAG 2.2 AA and target size), for sideways scrolling and
for <html lang/dir>.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from .support import Audit, LiveServer, demo_labels, follow, path_of, sign_in, submit

PERSON = re.compile(r"/staff/people/([^/]+)")
DETAIL = re.compile(r"/staff/people/[^/]+/disclosures/([^/]+)")
AGENCY, KIND, CHANNEL = "police", "health", "secure-email"
CIRCUMSTANCE = "child-at-risk"  # in the pack, but not "immediate": it waits for approval
PURPOSE = "Child protection strategy meeting"
RECORD = "main form button[name=action][value=record]"
CHECK = "main form button[name=action][value=check]"


def _at(page: Any, path: str | re.Pattern[str], what: str) -> None:
    here = urlsplit(page.url).path
    ok = path.fullmatch(here) if isinstance(path, re.Pattern) else here == path
    assert ok, f"{what}: expected to be on {getattr(path, 'pattern', path)}, but on {page.url}"


def _status_row(page: Any) -> str:
    row = page.locator("main .summary-list__row", has=page.locator("dt", has_text="Status"))
    return " ".join(row.inner_text().split())


@pytest.mark.browser
def test_disclosure_record_approve_and_person_view(
    demo_server: LiveServer, new_page: Callable[..., Any]
) -> None:
    base = demo_server.base_url
    labels = demo_labels("en")

    # --- Jo records it: no consent, an exceptional circumstance, waiting for approval -------
    jo = new_page()
    audit = Audit(jo, base, "jo", "en")
    sign_in(jo, base, "jo")
    audit.visit("/staff/people")
    jo.locator("main form[role=search] input[name=q]").fill("Sam")
    submit(jo, "main form[role=search] button[type=submit]")
    status = follow(jo, jo.locator("main table a", has_text="Sam Taylor"))
    _at(jo, PERSON, "opening Sam's record")
    record = path_of(jo)
    audit.check(f"{record} (Sam's record)", status=status)

    status = follow(jo, f"main a[href='{record}/disclosures']")
    _at(jo, f"{record}/disclosures", "opening Sam's disclosures")
    audit.check(f"{record}/disclosures (none yet)", status=status)

    status = follow(jo, f"main a[href='{record}/disclosures/new']")
    _at(jo, f"{record}/disclosures/new", "pressing Record a disclosure")
    audit.check(f"{record}/disclosures/new", status=status)

    jo.locator("#agency").select_option(AGENCY)
    jo.locator(f"main input[name=kinds][value={KIND}]").check()
    jo.locator("#purpose").fill(PURPOSE)
    jo.locator(f"main input[name=channel][value={CHANNEL}]").check()
    status = submit(jo, CHECK)
    panel = jo.locator("main .panel[role=status]")
    assert panel.count() == 1, "no consent check shown"
    assert "panel--no" in (panel.get_attribute("class") or ""), "Sam has agreed to nothing, yet"
    audit.check(f"{record}/disclosures/new (consent checked: not agreed)", status=status)

    # A slip: recording without naming the circumstance.
    status = submit(jo, RECORD)
    assert jo.locator("main .error-summary").count() == 1, "recorded without a circumstance"
    audit.check(f"{record}/disclosures/new (no circumstance named)", status=status)

    jo.locator("#circumstance").select_option(CIRCUMSTANCE)
    status = submit(jo, RECORD)
    _at(jo, DETAIL, "recording the disclosure")
    match = DETAIL.fullmatch(urlsplit(jo.url).path)
    assert match is not None
    reference = match.group(1)
    assert "Waiting for approval" in _status_row(jo), f"status: {_status_row(jo)!r}"
    assert jo.locator("main form[action$='/approve']").count() == 0, "Jo may approve their own"
    audit.check(f"{record}/disclosures/{reference} (pending)", status=status)

    # Sam sees nothing yet: it has not happened.
    sam = new_page()
    sam_audit = Audit(sam, base, "sam", "en")
    sign_in(sam, base, "sam")
    sam_audit.visit("/what-we-shared")
    assert sam.locator("main .history-item").count() == 0, "a pending disclosure is shown to Sam"

    # --- Morgan approves it from the staff home ------------------------------------------------
    morgan = new_page()
    manager = Audit(morgan, base, "morgan", "en")
    sign_in(morgan, base, "morgan")
    waiting = morgan.locator(f"main ol.queue a[href$='/disclosures/{reference}']")
    assert waiting.count() == 1, "the disclosure is not in Morgan's list waiting for approval"
    manager.check(f"{path_of(morgan)} (staff home, one waiting)")
    status = follow(morgan, waiting)
    _at(morgan, DETAIL, "opening the disclosure from the staff home")
    manager.check(f"{path_of(morgan)} (Morgan may approve)", status=status)
    status = submit(morgan, "main form[action$='/approve'] button[type=submit]")
    _at(morgan, DETAIL, "approving")
    assert morgan.locator("main .notice--success").count() == 1, "no message that it is approved"
    assert _status_row(morgan).endswith("Done"), f"status after approval: {_status_row(morgan)!r}"
    manager.check(f"{path_of(morgan)} (approved, done)", status=status)
    manager.visit("/staff")
    assert morgan.locator(f"main a[href$='/disclosures/{reference}']").count() == 0, "still waiting"

    # --- Sam sees it on "What we shared" ------------------------------------------------------
    sam.goto(base + "/home")
    status = follow(sam, "main a[href='/what-we-shared']")
    _at(sam, "/what-we-shared", "following the link from home")
    items = sam.locator("main .history-item")
    assert items.count() == 1, f"expected one disclosure shown, found {items.count()}"
    text = " ".join(items.first.inner_text().split())
    circumstance = labels["exceptional_circumstances"][CIRCUMSTANCE]["title"]
    for expected in (
        labels["agencies"][AGENCY],
        labels["information_kinds"][KIND],
        PURPOSE,
        reference,
        circumstance,
    ):
        assert expected in text, f"'What we shared' does not say {expected!r}: {text!r}"
    sam_audit.check("/what-we-shared (one shared)", status=status)

    audit.problems += manager.problems + sam_audit.problems
    audit.pages_checked += manager.pages_checked + sam_audit.pages_checked
    audit.assert_clean()
