"""Reporting months, deadlines and what is missing or late, per team and per network.

Two kinds of month. A team MAY enter a month in the entry window (entry_periods, entry_window):
baseline months before the kick-off, the network's run, and follow-up months after the end where
the network allows them. A month is DUE (due_window) only between the network's start and end,
from the indicator's first due month (to its last, if set), and only while the network is active.
Overdue lists, completeness, reminders and the grid's "mangler" count due months only.

A cell is one (team, indicator, month). It is filled when a measurement exists, with a value or
marked "nothing to report"; a month is late when its deadline (network.reporting_deadline_day of
the following month) has passed and a due cell is still empty.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import IntegerField, Max, Value
from django.utils import timezone

from teams.models import Network, Team

from ..models import Indicator, Measurement, MonthCompletion
from ..months import add_months, current_month, month_start
from .definitions import published_indicators


def entry_periods(network: Network, today: date | None = None) -> list[date]:
    """The months a team may enter, oldest first.

    From the baseline months before the start to the end plus the follow-up months the network
    allows, never beyond this month. Wider than the due months (due_window).
    """
    return _months(network.entry_first_period, min(network.entry_last_period, current_month(today)))


def _months(first: date, last: date) -> list[date]:
    periods, period = [], first
    while period <= last:
        periods.append(period)
        period = add_months(period, 1)
    return periods


@dataclass(frozen=True)
class MonthWindow:
    """A closed range of months, first and last included."""

    first: date
    last: date

    def __contains__(self, period: date) -> bool:
        return self.first <= period <= self.last


def indicator_first_due(network: Network, indicator: Indicator) -> date:
    """The indicator's first due month; before the field was set, the month it was published."""
    if indicator.first_due_month is not None:
        return indicator.first_due_month
    if indicator.published_at is not None:
        return max(network.first_period, month_start(timezone.localdate(indicator.published_at)))
    return network.first_period


def entry_window(network: Network, indicator: Indicator) -> MonthWindow:
    """The months a team may enter for this indicator (the future is refused separately)."""
    last = network.entry_last_period
    if indicator.last_due_month is not None:
        last = min(last, indicator.last_due_month)
    return MonthWindow(network.entry_first_period, last)


def run_window(network: Network, indicator: Indicator) -> MonthWindow | None:
    """The months the indicator belongs to the network's run: start to end, from its first due month.

    Whatever the network's status; dashboards show completeness over these months, also afterwards.
    """
    first = max(network.first_period, indicator_first_due(network, indicator))
    last = network.last_period
    if indicator.last_due_month is not None:
        last = min(last, indicator.last_due_month)
    if last < first:
        return None
    return MonthWindow(first, last)


def due_window(network: Network, indicator: Indicator) -> MonthWindow | None:
    """The months the indicator is due in: its run window while the network is active.

    None when nothing is due at all: a network in preparation, paused or closed has no due months,
    so it never shows overdue months, completeness gaps or sends reminders.
    """
    if not network.has_reporting_obligation:
        return None
    return run_window(network, indicator)


def due_indicators(
    network: Network, indicators: list[Indicator], period: date, *, window=due_window
) -> list[Indicator]:
    """The indicators of `indicators` that are due in `period` (or, with window=run_window, expected)."""
    return [i for i in indicators if (w := window(network, i)) is not None and period in w]


def reporting_deadline(network: Network, period: date) -> date:
    """The last day to report `period`: the network's deadline day in the following month."""
    return add_months(period, 1).replace(day=network.reporting_deadline_day)


@dataclass
class MonthStatus:
    period: date
    deadline: date
    missing: list[Indicator]  # due in this month and not filled
    expected: int  # the indicators due in this month
    is_marked_complete: bool
    is_due: bool  # the deadline has passed
    due: list[Indicator] = field(default_factory=list)  # the indicators due in this month

    @property
    def is_due_month(self) -> bool:
        """Whether anything is due in this month (baseline and follow-up months are voluntary)."""
        return bool(self.due)

    @property
    def reported(self) -> int:
        """Indicators with a value or "nothing to report" this month."""
        return self.expected - len(self.missing)

    @property
    def share(self) -> float:
        return self.reported / self.expected if self.expected else 0.0

    @property
    def is_late(self) -> bool:
        return self.is_due and bool(self.missing)

    @property
    def is_filled(self) -> bool:
        return not self.missing


@dataclass
class TeamCompleteness:
    team: Team
    months: list[MonthStatus]  # newest first
    indicators: list[Indicator]
    # The stored values by (indicator id, month), when asked for with_values (the grid).
    values: dict[tuple[int, date], Measurement] = field(default_factory=dict)

    @property
    def late_months(self) -> list[MonthStatus]:
        return [m for m in self.months if m.is_late]

    @property
    def open_months(self) -> list[MonthStatus]:
        """Months with empty cells whose deadline has not passed yet."""
        return [m for m in self.months if m.missing and not m.is_due]

    def recent_months(self, count: int, *, last: date) -> list[MonthStatus]:
        """The last `count` months up to `last` (none before the network's start), oldest first."""
        return [m for m in reversed(self.months) if m.period <= last][-count:]


