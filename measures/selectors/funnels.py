"""Funnel plots of a network's teams for one indicator (reads only; the statistics are measures.spc.funnel).

For every published indicator with a denominator drawn as p/p' (proportions) or u/u' (rates): the
teams' numerators and denominators summed over a period (the last 3, 6 or 12 complete months, or
an explicit list of months such as a seminar's window), the network's value and the 95 % / 99.8 %
limits from FunnelPlotR's models (see spc/funnel.py for the product deviations). Teams are labelled
through teams.peers, so anonymised peers stay "Team A, B, ..." and hidden peers are not drawn (they
still count in the network's value and the limits, which are aggregates of the whole network).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from seminars.selectors import network_seminar_dates
from teams.access import NetworkAccess
from teams.models import Network, Team, add_months
from teams.peers import PeerLabel, peer_labels

from ..charts import figures
from ..models import Indicator, Measurement
from ..months import month_label
from ..spc.funnel import FunnelChart, FunnelUnit, funnel_chart
from .entry import reporting_deadline

FUNNEL_MODELS = {"p": "proportion", "pp": "proportion", "u": "rate", "up": "rate"}
FUNNEL_MONTHS = (3, 6, 12)
DEFAULT_FUNNEL_MONTHS = 12


def funnel_model(indicator: Indicator) -> str | None:
    """ "proportion", "rate" or None (no funnel: run/i/c/t/g and indicators without a denominator)."""
    if not indicator.has_denominator:
        return None
    return FUNNEL_MODELS.get(indicator.chart_type)


def last_complete_month(network: Network, day: date) -> date:
    """The newest month whose reporting deadline had passed on `day`."""
    period = day.replace(day=1)
    while reporting_deadline(network, period) >= day:
        period = add_months(period, -1)
    return period


def complete_months(network: Network, count: int, today: date | None = None) -> list[date]:
    """The last `count` months whose reporting deadline has passed, oldest first; a closed network's
    last months (not the empty months since it ended)."""
    period = min(last_complete_month(network, today or timezone.localdate()), network.last_period)
    months = [add_months(period, -i) for i in range(count)]
    return sorted(m for m in months if m >= network.first_period)


@dataclass(frozen=True)
class FunnelPeriod:
    """A period the viewer can choose for a funnel: the last n complete months, or a seminar's window."""

    key: str  # the value of ?tragt=: "3", "6", "12" or "seminar-<uuid>"
    label: str
    periods: list[date]
    is_seminar: bool = False


