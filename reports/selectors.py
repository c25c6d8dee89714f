"""Reads for reports: which snapshots a user may see and download, and what goes into a report.

A report is made from chart results captured once (`snapshot_capture`), so the PDF, the slides and
the record of what was used agree. Team names go through teams.peers for a *viewpoint*: the
requesting lead's own view (names), or a team member's view (the anonymised file for the teams).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from measures.charts import figures as charts
from measures.models import ChartResult, Indicator
from measures.months import months_back
from measures.selectors.dashboards import (
    POOLED_MIN_OTHER_TEAMS,
    last_reporting_month,
    pooled_mask,
)
from measures.selectors.definitions import published_indicators
from measures.spc.errors import SPCError
from measures.spc.funnel import FunnelChart, funnel_chart
from teams.access import NetworkAccess, network_access
from teams.models import Network, Team
from teams.peers import peer_labels

from .models import ReportSnapshot

NAMED, ANONYMISED = "named", "anonymised"


def team_viewpoint(network: Network) -> NetworkAccess:
    """How a member of some other team sees the network: no role, own team unknown."""
    return NetworkAccess(network=network, roles=frozenset(), is_staff=False, is_team_member=True)


def viewpoint_labels(
    *, network: Network, user: User | AnonymousUser, viewpoint: str, teams: list[Team]
) -> dict[int, str]:
    """Team id -> label as the file's readers may see it; teams absent from the dict are hidden."""
    if viewpoint == ANONYMISED:
        labels = peer_labels(network, AnonymousUser(), access=team_viewpoint(network), teams=teams)
    else:
        labels = peer_labels(network, user, teams=teams)
    return {team_id: label.label for team_id, label in labels.items()}


def needs_anonymised_file(network: Network) -> bool:
    """Teams see their peers anonymised or not at all: the leadership's file would tell them too much."""
    return network.peer_visibility != Network.PeerVisibility.NAMED


# --- Access ---------------------------------------------------------------------------------------


def snapshots_visible_to(
    user: User | AnonymousUser, *, network: Network, access: NetworkAccess | None = None
) -> QuerySet:
    """The network's snapshots the user may see: network reports for every member, team reports
    for those who may read the team."""
    access = access or network_access(user, network)
    readable_teams = Team.objects.visible_to(user).filter(network=network).values("id")
    return (
        ReportSnapshot.objects.filter(network=network)
        .filter(Q(kind=ReportSnapshot.Kind.NETWORK) | Q(team_id__in=readable_teams))
        .select_related("seminar", "team", "requested_by")
    )


def may_download_named(snapshot: ReportSnapshot, access: NetworkAccess) -> bool:
    """The file with names: the leadership (whoever sees all names), or everyone when it is the only file."""
    if snapshot.kind == ReportSnapshot.Kind.TEAM or not snapshot.has_anonymised:
        return True
    return access.sees_all_team_names


def may_download_anonymised(snapshot: ReportSnapshot, access: NetworkAccess) -> bool:
    return snapshot.has_anonymised


# --- Content --------------------------------------------------------------------------------------


def snapshot_capture(*, network: Network, team: Team | None) -> tuple[datetime, list[dict]]:
    """The stored chart results a report uses, read once: national and team charts (network report)
    or the team's charts (team report). Rows still being computed are left out, never waited for."""
    indicators = list(published_indicators(network=network, by_goal=True))
    rows = ChartResult.objects.filter(indicator__in=indicators).select_related("indicator")
    if team is None:
        rows = rows.filter(
            Q(scope=ChartResult.Scope.NATIONAL, network=network)
            | Q(scope=ChartResult.Scope.TEAM, team__network=network, team__is_active=True)
        )
    else:
        rows = rows.filter(scope=ChartResult.Scope.TEAM, team=team)
    now = timezone.now()
    captured = [
        {
            "scope": row.scope,
            "team": row.team_id,
            "indicator": row.indicator_id,
            "computed_at": row.computed_at.isoformat() if row.computed_at else None,
            "data": row.data or {},
        }
        for row in rows.order_by("indicator_id", "scope", "team_id")
    ]
    return now, captured


@dataclass
class ChartItem:
    """One chart of a report: whose, of what, its data and the sentence under it."""

    title: str
    indicator: Indicator
    data: dict
    interpretation: str

    @property
    def has_points(self) -> bool:
        return bool(self.data.get("points"))


@dataclass
class FunnelItem:
    """The teams of one indicator in a funnel plot over the last complete months."""

    indicator: Indicator
    first_period: date
    last_period: date
    chart: FunnelChart


@dataclass
class IndicatorSection:
    indicator: Indicator
    national: ChartItem | None
    teams: list[ChartItem] = field(default_factory=list)
    funnel: FunnelItem | None = None


@dataclass
class TeamSection:
    label: str
    charts: list[ChartItem] = field(default_factory=list)


@dataclass
class ReportContent:
    network: Network
    title: str
    subtitle: str
    data_as_of: datetime
    viewpoint: str
    indicators: list[IndicatorSection]
    teams: list[TeamSection]


