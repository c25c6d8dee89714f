"""measures.months: the one place for month arithmetic, month keys and month labels."""

from datetime import date, datetime

import pytest
from django.utils import translation

from measures import months


@pytest.mark.parametrize(
    ("period", "offset", "expected"),
    [
        (date(2025, 1, 1), 1, date(2025, 2, 1)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),
        (date(2025, 3, 31), -13, date(2024, 2, 1)),  # any day counts as its month
        (date(2025, 6, 1), 0, date(2025, 6, 1)),
        (date(2025, 6, 1), 30, date(2027, 12, 1)),
    ],
)
def test_add_months_moves_by_whole_months_and_returns_day_1(period, offset, expected):
    assert months.add_months(period, offset) == expected


def test_next_and_previous_month_cross_the_year():
    assert months.next_month(date(2024, 12, 1)) == date(2025, 1, 1)
    assert months.previous_month(date(2025, 1, 1)) == date(2024, 12, 1)


def test_month_start_and_current_month():
    assert months.month_start(date(2025, 3, 17)) == date(2025, 3, 1)
    assert months.month_start(datetime(2025, 3, 17, 23, 59)) == date(2025, 3, 1)
    assert months.current_month(date(2025, 3, 17)) == date(2025, 3, 1)


def test_month_range_includes_both_ends_and_is_empty_when_reversed():
    assert months.month_range(date(2024, 11, 1), date(2025, 2, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert months.month_range(date(2025, 2, 1), date(2025, 2, 28)) == [date(2025, 2, 1)]
    assert months.month_range(date(2025, 3, 1), date(2025, 2, 1)) == []


def test_months_back_ends_with_the_given_month_oldest_first():
    assert months.months_back(date(2025, 2, 1), 3) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert months.months_back(date(2025, 2, 1), 0) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("2025-01", date(2025, 1, 1)),
        (" 2025-12 ", date(2025, 12, 1)),
        ("2025-13", None),
        ("2025-00", None),
        ("0000-01", None),
        ("2025-1", None),
        ("2025-01-01", None),
        ("jan. 2025", None),
        ("", None),
    ],
)
def test_parse_month_key_accepts_only_yyyy_mm(key, expected):
    assert months.parse_month_key(key) == expected


def test_month_key_round_trips():
    assert months.month_key(date(2025, 3, 1)) == "2025-03"
    assert months.parse_month_key(months.month_key(date(2025, 3, 1))) == date(2025, 3, 1)


def test_parse_period_reads_stored_iso_periods():
    assert months.parse_period("2025-03-01") == date(2025, 3, 1)
    assert months.parse_period(date(2025, 3, 1)) == date(2025, 3, 1)
    assert months.parse_period(None) is None
    assert months.parse_period("") is None


def test_month_label_as_danes_write_it():
    with translation.override("da"):
        assert months.month_label(date(2025, 1, 1)) == "jan. 2025"
        assert months.month_label(date(2025, 1, 1), long=False) == "jan. 25"
