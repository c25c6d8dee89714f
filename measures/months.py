"""Months: every period in the tracker is the first day of a month (`Measurement.period`, phase
breaks, excluded points, completions). One place for month arithmetic, for the key forms, URLs
and the API use ("2025-01") and for the labels charts and tables show ("jan. 2025").

Pure date functions; only `current_month` (today's date) and `month_label` (the active language)
look outside their arguments. Arithmetic on any day (clamped to the month's end, e.g. a network's
end date) is teams.models.add_months, which this module's `add_months` uses on day 1.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from django.utils import formats, timezone, translation

from teams.models import add_months as teams_add_months

MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: date) -> date:
    """The first day of `day`'s month (a datetime counts by its date)."""
    if isinstance(day, datetime):
        day = day.date()
    return day.replace(day=1)


def current_month(today: date | None = None) -> date:
    """This month in the site's time zone (or `today`'s month)."""
    return month_start(today or timezone.localdate())


def add_months(period: date, months: int) -> date:
    """The month `months` after `period`'s month (negative: before); always day 1."""
    return teams_add_months(month_start(period), months)


def next_month(period: date) -> date:
    return add_months(period, 1)


def previous_month(period: date) -> date:
    return add_months(period, -1)


def month_range(first: date, last: date) -> list[date]:
    """Every month from `first`'s to `last`'s, both included, oldest first (empty if last < first)."""
    months, period, end = [], month_start(first), month_start(last)
    while period <= end:
        months.append(period)
        period = next_month(period)
    return months


def months_back(last: date, count: int) -> list[date]:
    """`count` months ending with `last`'s month, oldest first."""
    return [add_months(month_start(last), -offset) for offset in range(count - 1, -1, -1)]


def month_key(period: date) -> str:
    """A month as forms, URLs and the API write it: "2025-01"."""
    return period.strftime("%Y-%m")


def parse_month_key(key: str) -> date | None:
    """ "2025-01" -> date(2025, 1, 1); None for anything else (also "2025-1" or "2025-13")."""
    match = MONTH_KEY.match((key or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if year < 1 or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def parse_period(value: str | date | None) -> date | None:
    """A stored period ("2025-01-01", as in ChartResult.data) or a date; None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


@lru_cache(maxsize=2048)
def _month_label(period: date, language: str, long: bool) -> str:
    with translation.override(language):
        return formats.date_format(period, "b. Y" if long else "b. y")


def month_label(period: date, *, long: bool = True) -> str:
    """A month as the active language writes it: "jan. 2025" (long), "jan. 25" (chart axes)."""
    return _month_label(period, translation.get_language() or "da", long)
