"""The team's monthly data grid: built for entering 12 months x 5-10 indicators by keyboard.

The page shows the last twelve months and any older overdue months; older years are folded and
their rows are fetched on demand (`?aar=2024`, the same URL and the same access check). The rows
are rendered here with plain string formatting rather than template tags per cell: a 36 x 10 grid
is 720 inputs, and a template loop with a blocktranslate per input cost more than reading the
rows (bench/grid_bench.py prints both). Every value is escaped.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teams.access import get_team_for_user
from teams.models import add_months

from ..models import Indicator, Measurement
from ..numbers import PageFormatter
from ..selectors.entry import MonthStatus, current_month, team_completeness

RECENT_MONTHS = 12


@dataclass
class YearFold:
    year: int
    count: int


@dataclass
class _Text:
    """Translated words used in every cell, looked up once per page."""

    missing: str
    nothing: str
    late: str
    complete: str
    mark_complete: str
    undo: str
    deadline: str
    after_lock: str
    save_month: str
    number: PageFormatter
    decimals: dict[int, int]  # indicator id -> its number of decimals


def _texts(indicators: list[Indicator]) -> _Text:
    return _Text(
        missing=_("mangler"),
        nothing=_("intet at indberette"),
        late=_("For sent"),
        complete=_("Komplet"),
        mark_complete=_("Markér komplet"),
        undo=_("Fortryd"),
        deadline=_("frist %(deadline)s"),
        after_lock=_("Indtastet efter låsning"),
        save_month=_("Gem måneden"),
        number=PageFormatter(),
        decimals={i.id: i.shown_decimals for i in indicators},
    )


def _cell(
    indicator: Indicator, key: str, m: Measurement | None, *, due: bool, readonly: bool, t: _Text
) -> str:
    code = indicator.code
    classes, data = [], ""
    if m is None:
        if due:
            classes.append("m")
        shown = t.missing if due else ""
        num = den = ""
    else:
        data = f' data-v="{m.version}"'
        if m.comment:
            classes.append("c")
            data += f' data-c="{escape(m.comment)}"'
        if m.needs_checking:
            classes.append("f")
        if m.nothing_to_report:
            classes.append("z")
        num, den = t.number.input(m.numerator), t.number.input(m.denominator)
        shown = (
            t.nothing
            if m.nothing_to_report
            else t.number.display(indicator.value(m.numerator, m.denominator), t.decimals[indicator.id])
        )
    disabled = " disabled" if readonly else ""
    # A first value entered after the month was locked (data approval) is marked in words, and the
    # fields are described by the mark, so it is read out with them: a report made before it lacks it.
    late = m is not None and m.entered_after_lock
    described = f' aria-describedby="a-{code}-{key}"' if late else ""
    if late:
        classes.append("a")
    html = (
        f"<td{' class=' + chr(34) + ' '.join(classes) + chr(34) if classes else ''}{data}>"
        f'<input id="n-{code}-{key}" name="n-{code}-{key}" value="{num}" aria-labelledby="ln h-{code} r-{key}"'
        f'{described} inputmode="decimal"{disabled}>'
    )
    if indicator.has_denominator:
        html += (
            f'<span aria-hidden="true">/</span><input id="d-{code}-{key}" name="d-{code}-{key}" value="{den}" '
            f'aria-labelledby="ld h-{code} r-{key}"{described} inputmode="decimal"{disabled}>'
        )
    html += f"<output>{escape(shown)}</output>"
    if late:
        html += f'<small class="entry-after-lock" id="a-{code}-{key}">{escape(t.after_lock)}</small>'
    return html + "</td>"


def _row(
    status: MonthStatus,
    indicators: list[Indicator],
    stored: dict,
    *,
    readonly: bool,
    t: _Text,
) -> str:
    period = status.period
    key = f"{period:%Y-%m}"
    due = {i.id for i in status.due}
    cells = [stored.get((i.id, period)) for i in indicators]
    label = escape(formats.date_format(period, "YEAR_MONTH_FORMAT"))
    head = f'<span class="entry-month">{label}</span>'
    if status.is_late:
        head += f'<span class="badge badge-error">{escape(t.late)}</span>'
    elif status.missing:
        deadline = formats.date_format(status.deadline, "SHORT_DATE_FORMAT")
        head += f'<span class="entry-deadline">{escape(t.deadline % {"deadline": deadline})}</span>'
    if status.is_marked_complete:
        head += f'<span class="badge badge-success">{escape(t.complete)}</span>'
        if not readonly:
            head += f'<button type="button" class="entry-complete" data-complete="0" tabindex="-1">{escape(t.undo)}</button>'
    elif not readonly and status.is_due_month and all(c is not None for c in cells):
        head += (
            f'<button type="button" class="entry-complete" data-complete="1" tabindex="-1">'
            f"{escape(t.mark_complete)}</button>"
        )
    if not readonly:
        # Without JavaScript (a locked-down browser may block scripts) the row is saved as a plain
        # form: the grid's form posts this month (entry_save_month), with the versions shown.
        versions = ",".join("" if c is None else str(c.version) for c in cells)
        head += (
            f'<input type="hidden" name="v-{key}" value="{versions}">'
            f'<button type="submit" name="month" value="{key}" class="entry-row-save">{escape(t.save_month)}</button>'
        )
    row_class = ' class="is-late"' if status.is_late else ""
    if status.is_due_month:
        row_class += " data-d"
    body = "".join(
        _cell(i, key, c, due=i.id in due, readonly=readonly, t=t)
        for i, c in zip(indicators, cells, strict=True)
    )
    return f'<tr id="m-{key}" data-p="{key}"{row_class}><th scope="row" id="r-{key}">{head}</th>{body}</tr>'


def _rows_html(months: list[MonthStatus], indicators, stored, *, readonly: bool) -> SafeString:
    t = _texts(indicators)
    return mark_safe("".join(_row(m, indicators, stored, readonly=readonly, t=t) for m in months))  # noqa: S308 - every value is escaped above


@login_required
@require_GET
def entry_grid(request: HttpRequest, team_uuid) -> HttpResponse:
    """The team's data page: recent and overdue months first (newest first), older years on demand."""
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    readonly = not access.can_enter_data
    completeness = team_completeness(team=team, with_values=True)
    stored = completeness.values
    indicators = completeness.indicators
    recent_from = add_months(current_month(), -(RECENT_MONTHS - 1))
    year = request.GET.get("aar", "")
    if year.isdigit():
        # One folded year, fetched by the page: its months that are not shown already.
        months = [
            m
            for m in completeness.months
            if m.period.year == int(year) and m.period < recent_from and not m.is_late
        ]
        return HttpResponse(_rows_html(months, indicators, stored, readonly=readonly))
    shown = [m for m in completeness.months if m.period >= recent_from or m.is_late]
    folded: dict[int, int] = {}
    for m in completeness.months:
        if m.period < recent_from and not m.is_late:
            folded[m.period.year] = folded.get(m.period.year, 0) + 1
    open_month = next((m for m in reversed(completeness.months) if not m.is_due), None)
    return render(
        request,
        "measures/entry_grid.html",
        {
            "access": access,
            "team": team,
            "network": team.network,
            "indicators": indicators,
            "rows_html": _rows_html(shown, indicators, stored, readonly=readonly),
            "folds": [YearFold(year=y, count=n) for y, n in sorted(folded.items(), reverse=True)],
            "completeness": completeness,
            "open_month": open_month,
            "readonly": readonly,
            "grid_config": {
                "saveUrl": reverse("measures:entry-save", kwargs={"team_uuid": team.uuid}),
                "completeUrl": reverse("measures:entry-month-complete", kwargs={"team_uuid": team.uuid}),
                "historyUrl": reverse(
                    "measures:entry-history",
                    kwargs={
                        "team_uuid": team.uuid,
                        "indicator_uuid": indicators[0].uuid,
                        "year": 2000,
                        "month": 1,
                    },
                )
                if indicators
                else "",
                "indicators": [
                    {
                        "uuid": str(i.uuid),
                        "code": i.code,
                        "name": i.name,
                        "hasDenominator": i.has_denominator,
                        "multiplier": str(i.multiplier),
                        "decimals": i.shown_decimals,
                    }
                    for i in indicators
                ],
            },
            "messages_for_js": {
                "saving": _("Gemmer …"),
                "saved": _("Gemt"),
                "deleted": _("Slettet"),
                "invalid": _("Ikke gemt – ret fejlen"),
                "conflict": _("Ikke gemt – ændret af en anden"),
                "offline": _("Ikke gemt: ingen forbindelse. Prøv igen."),
                "missing": _("mangler"),
                "needs_checking": _("skal tjekkes"),
                "nothing_to_report": _("intet at indberette"),
                "loading": _("Henter …"),
                "complete": _("Komplet"),
                "undo": _("Fortryd"),
                "mark_complete": _("Markér komplet"),
                "after_lock": _("Indtastet efter låsning"),
            },
        },
    )
