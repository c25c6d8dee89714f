"""The figures of the meeting pages, assembled for one viewer (labels already anonymised)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.charts import figures as base
from measures.spc import two_periods

from . import charts
from . import indicators as ind
from .models import Meeting
from .selectors import MeetingData

FUNNEL_NOTE = gettext_lazy(
    # xgettext:no-python-format
    "Punkter uden for 99,8 %-grænserne afviger mere, end tilfældigheder forklarer, når der tages højde for størrelsen."
)
MIN_UNITS = 3  # k-anonymity: never compare fewer than three anonymised units


def _num(value, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return base.format_number(float(value), decimals)


def _pct(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{base.format_number(float(value) * 100, 1)} %"


def _month(day: date | None) -> str:
    return base.month_label(day, long=True) if day else ""


@dataclass
class Section:
    title: str
    intro: str = ""
    cards: list[charts.Card] = field(default_factory=list)
    message: str = ""


def _value(table: pd.DataFrame, unit: str, column: str):
    if unit in table.index:
        value = table.at[unit, column]
        return None if pd.isna(value) else float(value)
    return None


def _group_names(data: MeetingData) -> list[tuple[str, str]]:
    return [(g.code, g.name) for g in data.groups] + [(ind.OTHER_GROUP, _("Øvrige antibiotika"))]


def _units(table: pd.DataFrame, data: MeetingData, kind: str) -> list[str]:
    return sorted(
        (u for u in table.index if str(u).startswith(kind + ":") and data.label(u)),
        key=lambda u: data.label(u),
    )


def meeting_sections(data: MeetingData) -> list[Section]:
    if not data.has_data:
        return []
    window = data.window()
    table = ind.summary(window)
    period_text = _("%(first)s – %(last)s") % {
        "first": _month(data.window_first),
        "last": _month(data.last_month),
    }
    sections = [_cluster_section(data, table, period_text), _mix_section(data, window, period_text)]
    sections.append(_practice_section(data, table, period_text))
    if data.access.sees_prescribers:
        sections.append(_prescriber_section(data, window, table, period_text))
    return sections


def _cluster_section(data: MeetingData, table: pd.DataFrame, period_text: str) -> Section:
    section = Section(
        _("Klyngen sammenlignet med regionen og landet"),
        _("Recepter på antibiotika (J01) pr. 1.000 tilmeldte patienter pr. år, %(period)s.")
        % {"period": period_text},
    )
    cluster_label = data.label("cluster")
    units = [("cluster", cluster_label), ("region", _("Regionen")), ("country", _("Landet"))]
    section.cards.append(
        charts.Card(
            "cluster-rate",
            _("Recepter pr. 1.000 tilmeldte patienter pr. år"),
            charts.rate_bars(
                [(label, _value(table, unit, "rate")) for unit, label in units], highlight=cluster_label
            ),
            table_head=[
                _("Enhed"),
                _("Recepter pr. 1.000 pr. år"),
                _("Andel penicillin V"),
                _("Andel kritisk vigtige"),
            ],
            table_rows=[
                [
                    label,
                    _num(_value(table, unit, "rate")),
                    _pct(_value(table, unit, "narrow_share")),
                    _pct(_value(table, unit, "critical_share")),
                ]
                for unit, label in units
            ],
        )
    )
    series = ind.monthly(data.frame)
    section.cards.append(
        _run_card("cluster-run", _("Klyngen måned for måned"), series, "cluster", data, references=True)
    )
    return section


def _run_card(
    dom_id: str,
    title: str,
    series: pd.DataFrame,
    unit: str,
    data: MeetingData,
    *,
    references: bool,
    marker: date | None = None,
    column: str = "rate",
) -> charts.Card:
    own = series[series["unit"] == unit].sort_values("period")
    periods = [p.date() for p in own["period"]]
    if column == "rate":
        numerators, denominators, multiplier, y_unit = (
            list(own["prescriptions"]),
            list(own["person_years"]),
            1000.0,
            str(charts.RATE_UNIT),
        )
    else:
        numerators = list(own["narrow" if column == "narrow_share" else "critical"])
        denominators, multiplier, y_unit = list(own["prescriptions"]), 100.0, "%"
    refs = []
    if references:
        for ref, name in (("region", _("Regionen")), ("country", _("Landet"))):
            values = series[series["unit"] == ref].set_index("period")[column].reindex(own["period"])
            scale = 1 if column == "rate" else 100
            refs.append((name, [None if pd.isna(v) else float(v) * scale for v in values]))
    figure = charts.run_chart(
        periods,
        numerators,
        denominators,
        multiplier=multiplier,
        unit=y_unit,
        references=refs,
        marker=marker,
        marker_label=_("Klyngemøde"),
        crude=column == "rate",
    )
    rows = [
        [
            _month(p),
            _num(n, 0),
            _num(d * (1 if column == "rate" else 1), 0 if column != "rate" else 1),
            _num((n / d * multiplier) if d else None),
        ]
        for p, n, d in zip(periods, numerators, denominators, strict=True)
    ]
    head = [
        _("Måned"),
        _("Recepter") if column == "rate" else _("Tæller"),
        _("Personår (tilmeldte × måneder/12)") if column == "rate" else _("Recepter i alt"),
        y_unit,
    ]
    return charts.Card(
        dom_id,
        title,
        figure,
        note=_("Seriediagram: median og Anhøjs regler for ikke-tilfældig variation."),
        table_head=head,
        table_rows=rows,
        message="" if figure else _("For få måneder til et seriediagram."),
    )


def _mix_section(data: MeetingData, window: pd.DataFrame, period_text: str) -> Section:
    section = Section(
        _("Praksissernes ordinationsmønster"),
        _("Fordeling af recepterne på antibiotikagrupper, %(period)s.") % {"period": period_text},
    )
    mix = ind.group_mix(window)
    units = ["cluster", "region", "country", *_units(mix, data, "practice")]
    section.cards.append(
        _mix_card("practice-mix", _("Recepter fordelt på antibiotikagrupper"), _("Enhed"), mix, units, data)
    )
    return section


def _mix_card(
    dom_id: str, title: str, unit_head: str, mix: pd.DataFrame, units: list[str], data: MeetingData
):
    """Stacked bars of each unit's prescriptions over the antibiotic groups, with the table beside."""
    rows = [(data.label(u), {k: float(v) for k, v in mix.loc[u].items()}) for u in units if u in mix.index]
    own = {data.label(u) for u in units if data.is_own(u)}
    groups = _group_names(data)
    return charts.Card(
        dom_id,
        title,
        charts.mix_bars(rows, groups, own=own),
        table_head=[unit_head, *[name for _code, name in groups]],
        table_rows=[[label, *[_pct(shares.get(code)) for code, _name in groups]] for label, shares in rows],
    )


