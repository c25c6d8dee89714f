"""Reporting months, deadlines and what is missing or late, per team and per network.

A cell is one (team, indicator, month). It is filled when a measurement exists, with a value or
marked "nothing to report"; a month is late when its deadline (network.reporting_deadline_day of
the following month) has passed and a cell is still empty.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max
from django.utils import timezone

from teams.models import Network, Team

from ..models import Indicator, Measurement, MonthCompletion
from ..months import add_months, current_month
from .definitions import published_indicators


def entry_periods(network: Network, today: date | None = None) -> list[date]:
    """The months a team can enter data for, oldest first: from the network's start to this month."""
    last = current_month(today)
    periods, period = [], network.first_period
    while period <= last:
        periods.append(period)
        period = add_months(period, 1)
    return periods


def reporting_deadline(network: Network, period: date) -> date:
    """The last day to report `period`: the network's deadline day in the following month."""
    return add_months(period, 1).replace(day=network.reporting_deadline_day)


@dataclass
class MonthStatus:
    period: date
    deadline: date
    missing: list[Indicator]
    expected: int  # the published indicators
    is_marked_complete: bool
    is_due: bool  # the deadline has passed

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


def team_completeness(*, team: Team, today: date | None = None) -> TeamCompleteness:
    today = today or timezone.localdate()
    network = team.network
    indicators = list(published_indicators(network=network))
    periods = entry_periods(network, today)
    filled: dict[date, set[int]] = defaultdict(set)
    for indicator_id, period in Measurement.objects.filter(
        team=team, indicator__in=indicators, period__gte=network.first_period
    ).values_list("indicator_id", "period"):
        filled[period].add(indicator_id)
    completed = set(MonthCompletion.objects.filter(team=team).values_list("period", flat=True))
    months = []
    for period in reversed(periods):
        deadline = reporting_deadline(network, period)
        months.append(
            MonthStatus(
                period=period,
                deadline=deadline,
                missing=[i for i in indicators if i.id not in filled[period]],
                expected=len(indicators),
                is_marked_complete=period in completed,
                is_due=deadline < today,
            )
        )
    return TeamCompleteness(team=team, months=months, indicators=indicators)


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
    if not indicators:
        return []
    due_periods = [p for p in entry_periods(network, today) if reporting_deadline(network, p) < today]
    teams = list(teams.filter(network=network, is_active=True).select_related("region"))
    team_ids = [t.id for t in teams]
    filled: dict[tuple[int, date], int] = {
        (row["team_id"], row["period"]): row["n"]
        for row in Measurement.objects.filter(
            team_id__in=team_ids, indicator__in=indicators, period__in=due_periods
        )
        .values("team_id", "period")
        .annotate(n=Count("id"))
    }
    last_reported = dict(
        Measurement.objects.filter(team_id__in=team_ids, indicator__in=indicators)
        .values("team_id")
        .annotate(last=Max("period"))
        .values_list("team_id", "last")
    )
    overdue = []
    for team in teams:
        row = OverdueTeam(team=team, last_reported=last_reported.get(team.id))
        for period in reversed(due_periods):
            missing = len(indicators) - filled.get((team.id, period), 0)
            if missing > 0:
                row.late_periods.append(period)
                row.missing_cells += missing
        if row.late_periods:
            overdue.append(row)
    overdue.sort(key=lambda r: (-r.missing_cells, r.team.name))
    return overdue
