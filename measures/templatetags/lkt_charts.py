"""Template helpers for charts: figure JSON for static/js/charts.js, Danish numbers."""

import orjson
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from measures import months
from measures.charts import figures

register = template.Library()

# The same escaping as Django's json_script: the JSON can never close the <script> element.
_ESCAPES = ((">", "\\u003E"), ("<", "\\u003C"), ("&", "\\u0026"))


def _escaped(payload: str) -> str:
    # str.replace per character (in C) rather than str.translate with a mapping (a Python lookup
    # per character): a national chart's JSON is tens of kilobytes.
    for char, escape in _ESCAPES:
        payload = payload.replace(char, escape)
    return payload


@register.simple_tag
def chart_json(card) -> str:
    """The card's figure and Plotly config as a JSON <script> element, serialised with orjson."""
    if card.figure is None:
        return ""
    payload = _escaped(orjson.dumps({"figure": card.figure, "config": card.config}).decode())
    return format_html(
        '<script type="application/json" id="{}-data">{}</script>', card.dom_id, mark_safe(payload)
    )


@register.filter
def dk_number(value, decimals=None) -> str:
    """A number as the active language writes it (Danish: 1.234,5); '–' for none."""
    if value is None or value == "":
        return "–"
    return figures.format_number(float(value), None if decimals in (None, "") else int(decimals))


@register.filter
def dk_value(value, decimals=None) -> str:
    """An indicator's value with at most the indicator's number of decimals, no trailing zeros:
    `{{ row.y|dk_value:indicator.shown_decimals }}`."""
    if value is None or value == "":
        return "–"
    return figures.format_value(float(value), None if decimals in (None, "") else int(decimals))


@register.filter
def dk_statistic(value, decimals=None) -> str:
    """A centre line or limit: one decimal more than the indicator's values (figures.statistic_decimals)."""
    if value is None or value == "":
        return "–"
    places = None if decimals in (None, "") else int(decimals)
    return figures.format_value(float(value), figures.statistic_decimals(places))


@register.filter
def percent(value) -> str:
    """A share 0..1 as a whole percentage."""
    if value is None:
        return "–"
    return f"{figures.format_number(float(value) * 100, 0)} %"


@register.filter
def month_label(value) -> str:
    """'jan. 2024'."""
    if not value:
        return ""
    return months.month_label(months.parse_period(value))


@register.filter
def heat_class(share) -> str:
    """A CSS class for a completeness cell: 0, partial, full."""
    if share is None:
        return "lkt-heat-none"
    if share >= 1:
        return "lkt-heat-full"
    if share > 0:
        return "lkt-heat-partial"
    return "lkt-heat-empty"


@register.filter
def dk_trim(value, places=4) -> str:
    """A stored value as Danes write it, at most `places` decimals and no trailing zeros: 1.076,5 (not 1.076,5000)."""
    from measures.numbers import format_display

    if value is None or value == "":
        return "–"
    return format_display(value, int(places))