def _funnel_card(
    dom_id: str, title: str, units: list[str], data: MeetingData, table: pd.DataFrame, *, measure: str
) -> charts.Card:
    labels = [data.label(u) for u in units]
    own = {data.label(u) for u in units if data.is_own(u)}
    if measure == "rate":
        numerators, denominators = (
            [table.at[u, "prescriptions"] for u in units],
            [table.at[u, "person_years"] for u in units],
        )
        model, multiplier, y_title, x_title = (
            "rate",
            1000.0,
            str(charts.RATE_UNIT),
            _("Personår (tilmeldte patienter)"),
        )
    else:
        column = "narrow" if measure == "narrow" else "critical"
        numerators, denominators = (
            [table.at[u, column] for u in units],
            [table.at[u, "prescriptions"] for u in units],
        )
        model, multiplier, y_title, x_title = "proportion", 100.0, "%", _("Antal recepter (J01)")
    pairs = [
        (lbl, float(n), float(d))
        for lbl, n, d in zip(labels, numerators, denominators, strict=True)
        if not pd.isna(d) and d > 0
    ]
    figure, rows, note = charts.funnel_figure(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        [p[2] for p in pairs],
        model=model,
        multiplier=multiplier,
        y_title=y_title,
        x_title=x_title,
        own=own,
        crude=True,
    )
    return charts.Card(
        dom_id,
        title,
        figure,
        note=" ".join(
            filter(
                None,
                [
                    str(FUNNEL_NOTE),
                    note if figure else "",
                ],
            )
        ),
        table_head=[_("Enhed"), y_title, x_title, _("Placering")],
        table_rows=rows,
        message="" if figure else note,
    )


