"""Figures without names (DIS-5, 000 §4.4b): disclosures and consent decisions by month,
agency and kind of information, with every count from 1 to 4 shown as "fewer than 5".

How nothing small can be worked out by subtraction:
- There is one level of detail only (month x agency x kind) and no totals: no row, column or
  grand total is shown anywhere, in the table, the CSV or the chart.
- Periods are fixed calendar months (no chosen date range), so two overlapping reports can't
  be subtracted from each other.
- The chart draws, for each month, only what the table already says: a solid bar for the sum
  of the figures shown exactly, and a pale band for the range the suppressed figures could
  add (1 to 4 each). It reveals nothing the table does not.

Only ``figures()`` sees the true small counts; everything a page or file shows comes from
``report()``, which has already suppressed them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from portal.consent.models import Choice, ConsentDecision
from portal.disclosures.models import SHARED, Disclosure, DisclosureKind
from portal.extensions import db
from portal.i18n import organisation_zone

SMALLEST_SHOWN = 5

Key = tuple[str, str, str]  # (month "YYYY-MM", agency id, kind id)


def _month(moment: datetime) -> str:
    return moment.astimezone(organisation_zone()).strftime("%Y-%m")


@dataclass(frozen=True)
class Counts:
    disclosures: Counter[Key]
    consent: dict[Choice, Counter[Key]]


def figures() -> Counts:
    """The true counts. Never shown as they are: see ``report()``."""
    disclosures: Counter[Key] = Counter()
    rows = db.session.execute(
        select(Disclosure.shared_at, Disclosure.agency, DisclosureKind.information_kind)
        .join(DisclosureKind, DisclosureKind.disclosure_id == Disclosure.id)
        .where(Disclosure.status.in_(list(SHARED)), Disclosure.shared_at.is_not(None))
    ).tuples()
    for shared_at, agency, kind in rows:
        assert shared_at is not None
        disclosures[(_month(shared_at), agency, kind)] += 1
    consent: dict[Choice, Counter[Key]] = {choice: Counter() for choice in Choice}
    decisions = db.session.execute(
        select(ConsentDecision.created_at, ConsentDecision.agency, ConsentDecision.information_kind,
               ConsentDecision.choice)
    ).tuples()
    for created_at, agency, kind, choice in decisions:
        consent[choice][(_month(created_at), agency, kind)] += 1
    return Counts(disclosures, consent)


def suppressed(count: int) -> int | None:
    """A count as it may be shown: None stands for "fewer than 5" (1 to 4). Zero is shown:
    it names nobody."""
    return None if 0 < count < SMALLEST_SHOWN else count


@dataclass(frozen=True)
class Row:
    month: str
    agency: str
    kind: str
    disclosures: int | None  # None: fewer than 5
    consent_yes: int | None
    consent_no: int | None
    consent_ask: int | None

    @property
    def cells(self) -> tuple[int | None, ...]:
        return (self.disclosures, self.consent_yes, self.consent_no, self.consent_ask)


def report() -> list[Row]:
    """One row per month, agency and kind that has anything, newest month first; every
    count from 1 to 4 suppressed, no totals."""
    counts = figures()
    keys = set(counts.disclosures)
    for counter in counts.consent.values():
        keys |= set(counter)
    ordered = sorted(keys, key=lambda key: (-int(key[0].replace("-", "")), key[1], key[2]))
    return [
        Row(month, agency, kind, suppressed(counts.disclosures[(month, agency, kind)]),
            suppressed(counts.consent[Choice.YES][(month, agency, kind)]),
            suppressed(counts.consent[Choice.NO][(month, agency, kind)]),
            suppressed(counts.consent[Choice.ASK][(month, agency, kind)]))
        for month, agency, kind in ordered
    ]


def month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return str(format_date(date(year, number, 1), "LLLL y"))


def shown(value: int | None) -> str:
    return _("fewer than 5") if value is None else str(value)


# --- the chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    month: str
    exact: int  # the sum of the figures shown exactly
    hidden: int  # how many figures are "fewer than 5"

    @property
    def low(self) -> int:
        return self.exact + self.hidden

    @property
    def high(self) -> int:
        return self.exact + 4 * self.hidden


def bars(rows: list[Row]) -> list[Bar]:
    """Per month, from the suppressed table only: what the disclosures column adds up to."""
    exact: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    months: list[str] = []
    for row in rows:
        if row.month not in months:
            months.append(row.month)
        if row.disclosures is None:
            hidden[row.month] += 1
        else:
            exact[row.month] += row.disclosures
    return [Bar(month, exact[month], hidden[month]) for month in months]


BAR_HEIGHT, GAP, LABEL_WIDTH, CHART_WIDTH = 24, 10, 150, 360


def chart_svg(rows: list[Row]) -> Markup:
    """A horizontal bar chart drawn on the server: no script, no style attributes (the CSP
    allows neither), only SVG presentation attributes."""
    drawn = bars(rows)
    top = max((bar.high for bar in drawn), default=0) or 1
    height = max(len(drawn), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + CHART_WIDTH + 110
    title = _("Information shared, by month")
    description = _("For each month, the disclosures column of the table added up. The solid bar "
                    "is the least it can be; the pale band is how much more the figures shown as "
                    "fewer than 5 could add.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="chart-title chart-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(drawn):
        y = GAP + index * (BAR_HEIGHT + GAP)
        exact_width = round(CHART_WIDTH * bar.low / top)
        band_width = round(CHART_WIDTH * bar.high / top) - exact_width
        label = month_label(bar.month)
        value = str(bar.exact) if bar.hidden == 0 else f"{bar.low}–{bar.high}"
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" font-size="14" '
                     f'fill="#0b0c0c">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{exact_width}" height="{BAR_HEIGHT}" '
                     f'fill="#1d70b8"/>')
        if band_width > 0:
            parts.append(f'<rect x="{LABEL_WIDTH + exact_width}" y="{y}" width="{band_width}" '
                         f'height="{BAR_HEIGHT}" fill="#9fc3e3" stroke="#1d70b8" stroke-dasharray="4 2"/>')
        parts.append(f'<text x="{LABEL_WIDTH + exact_width + band_width + 6}" y="{y + 17}" '
                     f'font-size="14" fill="#0b0c0c">{escape(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


# --- the CSV -------------------------------------------------------------------------------


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets: make it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_text(rows: list[Row], agencies: dict[str, str], kinds: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Month"), _("Organisation"), _("Information"), _("Disclosures"),
                     _("Consent given"), _("Consent refused or withdrawn"), _("Ask each time")])
    for row in rows:
        writer.writerow([row.month, _safe_cell(agencies.get(row.agency, row.agency)),
                         _safe_cell(kinds.get(row.kind, row.kind)), *(shown(cell) for cell in row.cells)])
    return out.getvalue()
