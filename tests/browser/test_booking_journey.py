"""Asking to see one's file, on a 360 px screen (issue 5, Done 3), with the demo
organisation's pack (24 hours' notice; staff and managers may supervise):

Sam asks for a visit (day, time, needs, check answers, send, confirmation); Jo (staff) opens
the queue and confirms it with a supervisor the page offers; Sam sees it confirmed and
downloads the calendar file, which says only "Appointment". Every page on the way is checked
with axe-core (WCAG 2.2 AA and target size), for sideways scrolling and for <html lang/dir>.

The day and time are the first ones the pages offer, never written into the test: what is
offered depends on today's date, the notice period and the opening hours.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from .support import Audit, LiveServer, follow, path_of, sign_in, submit, submit_main_form

SENT = re.compile(r"/bookings/sent/([A-Z0-9-]+)")
STAFF_BOOKING = re.compile(r"/staff/bookings/\d+")


def _at(page: Any, path: str | re.Pattern[str], what: str) -> None:
    here = urlsplit(page.url).path
    ok = path.fullmatch(here) if isinstance(path, re.Pattern) else here == path
    assert ok, f"{what}: expected to be on {getattr(path, 'pattern', path)}, but on {page.url}"


def _first_choice(page: Any, name: str) -> str:
    """Choose the first radio button offered for `name` (by its label, as a person would)."""
    first = page.locator(f"main input[type=radio][name={name}]").first
    assert first.count() == 1, f"{path_of(page)}: no {name} offered"
    value = first.get_attribute("value") or ""
    page.locator(f"main label[for='{first.get_attribute('id')}']").click()
    assert first.is_checked()
    return value


@pytest.mark.browser
def test_booking_path_on_a_phone(demo_server: LiveServer, new_page: Callable[..., Any]) -> None:
    base = demo_server.base_url

    # --- Sam asks for a visit ----------------------------------------------------------
    sam = new_page()
    audit = Audit(sam, base, "sam", "en")
    sign_in(sam, base, "sam")
    _at(sam, "/home", "signing in")
    audit.check("/home")

    status = follow(sam, "main a[href='/bookings']")  # "Ask to see your file"
    _at(sam, "/bookings", "following the link from home")
    audit.check("/bookings", status=status)

    status = follow(sam, "main a[href='/bookings/day']")  # "Ask for a visit"
    _at(sam, "/bookings/day", "asking for a visit")
    audit.check("/bookings/day", status=status)

    # A slip first: Continue with no day chosen.
    status = submit_main_form(sam)
    _at(sam, "/bookings/day", "Continue with no day")
    assert sam.locator("main .error-summary").count() == 1, "no error summary for a missing day"
    audit.check("/bookings/day (no day chosen)", status=status)

    day = _first_choice(sam, "day")
    status = submit_main_form(sam)
    _at(sam, "/bookings/time", f"choosing the day {day}")
    audit.check("/bookings/time", status=status)

    start = _first_choice(sam, "start")
    status = submit_main_form(sam)
    _at(sam, "/bookings/needs", f"choosing the time {start}")
    audit.check("/bookings/needs", status=status)

    for name, value in (("interpreter", "no"), ("advocate_coming", "no"), ("copy_to_take_away", "yes")):
        sam.locator(f"main input[name={name}][value={value}]").check()
    sam.locator("#access_needs").fill("Step-free access, please")
    status = submit_main_form(sam)
    _at(sam, "/bookings/check", "answering the needs questions")
    assert sam.locator("main .summary-list__row").count() == 6, "check answers: expected six rows"
    assert "Step-free access, please" in sam.locator("main .summary-list").inner_text()
    audit.check("/bookings/check", status=status)

    status = submit_main_form(sam)  # "Send"
    _at(sam, SENT, "sending the request")
    reference = sam.locator("main .panel .code").inner_text().strip()
    assert reference and reference in sam.url, f"no reference on the confirmation: {reference!r}"
    audit.check(f"/bookings/sent/{reference}", status=status)

    status = follow(sam, f"main a[href='/bookings/{reference}']")  # "See your visit"
    _at(sam, f"/bookings/{reference}", "opening the visit")
    assert sam.locator("main a[href$='calendar.ics']").count() == 0, "calendar offered before confirmation"
    audit.check(f"/bookings/{reference} (waiting)", status=status)

    # --- Jo confirms it with a supervisor the page offers ---------------------------------
    jo = new_page()
    staff_audit = Audit(jo, base, "jo", "en")
    sign_in(jo, base, "jo")
    staff_audit.check("/staff (staff home)")
    status = follow(jo, "main a[href='/staff/bookings']")
    _at(jo, "/staff/bookings", "opening the queue from the staff home")
    waiting = jo.locator("main table tbody tr")
    assert waiting.count() == 1, f"expected one request waiting, found {waiting.count()}"
    staff_audit.check("/staff/bookings (one waiting)", status=status)

    status = follow(jo, waiting.first.locator("a"))
    _at(jo, STAFF_BOOKING, "opening the request")
    assert reference in jo.locator("main .caption").inner_text()
    assert "Step-free access, please" in jo.locator("main .summary-list").inner_text()
    staff_audit.check(f"{path_of(jo)} (pending)", status=status)

    options = jo.locator("#supervisor option")
    assert options.count() >= 1, "no eligible supervisor offered"
    supervisor = options.first.inner_text().strip()
    jo.locator("#supervisor").select_option(index=0)
    status = submit(jo, "main form[action$='/confirm'] button[type=submit]")
    _at(jo, "/staff/bookings", "confirming")
    assert jo.locator("main .notice--success").count() == 1, "no confirmation message"
    assert jo.locator("main table tbody tr").count() == 0, "the request is still waiting"
    assert jo.locator("main ul.list a").count() == 1, "no confirmed visit listed"
    staff_audit.check("/staff/bookings (confirmed)", status=status)

    # --- Sam sees it confirmed and downloads the calendar file ---------------------------
    status = sam.goto(base + "/bookings").status
    audit.check("/bookings (confirmed)", status=status)
    status = follow(sam, f"main a[href='/bookings/{reference}']")
    _at(sam, f"/bookings/{reference}", "opening the confirmed visit")
    assert sam.locator("main .notice--success").count() == 1, "the visit is not shown as confirmed"
    audit.check(f"/bookings/{reference} (confirmed)", status=status)

    ics_link = sam.locator("main a[href$='calendar.ics']")
    assert ics_link.count() == 1, "no calendar link on the confirmed visit"
    with sam.expect_download() as download_info:
        ics_link.click()
    download = download_info.value
    assert download.suggested_filename == "appointment.ics"
    ics = open(download.path(), encoding="utf-8").read()  # noqa: SIM115 - a temporary file
    assert ics.startswith("BEGIN:VCALENDAR"), f"not a calendar file: {ics[:60]!r}"
    assert "BEGIN:VEVENT" in ics and "DTSTART" in ics
    summaries = re.findall(r"(?m)^SUMMARY:(.*?)\r?$", ics)
    assert summaries == ["Appointment"], f"the calendar entry is not neutral: {summaries}"
    for telling in ("file", "record", "Sam", supervisor, "Harbour", reference):
        assert telling.lower() not in ics.lower().replace(f"{reference.lower()}@portal", ""), (
            f"the calendar file mentions {telling!r}"
        )

    audit.problems[:0] = staff_audit.problems
    audit.pages_checked += staff_audit.pages_checked
    audit.assert_clean()