GRID_FIELDS = (
    "indicator_id",
    "period",
    "numerator",
    "denominator",
    "nothing_to_report",
    "needs_checking",
    "comment",
    "version",
    "entered_after_lock",
)


def team_completeness(
    *,
    team: Team,
    today: date | None = None,
    with_values: bool = False,
    indicators: list[Indicator] | None = None,
) -> TeamCompleteness:
    """The team's months in the entry window, newest first, with what is due, missing and late.

    with_values: also the stored values themselves (the grid), read in the same single query.
    indicators: the network's published indicators when the caller has them already (in its own
    order), so they are not read twice.
    """
    today = today or timezone.localdate()
    network = team.network
    if indicators is None:
        indicators = list(published_indicators(network=network))
    periods = entry_periods(network, today)
    filled: dict[date, set[int]] = defaultdict(set)
    # Unordered: the default ordering joins the team and network tables for nothing here.
    rows = Measurement.objects.filter(team_id=team.id, indicator_id__in=[i.id for i in indicators]).order_by()
    values: dict[tuple[int, date], Measurement] = {}
    completions = MonthCompletion.objects.filter(team_id=team.id).order_by()
    completed: set[date] = set()
    if with_values:
        for m in rows.only(*GRID_FIELDS):
            values[(m.indicator_id, m.period)] = m
            filled[m.period].add(m.indicator_id)
        completed.update(completions.values_list("period", flat=True))
    else:
        # The filled cells and the months marked complete in one round trip: a marked month comes
        # back without an indicator.
        cells = rows.filter(period__gte=network.entry_first_period).values_list("indicator_id", "period")
        marked = completions.values_list(Value(None, output_field=IntegerField()), "period")
        for indicator_id, period in cells.union(marked, all=True):
            if indicator_id is None:
                completed.add(period)
            else:
                filled[period].add(indicator_id)
    # Each indicator's due months once, not once per month (36 months x 10 indicators in the grid).
    windows = [(i, w) for i in indicators if (w := due_window(network, i)) is not None]
    months = []
    for period in reversed(periods):
        deadline = reporting_deadline(network, period)
        due = [i for i, w in windows if period in w]
        months.append(
            MonthStatus(
                period=period,
                deadline=deadline,
                missing=[i for i in due if i.id not in filled[period]],
                expected=len(due),
                is_marked_complete=period in completed,
                is_due=deadline < today,
                due=due,
            )
        )
    return TeamCompleteness(team=team, months=months, indicators=indicators, values=values)


@dataclass
class OverdueTeam:
    team: Team
    late_periods: list[date] = field(default_factory=list)  # newest first
    missing_cells: int = 0
    last_reported: date | None = None

    @property
    def oldest_late(self) -> date | None:
        return self.late_periods[-1] if self.late_periods else None


def network_overdue_teams(*, network: Network, teams, today: date | None = None) -> list[OverdueTeam]:
    """The teams (from `teams`, already limited to what the user may see) with late months, worst first.

    Two queries whatever the number of teams: filled cells counted per team and month, and the
    last reported month per team.
    """
    today = today or timezone.localdate()
    indicators = list(published_indicators(network=network))
    due_by_period = {
        period: due
        for period in past_deadline_periods(network, today)
        if (due := due_indicators(network, indicators, period))
    }
    if not due_by_period:
        return []
    teams = list(teams.filter(network=network, is_active=True).select_related("region"))
    team_ids = [t.id for t in teams]
    filled: dict[tuple[int, date], set[int]] = defaultdict(set)
    for team_id, period, indicator_id in Measurement.objects.filter(
        team_id__in=team_ids, indicator__in=indicators, period__in=list(due_by_period)
    ).values_list("team_id", "period", "indicator_id"):
        filled[(team_id, period)].add(indicator_id)
    last_reported = dict(
        Measurement.objects.filter(team_id__in=team_ids, indicator__in=indicators)
        .values("team_id")
        .annotate(last=Max("period"))
        .values_list("team_id", "last")
    )
    overdue = []
    for team in teams:
        row = OverdueTeam(team=team, last_reported=last_reported.get(team.id))
        for period in sorted(due_by_period, reverse=True):
            have = filled.get((team.id, period), set())
            missing = sum(1 for i in due_by_period[period] if i.id not in have)
            if missing > 0:
                row.late_periods.append(period)
                row.missing_cells += missing
        if row.late_periods:
            overdue.append(row)
    overdue.sort(key=lambda r: (-r.missing_cells, r.team.name))
    return overdue


def past_deadline_periods(network: Network, today: date | None = None) -> list[date]:
    """The network's due months whose deadline has passed, oldest first (empty without an obligation)."""
    today = today or timezone.localdate()
    if not network.has_reporting_obligation:
        return []
    last = min(network.last_period, current_month(today))
    return [p for p in _months(network.first_period, last) if reporting_deadline(network, p) < today]
