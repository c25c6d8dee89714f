"""Reads of the measures app that more than one view (or the API) uses."""

from .entry import (
    MonthStatus,
    OverdueTeam,
    TeamCompleteness,
    current_month,
    entry_indicators,
    entry_periods,
    month_start,
    network_overdue_teams,
    reporting_deadline,
    team_completeness,
)

__all__ = [
    "MonthStatus",
    "OverdueTeam",
    "TeamCompleteness",
    "current_month",
    "entry_indicators",
    "entry_periods",
    "month_start",
    "network_overdue_teams",
    "reporting_deadline",
    "team_completeness",
]
