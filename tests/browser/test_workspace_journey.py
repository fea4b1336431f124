"""The staff workspace and need to know (issue 7, SEC-1), on a 360 px screen with the demo:

Jo starts on the workspace (English, then Arabic, right to left), searches for Robin by date
of birth, and is asked why before Robin's record opens (Robin is Morgan's, not Jo's); a slip
(no reason chosen) is a clear message; with a reason the record opens and says Robin is not on
Jo's caseload. Morgan then sees Jo's reason on the record's access list. Every page is
checked with axe-core, for sideways scrolling and for <html lang/dir>.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from .support import Audit, LiveServer, choose_language, follow, path_of, sign_in, submit

RECORD = re.compile(r"/staff/people/[^/]+")
OPEN = re.compile(r"/staff/people/[^/]+/open")


def _at(page: Any, path: re.Pattern[str] | str, what: str) -> None:
    here = urlsplit(page.url).path
    ok = path.fullmatch(here) if isinstance(path, re.Pattern) else here == path
    assert ok, f"{what}: expected {getattr(path, 'pattern', path)}, but on {page.url}"


@pytest.mark.browser
def test_workspace_search_and_a_reason_to_open_a_record(
    demo_server: LiveServer, new_page: Callable[..., Any]
) -> None:
    base = demo_server.base_url
    jo = new_page()
    audit = Audit(jo, base, "jo", "en")
    sign_in(jo, base, "jo")
    _at(jo, "/staff/", "signing in as staff")
    assert jo.locator("main #queue").count() == 1, "no 'Waiting for a decision' list"
    # Sam (Jo's) has not read the current policy: it is waiting, with Sam's name.
    assert jo.locator("main ol.queue li", has_text="Sam Taylor").count() == 1
    audit.check("/staff/ (workspace, for you)")
    status = follow(jo, "main a[href*='show=everyone']")
    assert jo.locator("main ol.queue li").count() >= 2
    audit.check("/staff/?show=everyone", status=status)

    # Robin, by date of birth, from the search box on the workspace.
    jo.locator("main form[role=search] input[name=q]").fill("2/11/1988")
    status = submit(jo, "main form[role=search] button[type=submit]")
    audit.check("/staff/people (searched by date of birth)", status=status)
    status = follow(jo, jo.locator("main table a", has_text="Robin Green"))
    _at(jo, OPEN, "opening a record not on Jo's caseload")
    audit.check(f"{path_of(jo)} (why?)", status=status)

    status = submit(jo, "main form button[type=submit]")
    assert jo.locator("main .error-summary").count() == 1, "no message when no reason was chosen"
    audit.check(f"{path_of(jo)} (no reason chosen)", status=status)

    jo.locator("main input[name=reason][value=contacted-us]").check()
    jo.locator("main textarea[name=details]").fill("Phoned about a visit")
    status = submit(jo, "main form button[type=submit]")
    _at(jo, RECORD, "giving a reason")
    record = path_of(jo)
    assert "not on your caseload" in jo.locator("main").inner_text()
    audit.check(f"{record} (opened with a reason)", status=status)

    # The workspace in Arabic: right to left, still clean.
    choose_language(jo, "ar")
    arabic = Audit(jo, base, "jo", "ar")
    arabic.visit("/staff/")
    arabic.visit("/staff/?show=everyone")
    arabic.visit("/staff/people")

    morgan = new_page()
    manager = Audit(morgan, base, "morgan", "en")
    sign_in(morgan, base, "morgan")
    manager.check("/staff/ (workspace, everyone)")
    manager.visit(record)
    status = follow(morgan, f"main a[href='{record}/access']")
    rows = morgan.locator("main table tbody tr")
    assert rows.count() == 1 and "Phoned about a visit" in rows.first.inner_text()
    manager.check(f"{record}/access", status=status)

    for other in (arabic, manager):
        audit.problems += other.problems
        audit.pages_checked += other.pages_checked
    audit.assert_clean()