FUNNEL_MONTHS = 6
# Proportions and rates compare teams of different size; run and i charts get no funnel.
FUNNEL_MODELS = {"p": "proportion", "pp": "proportion", "u": "rate", "up": "rate"}


def funnel_for(
    *, indicator: Indicator, series: dict[str, dict], last: date, months: int = FUNNEL_MONTHS
) -> FunnelItem | None:
    """A funnel of the teams (label -> chart data) summed over `months` months ending with `last`."""
    model = FUNNEL_MODELS.get(indicator.chart_type)
    if model is None or not indicator.has_denominator:
        return None
    window = {period.isoformat() for period in months_back(last, months)}
    names, numerators, denominators = [], [], []
    for label, data in series.items():
        numerator = denominator = 0.0
        for point in data.get("points") or []:
            if (
                point.get("period") in window
                and point.get("denominator")
                and point.get("numerator") is not None
            ):
                numerator += float(point["numerator"])
                denominator += float(point["denominator"])
        if denominator > 0:
            names.append(label)
            numerators.append(numerator)
            denominators.append(denominator)
    if len(names) < 2:
        return None
    try:
        chart = funnel_chart(
            names, numerators, denominators, model=model, multiplier=float(indicator.multiplier or 1)
        )
    except SPCError:
        return None
    if chart.curve is None:
        return None
    periods = sorted(window)
    return FunnelItem(
        indicator=indicator,
        first_period=date.fromisoformat(periods[0]),
        last_period=date.fromisoformat(periods[-1]),
        chart=chart,
    )


def _has_values(data: dict | None) -> bool:
    return bool(data) and any(point.get("y") is not None for point in data.get("points") or [])


def _item(title: str, indicator: Indicator, data: dict) -> ChartItem:
    text = ""
    if data.get("points"):
        text = charts.interpretation(data, variation=(data.get("classification") or {}).get("variation"))
        assurance = charts.assurance_text(data, (data.get("classification") or {}).get("assurance"))
        extra = [charts.rule_set_label(data), *charts.deviation_texts(data)]
        text = " ".join(part for part in [text, assurance, *extra] if part)
    return ChartItem(title=title, indicator=indicator, data=data, interpretation=text)


def report_content(*, snapshot: ReportSnapshot, viewpoint: str, user: User | AnonymousUser) -> ReportContent:
    """What the slides show, from the snapshot's captured chart results, labelled for the viewpoint."""
    network = snapshot.network
    indicators = list(published_indicators(network=network, by_goal=True))
    by_id = {indicator.id: indicator for indicator in indicators}
    teams = list(Team.objects.filter(network=network).select_related("region"))
    if snapshot.team_id is not None:
        labels = {snapshot.team_id: snapshot.team.name}
    else:
        labels = viewpoint_labels(network=network, user=user, viewpoint=viewpoint, teams=teams)
    named_network = network.peer_visibility == Network.PeerVisibility.NAMED
    national: dict[int, dict] = {}
    per_team: dict[int, dict[int, dict]] = {}
    for row in snapshot.chart_results:
        if row["indicator"] not in by_id:
            continue
        if row["scope"] == ChartResult.Scope.NATIONAL:
            data = row["data"]
            if viewpoint == ANONYMISED and not named_network:
                # The k rule as on the pages: a team member sees a pooled month only with at least
                # three teams besides their own in it.
                data, _hidden = pooled_mask(data, POOLED_MIN_OTHER_TEAMS + 1)
            national[row["indicator"]] = data
        elif row["scope"] == ChartResult.Scope.TEAM and row["team"] in labels:
            per_team.setdefault(row["team"], {})[row["indicator"]] = row["data"]
    ordered_teams = sorted((tid for tid in labels if tid in per_team), key=lambda tid: labels[tid].lower())

    sections = []
    # The funnel covers complete months: those before the month the data were read in.
    last_complete = last_reporting_month(timezone.localdate(snapshot.data_as_of or timezone.now()))
    if snapshot.team_id is None:
        for indicator in indicators:
            data = national.get(indicator.id)
            series = {
                labels[tid]: per_team[tid][indicator.id]
                for tid in ordered_teams
                if per_team[tid].get(indicator.id, {}).get("points")
            }
            sections.append(
                IndicatorSection(
                    indicator=indicator,
                    national=_item(indicator.name, indicator, data) if _has_values(data) else None,
                    teams=[_item(label, indicator, item) for label, item in series.items()],
                    funnel=funnel_for(indicator=indicator, series=series, last=last_complete),
                )
            )
    team_sections = [
        TeamSection(
            label=labels[tid],
            charts=[
                _item(indicator.name, indicator, per_team[tid][indicator.id])
                for indicator in indicators
                if per_team[tid].get(indicator.id, {}).get("points")
            ],
        )
        for tid in ordered_teams
    ]
    title = snapshot.team.name if snapshot.team_id else network.name
    subtitle = network.name if snapshot.team_id else network.topic
    if snapshot.seminar_id:
        subtitle = f"{snapshot.seminar.title} · {subtitle}"
    return ReportContent(
        network=network,
        title=title,
        subtitle=subtitle,
        data_as_of=snapshot.data_as_of,
        viewpoint=viewpoint,
        indicators=sections,
        teams=team_sections,
    )