def _practice_section(data: MeetingData, table: pd.DataFrame, period_text: str) -> Section:
    section = Section(
        _("Praksisserne sammenlignet"), _("Tragtdiagrammer, %(period)s.") % {"period": period_text}
    )
    units = _units(table, data, "practice")
    if len(units) < MIN_UNITS:
        section.message = _("Der skal være mindst 3 praksisser for at sammenligne dem.")
        return section
    section.cards.append(
        _funnel_card(
            "practice-funnel-rate",
            _("Recepter pr. 1.000 tilmeldte patienter pr. år"),
            units,
            data,
            table,
            measure="rate",
        )
    )
    section.cards.append(
        _funnel_card("practice-funnel-narrow", _("Andel penicillin V"), units, data, table, measure="narrow")
    )
    section.cards.append(
        _funnel_card(
            "practice-funnel-critical",
            _("Andel kritisk vigtige antibiotika"),
            units,
            data,
            table,
            measure="critical",
        )
    )
    return section


def _prescriber_section(
    data: MeetingData, window: pd.DataFrame, table: pd.DataFrame, period_text: str
) -> Section:
    section = Section(
        _("Behandlerne sammenlignet"),
        _(
            "Andele af den enkelte behandlers egne recepter, %(period)s. Behandlerne er anonymiserede; kun dine egne tal står med navn."
        )
        % {"period": period_text},
    )
    units = _units(table, data, "prescriber")
    if len(units) < MIN_UNITS:
        section.message = _("Der skal være mindst 3 behandlere for at sammenligne dem.")
        return section
    section.cards.append(
        _funnel_card(
            "prescriber-funnel-narrow",
            _("Andel penicillin V pr. behandler"),
            units,
            data,
            table,
            measure="narrow",
        )
    )
    section.cards.append(
        _funnel_card(
            "prescriber-funnel-critical",
            _("Andel kritisk vigtige antibiotika pr. behandler"),
            units,
            data,
            table,
            measure="critical",
        )
    )
    section.cards.append(
        _mix_card(
            "prescriber-mix",
            _("Behandlernes recepter fordelt på antibiotikagrupper"),
            _("Behandler"),
            ind.group_mix(window),
            units,
            data,
        )
    )
    return section


# ----------------------------------------------------------------------------- follow-up


@dataclass
class ComparisonRow:
    label: str
    is_own: bool
    measure: str
    before: str
    after: str
    difference: str
    interval: str
    significant: bool


@dataclass
class FollowUp:
    windows: ind.Windows | None
    sections: list[Section]
    groups: list[tuple[str, list[ComparisonRow]]]
    method_text: str
    message: str = ""


def _difference_row(
    label: str, is_own: bool, measure: str, before: pd.Series | None, after: pd.Series | None
) -> ComparisonRow | None:
    if before is None or after is None:
        return None
    if measure == "rate":
        if pd.isna(before["person_years"]) or pd.isna(after["person_years"]):
            return None
        diff = two_periods.rate_difference(
            before["prescriptions"],
            before["person_years"],
            after["prescriptions"],
            after["person_years"],
            multiplier=1000,
        )
        fmt = _num
        name = _("Recepter pr. 1.000 pr. år")
    else:
        column = "narrow" if measure == "narrow" else "critical"
        diff = two_periods.share_difference(
            before[column], before["prescriptions"], after[column], after["prescriptions"], multiplier=100
        )
        fmt = lambda v: f"{_num(v)} %" if v is not None else "–"  # noqa: E731
        name = _("Andel penicillin V") if measure == "narrow" else _("Andel kritisk vigtige")
    if diff.difference is None:
        return None
    sign = "+" if diff.difference > 0 else ""
    return ComparisonRow(
        label,
        is_own,
        name,
        fmt(diff.before),
        fmt(diff.after),
        sign + _num(diff.difference),
        f"{_num(diff.lower)} ; {_num(diff.upper)}",
        diff.is_significant,
    )


