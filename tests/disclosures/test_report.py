"""Figures without names (issue 7, Done 3; DIS-5): the report matches the data, and every
count from 1 to 4 is shown as "fewer than 5", in the table, the chart and the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Account
from portal.consent.models import Choice
from portal.consent.services import Wanted, record_change
from portal.db import utcnow
from portal.disclosures import report, services
from portal.extensions import db
from portal.i18n import organisation_zone
from portal.people.models import Person
from tests.conftest import World, sign_in_as

REPORT = "/staff/disclosures/report"


def _share(app: Flask, world: World, agency: str, kind: str, times: int, *, at: datetime | None = None) -> None:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        jo = db.session.get(Account, world.jo.id)
        assert person and jo
        for _ in range(times):
            services.record_disclosure(person, agency=agency, kinds=[kind], purpose="Figures test",
                                       channel="post", by=jo, now=at)
        db.session.commit()


def _consent_yes(app: Flask, world: World, agency: str, kind: str) -> None:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        sam = db.session.get(Account, world.sam.id)
        assert person and sam
        record_change(person, {(agency, kind): Wanted(Choice.YES)}, by=sam, language="en")
        db.session.commit()


def _manager(app: Flask, world: World) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, world.morgan)
    return client


def _this_month() -> str:
    return utcnow().astimezone(organisation_zone()).strftime("%Y-%m")


def test_report_figures_match_the_data_and_small_counts_are_suppressed(app: Flask, world: World) -> None:
    # Six shares with consent to the health visitor about parenting: shown as 6.
    _share(app, world, "health-visitor", "parenting", 6)
    # Two to the family court, after Sam agreed: fewer than 5.
    _consent_yes(app, world, "family-court", "parenting")
    _share(app, world, "family-court", "parenting", 2)
    # Five in an earlier month: its own row.
    earlier = utcnow() - timedelta(days=70)
    _share(app, world, "health-visitor", "parenting", 5, at=earlier)
    # A share still waiting for approval has not happened: not counted.
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        jo = db.session.get(Account, world.jo.id)
        assert person and jo
        services.record_disclosure(person, agency="family-court", kinds=["contact-details"], purpose="x",
                                   channel="post", circumstance="court-order", by=jo)
        db.session.commit()

    with app.app_context():
        rows = {(row.month, row.agency, row.kind): row for row in report.report()}
        month = _this_month()
        earlier_month = earlier.astimezone(organisation_zone()).strftime("%Y-%m")
    assert rows[(month, "health-visitor", "parenting")].disclosures == 6
    # The world's one yes for the health visitor, and Sam's one yes for the court: suppressed.
    assert rows[(month, "health-visitor", "parenting")].consent_yes is None
    assert rows[(month, "family-court", "parenting")].disclosures is None
    assert rows[(month, "family-court", "parenting")].consent_yes is None
    assert rows[(month, "family-court", "parenting")].consent_no == 0
    assert rows[(earlier_month, "health-visitor", "parenting")].disclosures == 5
    assert (month, "family-court", "contact-details") not in rows

    page = _manager(app, world).get(REPORT).get_data(as_text=True)
    table = page.split("<table", 1)[1]
    assert "fewer than 5" in table and "<td>6</td>" in table and "<td>5</td>" in table
    assert "<td>2</td>" not in table and "<td>1</td>" not in table
    # No totals anywhere: nothing to subtract from.
    assert "Total" not in page and "<td>11</td>" not in page and "<td>13</td>" not in page


def test_the_chart_is_svg_drawn_on_the_server_and_reveals_no_small_count(app: Flask, world: World) -> None:
    _share(app, world, "health-visitor", "parenting", 6)
    _consent_yes(app, world, "family-court", "parenting")
    _share(app, world, "family-court", "parenting", 2)
    response = _manager(app, world).get(REPORT)
    page = response.get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart and "<title" in chart and "<script" not in chart
    assert " style=" not in page  # the CSP allows no inline style
    # The month's bar is a range (6 exact + a hidden 1 to 4), never the true 8.
    assert "7–10" in chart and ">8<" not in chart
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_csv_has_the_same_suppressed_figures(app: Flask, world: World) -> None:
    _share(app, world, "health-visitor", "parenting", 6)
    _consent_yes(app, world, "family-court", "parenting")
    _share(app, world, "family-court", "parenting", 3)
    response = _manager(app, world).get(REPORT + ".csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["Month", "Organisation", "Information", "Disclosures"]
    by_agency = {row[1]: row for row in rows[1:]}
    assert by_agency["Your health visitor"][3] == "6"
    assert by_agency["The family court"][3] == "fewer than 5"
    assert all(cell not in ("1", "2", "3", "4") for row in rows[1:] for cell in row[3:])


def test_the_report_is_for_managers_and_administrators_only(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.jo)
    assert client.get(REPORT).status_code == 403
    assert client.get(REPORT + ".csv").status_code == 403
