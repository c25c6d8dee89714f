"""Danish number input: decimal comma, thousands point, refusing what is ambiguous."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from measures.numbers import format_display, format_input, parse_decimal, parse_optional_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", "12.5"),
        ("1.234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("12.5", "12.5"),
        ("0.125", "0.125"),
        ("1,234.5", "1234.5"),
        (" 1 234,5 ", "1234.5"),
        ("1234", "1234"),
        ("-3", "-3"),
        (",5", "0.5"),
        ("61.2500", "61.25"),
    ],
)
def test_it_reads_numbers_as_danes_and_spreadsheets_write_them(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.2.3", "1e5", "12,5 %", "1.234,5.6", "--1", ""])
def test_it_rejects_garbage(text):
    with pytest.raises(ValidationError):
        parse_decimal(text)


def test_it_rejects_a_point_that_could_mean_thousands_and_says_what_to_write():
    with pytest.raises(ValidationError) as excinfo:
        parse_decimal("1.234")
    assert excinfo.value.messages == ["1.234 er tvetydigt: skriv fx 1234 eller 1,234."]


def test_an_empty_optional_field_is_none():
    assert parse_optional_decimal("  ") is None
    assert parse_optional_decimal("2,5") == Decimal("2.5")


def test_values_are_shown_with_decimal_comma():
    with translation.override("da"):
        assert format_input(Decimal("612.5000")) == "612,5"
        assert format_input(Decimal("100.0000")) == "100"
        assert format_display(Decimal("1234.5678")) == "1.234,57"
        assert format_display(Decimal("61.0000")) == "61"


@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_what_the_grid_shows_reads_back_as_the_same_value(value):
    with translation.override("da"):
        assert parse_decimal(format_input(value)) == value


def test_in_english_a_comma_that_could_group_thousands_is_refused_too():
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            parse_decimal("1,234")
        assert excinfo.value.code == "ambiguous"
        assert parse_decimal("12,5") == Decimal("12.5")
    with translation.override("da"):
        assert parse_decimal("1,234") == Decimal("1.234")