def _months_between(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return months


def seminar_windows(network: Network, today: date | None = None) -> list[FunnelPeriod]:
    """Each seminar's window: the months a seminar looks back on, complete by the day it starts.

    The window of a seminar starts with the first month that was not yet complete at the seminar
    before it (for the first seminar: the network's first month), so the windows follow each other
    without overlap. A seminar still to come has the window so far (months complete today); a
    window with no complete month is not offered."""
    today = today or timezone.localdate()
    now_last = min(last_complete_month(network, today), network.last_period)
    choices = []
    start = network.first_period
    for seminar in network_seminar_dates(network=network):
        day = timezone.localdate(seminar.starts_at)
        last = min(last_complete_month(network, day), now_last)
        months = _months_between(start, last)
        if months:
            choices.append(
                FunnelPeriod(
                    key=f"seminar-{seminar.uuid}",
                    label=gettext("Før %(seminar)s (%(first)s – %(last)s)")
                    % {
                        "seminar": seminar.title,
                        "first": month_label(months[0]),
                        "last": month_label(months[-1]),
                    },
                    periods=months,
                    is_seminar=True,
                )
            )
        start = max(start, add_months(last_complete_month(network, day), 1))
    return choices


def funnel_periods(network: Network, today: date | None = None) -> list[FunnelPeriod]:
    """The periods a funnel picker offers: the last 3, 6 and 12 complete months, then each seminar's window."""
    return [
        FunnelPeriod(
            key=str(months),
            label=ngettext("Seneste %(n)s komplette måned", "Seneste %(n)s komplette måneder", months)
            % {"n": months},
            periods=complete_months(network, months, today),
        )
        for months in FUNNEL_MONTHS
    ] + seminar_windows(network, today)


def funnel_period(
    network: Network, key: str, today: date | None = None
) -> tuple[FunnelPeriod, list[FunnelPeriod]]:
    """The chosen period (?tragt=; anything unknown: the last 12 complete months) and all the choices."""
    choices = funnel_periods(network, today)
    by_key = {choice.key: choice for choice in choices}
    return by_key.get(key) or by_key[str(DEFAULT_FUNNEL_MONTHS)], choices


@dataclass
class FunnelView:
    indicator: Indicator
    periods: list[date]
    chart: FunnelChart
    figure: dict
    outliers_text: list[str]
    note_text: str
    own_labels: set[str] = field(default_factory=set)
    n_hidden: int = 0
    dom_id: str = "funnel"
    config: dict = field(default_factory=dict)

    @property
    def period_label(self) -> str:
        if not self.periods:
            return ""
        return f"{month_label(self.periods[0])} – {month_label(self.periods[-1])}"


def _side_words(unit: FunnelUnit, direction: str) -> str:
    high = unit.flag.startswith("high")
    if direction == "neither":
        return gettext("højere end forventet") if high else gettext("lavere end forventet")
    better = high == (direction == "up")
    if high:
        return (
            gettext("højere end forventet (bedre)") if better else gettext("højere end forventet (dårligere)")
        )
    return gettext("lavere end forventet (bedre)") if better else gettext("lavere end forventet (dårligere)")


def outliers_in_words(chart: FunnelChart, direction: str, decimals: int | None = None) -> list[str]:
    """One sentence per flagged team: beyond 99.8 % first, then beyond 95 %."""
    lines = []
    for unit in sorted(chart.units, key=lambda u: (not (u.flag or "").endswith("outlier"), u.unit)):
        if not unit.flag:
            continue
        level = "99,8 %" if unit.flag.endswith("outlier") else "95 %"
        lines.append(
            gettext("%(team)s: %(value)s, uden for %(level)s-grænsen, %(side)s.")
            % {
                "team": unit.unit,
                "value": figures.format_value(unit.value, decimals),
                "level": level,
                "side": _side_words(unit, direction),
            }
        )
    return lines


def _note(chart: FunnelChart) -> str:
    if chart.note == "few_units":
        return gettext(
            "Færre end 15 teams: grænserne er ikke justeret for overspredning (for usikkert med så få teams)."
        )
    if chart.note == "degenerate":
        return gettext("Ingen grænser: netværkets niveau er 0 eller 100 %.")
    if chart.adjusted:
        return gettext("Grænserne er justeret for overspredning mellem teams (φ = %(phi)s).") % {
            "phi": figures.format_number(chart.phi, 2)
        }
    return gettext("Ingen overspredning mellem teams: ujusterede grænser.")


def network_funnel(
    *,
    network: Network,
    indicator: Indicator,
    user: User | AnonymousUser,
    access: NetworkAccess | None,
    months: int = DEFAULT_FUNNEL_MONTHS,
    periods: list[date] | None = None,
    today: date | None = None,
    dom_id: str = "funnel",
    labels: dict[int, PeerLabel] | None = None,
) -> FunnelView | None:
    """The funnel of `indicator` over `periods` (default: the last `months` complete months) as `user`
    may see it (or with the given `labels`, e.g. an API token's teams by name); None when the
    indicator gets no funnel or no team has data."""
    model = funnel_model(indicator)
    if model is None:
        return None
    if periods is None:
        periods = complete_months(
            network, months if months in FUNNEL_MONTHS else DEFAULT_FUNNEL_MONTHS, today
        )
    if labels is None:
        teams = list(Team.objects.filter(network=network).select_related("region"))
        labels = peer_labels(network, user, access=access, teams=teams)
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for team_id, numerator, denominator in (
        Measurement.objects.filter(
            indicator=indicator,
            team__network=network,
            period__in=periods,
            numerator__isnull=False,
            denominator__isnull=False,
        )
        .values("team_id")
        .annotate(o=Sum("numerator"), d=Sum("denominator"))
        .values_list("team_id", "o", "d")
    ):
        sums[team_id] = [float(numerator), float(denominator)]
    if not sums:
        return None
    multiplier = float(indicator.multiplier)
    # The limits and the network's value use every team; only the teams the viewer may see are drawn.
    full = funnel_chart(
        [str(t) for t in sums],
        [v[0] for v in sums.values()],
        [v[1] for v in sums.values()],
        model=model,
        multiplier=multiplier,
    )
    by_id = {int(u.unit): u for u in full.units}
    shown = [replace(u, unit=labels[tid].label) for tid, u in by_id.items() if tid in labels]
    shown.sort(key=lambda u: u.unit)
    chart = FunnelChart(
        model=full.model,
        multiplier=full.multiplier,
        target=full.target,
        phi=full.phi,
        tau2=full.tau2,
        adjusted=full.adjusted,
        note=full.note,
        units=tuple(shown),
        curve=full.curve,
        deviations=full.deviations,
    )
    own = {labels[tid].label for tid in by_id if tid in labels and labels[tid].is_own}
    return FunnelView(
        indicator=indicator,
        periods=periods,
        chart=chart,
        figure=figures.funnel_figure(
            chart,
            unit=indicator.unit,
            own=own,
            direction=indicator.direction,
            decimals=indicator.shown_decimals,
        ),
        outliers_text=outliers_in_words(chart, indicator.direction, indicator.shown_decimals),
        note_text=_note(chart),
        own_labels=own,
        n_hidden=len(by_id) - len(shown),
        dom_id=dom_id,
        config=figures.plot_config(filename=f"tragt-{indicator.code}"),
    )


def named_labels(teams) -> dict[int, PeerLabel]:
    """Teams by name (an API token's teams: its network, or its region)."""
    return {
        t.id: PeerLabel(
            team_id=t.id,
            label=t.name,
            is_named=True,
            is_own=False,
            uuid=t.uuid,
            region_id=t.region_id,
            sector=t.sector,
        )
        for t in teams
    }
