"""Numbers as Danes type them: decimal comma, point as thousands separator.

Used by the data entry grid, the upload and the forms, so that "12,5" means the same everywhere.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Digits with optional groups of three: "1234", "1.234", "1.234.567".
_GROUPED_POINT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_DIGITS = re.compile(r"^\d+$")


def parse_decimal(text: str) -> Decimal:
    """A number typed by a Danish user or exported by a spreadsheet.

    Accepted: "12,5" and "1.234,5" (Danish), "12.5" and "1,234.5" (machine and English exports),
    "1234", "-3" (sign is kept; validation decides whether negatives are allowed).
    Refused as ambiguous: "1.234" (Danish thousand or English decimal?), "1,234,5" and other mixes.
    """
    raw = text
    text = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if not text:
        raise ValidationError(_("Skriv et tal."), code="required")
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    if "," in text and "." in text:
        # The separator that comes last is the decimal separator; the other must group thousands.
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        integer, _sep, fraction = text.rpartition(decimal_sep)
        grouping = _GROUPED_POINT if decimal_sep == "," else _GROUPED_COMMA
        if not grouping.match(integer) or not _DIGITS.match(fraction):
            raise _not_a_number(raw)
        integer = integer.replace("." if decimal_sep == "," else ",", "")
    elif "," in text:
        if text.count(",") > 1:
            raise _not_a_number(raw)
        integer, _sep, fraction = text.partition(",")
        # In English "1,234" is a thousand and more; the same guard as for "1.234" in Danish.
        if not (get_language() or "da").startswith("da") and _looks_grouped(integer, fraction):
            raise _ambiguous(raw, integer, fraction)
    elif "." in text:
        if _GROUPED_POINT.match(text) and text.count(".") > 1:
            integer, fraction = text.replace(".", ""), ""
        elif text.count(".") == 1:
            integer, _sep, fraction = text.partition(".")
            # "1.234" is 1234 to a Dane and 1.234 to a spreadsheet; guessing would silently
            # store a value a thousand times wrong.
            if _looks_grouped(integer, fraction):
                raise _ambiguous(raw, integer, fraction)
        else:
            raise _not_a_number(raw)
    else:
        integer, fraction = text, ""
    if not integer:
        integer = "0"
    if not _DIGITS.match(integer) or (fraction and not _DIGITS.match(fraction)):
        raise _not_a_number(raw)
    try:
        return Decimal(f"{sign}{integer}.{fraction}") if fraction else Decimal(f"{sign}{integer}")
    except InvalidOperation as exc:
        raise _not_a_number(raw) from exc


def _looks_grouped(integer: str, fraction: str) -> bool:
    return len(fraction) == 3 and bool(integer.strip("0")) and len(integer) <= 3


def _ambiguous(raw: str, integer: str, fraction: str) -> ValidationError:
    return ValidationError(
        _("%(text)s er tvetydigt: skriv fx %(whole)s eller %(comma)s.")
        % {"text": raw, "whole": integer + fraction, "comma": f"{integer},{fraction}"},
        code="ambiguous",
    )


def parse_optional_decimal(text: str | None) -> Decimal | None:
    """Like parse_decimal, but an empty field means "no value"."""
    if text is None or not str(text).strip():
        return None
    return parse_decimal(text)


def _not_a_number(raw: str) -> ValidationError:
    return ValidationError(
        _("%(text)s er ikke et tal. Brug komma som decimaltegn, fx 12,5.") % {"text": raw}, code="invalid"
    )


def format_input(value: Decimal | None) -> str:
    """A stored value as it is shown in an input: no thousands separator, no trailing zeros, locale comma."""
    if value is None:
        return ""
    text = format(_trim(value), "f")
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def format_display(value: Decimal | None, places: int = 2) -> str:
    """A value for reading: at most `places` decimals, trailing zeros dropped, thousands grouped."""
    if value is None:
        return ""
    rounded = _trim(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    decimals = max(0, -rounded.as_tuple().exponent)
    return number_format(rounded, decimal_pos=decimals, use_l10n=True)


def _trim(value: Decimal) -> Decimal:
    """12.5000 -> 12.5 and 100 stays 100 (normalize() alone gives 1E+2)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class PageFormatter:
    """format_input and format_display for the many values of one page (the grid's 720 fields):
    the language's separators are looked up once instead of once per value. Same output."""

    def __init__(self) -> None:
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.thousand = get_format("THOUSAND_SEPARATOR")
        grouping = get_format("NUMBER_GROUPING")
        # Other groupings (a sequence, as in some languages) go through Django's number_format.
        self.fast = grouping == 3 and settings.USE_THOUSAND_SEPARATOR

    def input(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return format(_trim(value), "f").replace(".", self.decimal)

    def display(self, value: Decimal | None, places: int = 2) -> str:
        if value is None:
            return ""
        if not self.fast:
            return format_display(value, places)
        rounded = _trim(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
        sign, text = ("-", format(-rounded, "f")) if rounded < 0 else ("", format(rounded, "f"))
        integer, _sep, fraction = text.partition(".")
        grouped = f"{int(integer):,}".replace(",", self.thousand)
        return f"{sign}{grouped}{self.decimal}{fraction}" if fraction else f"{sign}{grouped}"