def follow_up(meeting: Meeting, data: MeetingData) -> FollowUp:
    method_text = _(
        "Forskel efter minus før med 95 %-konfidensinterval. Rater: Wald-interval for forskellen mellem to "
        "Poisson-rater. Andele: Newcombes hybride score-interval (metode 10) for forskellen mellem to andele."
    )
    first = meeting.follows or meeting
    if not data.has_data:
        return FollowUp(None, [], [], method_text, _("Der er endnu ikke indlæst et datatræk."))
    windows = ind.comparison_windows(
        method=meeting.comparison, meeting_month=first.date.replace(day=1), last_month=data.last_month
    )
    if windows is None or windows.before_first < data.first_month:
        return FollowUp(
            windows,
            [],
            [],
            method_text,
            _(
                "Datatrækket dækker ikke begge perioder. Bestil et datatræk, der går mindst et år tilbage før klyngemødet."
            ),
        )
    before = ind.summary(ind.in_window(data.frame, windows.before_first, windows.before_last))
    after = ind.summary(ind.in_window(data.frame, windows.after_first, windows.after_last))
    groups: list[tuple[str, list[ComparisonRow]]] = []
    kinds = [(_("Klyngen"), ["cluster"]), (_("Praksisser"), _units(after, data, "practice"))]
    if data.access.sees_prescribers:
        kinds.append((_("Behandlere"), _units(after, data, "prescriber")))
    for title, units in kinds:
        rows: list[ComparisonRow] = []
        for unit in units:
            b = before.loc[unit] if unit in before.index else None
            a = after.loc[unit] if unit in after.index else None
            # Prescribers have no listed patients of their own: only their shares are compared.
            measures = (
                ("narrow", "critical") if unit.startswith("prescriber:") else ("rate", "narrow", "critical")
            )
            for measure in measures:
                row = _difference_row(data.label(unit), data.is_own(unit), measure, b, a)
                if row:
                    rows.append(row)
        if rows:
            groups.append((title, rows))
    series = ind.monthly(data.frame)
    marker = first.date.replace(day=1)
    run = Section(_("Udviklingen måned for måned"), _("Den lodrette linje markerer klyngemødet."))
    run.cards.append(
        _run_card(
            "followup-run-rate",
            _("Klyngen: recepter pr. 1.000 tilmeldte patienter pr. år"),
            series,
            "cluster",
            data,
            references=True,
            marker=marker,
        )
    )
    run.cards.append(
        _run_card(
            "followup-run-narrow",
            _("Klyngen: andel penicillin V"),
            series,
            "cluster",
            data,
            references=False,
            marker=marker,
            column="narrow_share",
        )
    )
    for unit in _units(after, data, "practice"):
        if data.is_own(unit):
            run.cards.append(
                _run_card(
                    "followup-run-own",
                    _("Din praksis: recepter pr. 1.000 tilmeldte patienter pr. år"),
                    series,
                    unit,
                    data,
                    references=False,
                    marker=marker,
                )
            )
    sections = [run]
    for name, table, first_month, last_month in (
        ("before", before, windows.before_first, windows.before_last),
        ("after", after, windows.after_first, windows.after_last),
    ):
        title = (_("Før: %(period)s") if name == "before" else _("Efter: %(period)s")) % {
            "period": f"{_month(first_month)} – {_month(last_month)}"
        }
        section = Section(title)
        practices = _units(table, data, "practice")
        if len(practices) >= MIN_UNITS:
            section.cards.append(
                _funnel_card(
                    f"funnel-{name}-practice",
                    _("Praksisser: recepter pr. 1.000 tilmeldte patienter pr. år"),
                    practices,
                    data,
                    table,
                    measure="rate",
                )
            )
        if data.access.sees_prescribers:
            prescribers = _units(table, data, "prescriber")
            if len(prescribers) >= MIN_UNITS:
                section.cards.append(
                    _funnel_card(
                        f"funnel-{name}-prescriber",
                        _("Behandlere: andel penicillin V"),
                        prescribers,
                        data,
                        table,
                        measure="narrow",
                    )
                )
        sections.append(section)
    return FollowUp(windows, sections, groups, method_text)
