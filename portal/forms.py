"""Form helpers shared by every feature: a date field people can type, and sign-in names."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, ValidationError


def looks_like_date(text: str) -> bool:
    """Three groups of digits: a day, a month and a year (27 3 2007, 27/03/2007, 27.3.2007)."""
    parts = re.split(r"[\s/.\-]+", text.strip())
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def day_month_year(text: str) -> date:
    """The date in ``text`` (checked with ``looks_like_date`` first); a translated
    ValueError if there is no such day."""
    day, month, year = (int(part) for part in re.split(r"[\s/.\-]+", text.strip()))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(str(_l("Enter a real date, like 27 3 2007."))) from exc


class DayMonthYearField(StringField):
    """A date typed as day, month and year (e.g. 27 3 2007 or 27/03/2007). GOV.UK advises
    against browser date pickers on phones; one text box is the next simplest."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        if not looks_like_date(self.raw):
            raise ValueError(str(_l("Enter the date as day, month and year, like 27 3 2007.")))
        self.data = day_month_year(self.raw)

    def _value(self) -> str:
        if getattr(self, "raw", None):
            return str(self.raw)
        if isinstance(self.data, date):
            return f"{self.data.day} {self.data.month} {self.data.year}"
        return ""


def not_in_future(_form: Any, field: Any) -> None:
    if field.data and field.data > date.today():
        raise ValidationError(str(_l("The date must be today or in the past.")))


def at_most(count: int) -> Length:
    """A length limit with our own translated message (WTForms' own is English only)."""
    return Length(max=count, message=_l("That is too long. Use %(max)d characters or fewer."))
