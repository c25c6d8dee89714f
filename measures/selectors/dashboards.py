"""Reads for the dashboards: stored chart results only, never a computation in the request.

Every function here makes a fixed number of queries, whatever the number of teams or indicators
(the network dashboard's query count is asserted in tests/measures/test_dashboards.py).
Team names go through teams.peers, so anonymised peers never appear by name or UUID.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from measures.charts import figures
from measures.models import (
    Annotation,
    ChartResult,
    ChartSettings,
    ExcludedPoint,
    Goal,
    Indicator,
    IndicatorVersion,
    LocalTarget,
    Measurement,
    PDSACycle,
    PhaseBreak,
    PublicationStatus,
)
from measures.months import current_month, months_back, previous_month
from measures.selectors.definitions import published_indicators
from measures.selectors.entry import MonthStatus, team_completeness
from teams.access import NetworkAccess
from teams.models import Network, Organisation, Sector, Team
from teams.peers import PeerLabel, peer_labels

from .entry import OverdueTeam, due_indicators, network_overdue_teams, run_window

COMPLETENESS_MONTHS = 12
TEAM_COMPLETENESS_MONTHS = 6


@dataclass
class ChartCard:
    """One chart ready for a template: the figure, its text and icons, and the table view."""

    dom_id: str
    title: str
    indicator: Indicator
    has_result: bool
    is_stale: bool
    figure: dict | None
    config: dict
    interpretation: str
    assurance_text: str
    variation_icon: figures.Icon | None
    assurance_icon: figures.Icon | None
    variation: str
    table: list[dict] = field(default_factory=list)
    computed_at: object = None
    has_limits: bool = False
    is_aggregate: bool = False
    change_note: IndicatorVersion | None = None  # a recent new version, shown beside the chart
    rule_set_label: str = ""
    deviations: list[str] = field(default_factory=list)
    n_hidden_points: int = 0


def pooled_mask(data: dict, min_teams: int | None) -> tuple[dict, int]:
    """A pooled chart as an anonymised viewer may see it: months with fewer than `min_teams` teams
    are left out (value, numbers and signals), so no team's numbers can be inferred from the
    national or regional line. Returns the masked copy and how many months were hidden."""
    if not min_teams or not data.get("points"):
        return data, 0
    points, hidden = [], 0
    for point in data["points"]:
        n = point.get("n_teams")
        if n is not None and n < min_teams:
            hidden += 1
            point = {
                **point,
                "y": None,
                "numerator": None,
                "denominator": None,
                "sigma_signal": False,
                "n_teams": None,
                "hidden": True,
            }
        points.append(point)
    return {**data, "points": points}, hidden


POOLED_MIN_OTHER_TEAMS = 3


def last_reporting_month(today: date | None = None) -> date:
    """The most recent month teams are expected to have reported: the month before this one."""
    return previous_month(current_month(today))


def safe_filename(text: str) -> str:
    keep = [c if c.isalnum() else "-" for c in text.lower()]
    return "-".join(part for part in "".join(keep).split("-") if part)[:80] or "diagram"


def chart_card(
    *,
    result: ChartResult | None,
    indicator: Indicator,
    title: str,
    dom_id: str,
    filename: str,
    compact: bool = False,
    y_range: tuple[float, float] | None = None,
    show_annotations: bool = True,
    with_table: bool = True,
    height: int | None = None,
    change_note: IndicatorVersion | None = None,
    min_pooled_teams: int | None = None,
) -> ChartCard:
    """One chart for a template. `min_pooled_teams`: for viewers who see peers anonymised, pooled
    months with fewer teams are hidden (see pooled_mask)."""
    data = (result.data if result is not None else None) or {}
    data, n_hidden = pooled_mask(data, min_pooled_teams)
    has_result = bool(data.get("points"))
    variation = (result.variation if result is not None else "") or (data.get("classification") or {}).get(
        "variation", ""
    )
    assurance = (result.assurance if result is not None else "") or ""
    return ChartCard(
        dom_id=dom_id,
        title=title,
        indicator=indicator,
        has_result=has_result,
        is_stale=bool(result is not None and result.is_stale),
        figure=figures.build_figure(
            data, compact=compact, y_range=y_range, show_annotations=show_annotations, height=height
        )
        if has_result
        else None,
        config=figures.plot_config(filename=safe_filename(filename), compact=compact),
        interpretation=figures.interpretation(data, variation=variation) if has_result else "",
        assurance_text=figures.assurance_text(data, assurance) if has_result else "",
        variation_icon=figures.variation_icon(data, variation) if has_result else None,
        assurance_icon=figures.assurance_icon(data, assurance) if has_result else None,
        variation=variation,
        table=figures.table_rows(data) if has_result and with_table else [],
        computed_at=result.computed_at if result is not None else None,
        has_limits=figures.has_limits(data),
        is_aggregate=figures.is_pooled(data),
        rule_set_label=figures.rule_set_label(data) if has_result else "",
        deviations=figures.deviation_texts(data) if has_result else [],
        n_hidden_points=n_hidden,
        change_note=change_note,
    )


# How long the change note of a new indicator version stays beside the charts: long enough for
# every team to have seen it at a monthly entry, after that it is in the chart's history.
CHANGE_NOTE_DAYS = 45


def recent_change_notes(indicators: list[Indicator], *, now=None) -> dict[int, IndicatorVersion]:
    """The newest version (2 or later) of each indicator published within CHANGE_NOTE_DAYS; one query,
    none when every indicator is still at its first version (as most are)."""
    since = (now or timezone.now()) - timedelta(days=CHANGE_NOTE_DAYS)
    notes: dict[int, IndicatorVersion] = {}
    republished = [i for i in indicators if i.version >= 2]
    if not republished:
        return notes
    for version in IndicatorVersion.objects.filter(
        indicator__in=republished, version__gte=2, published_at__gte=since
    ).order_by("indicator_id", "-version"):
        notes.setdefault(version.indicator_id, version)
    return notes


def min_pooled_teams_for(network: Network, user, access: NetworkAccess) -> int | None:
    """The k rule for pooled charts: a viewer who sees peers anonymised sees a pooled month only when
    it includes at least 3 teams besides their own (4 if they have a team in the network, since
    their own team may be one of them). Viewers who see every team by name: no rule."""
    if access.sees_all_team_names or network.peer_visibility == Network.PeerVisibility.NAMED:
        return None
    # The access already knows whether the viewer has a team here (also for the reports app's
    # "member of some team" viewpoint, which has no user row).
    return POOLED_MIN_OTHER_TEAMS + (1 if access.is_team_member else 0)


# --- Team dashboard -----------------------------------------------------------------------------


@dataclass
class CardSource:
    """One card of the team dashboard before its chart data is read: the stored result (without
    its `data`) and everything else the card shows, so a rendered card can be cached under what it
    shows (see `version`) and the data read only for the cards that are not cached."""

    indicator: Indicator
    result: ChartResult | None
    change_note: IndicatorVersion | None
    dom_id: str
    filename: str

    def version(self) -> tuple:
        """What the card shows changes only when one of these does: the chart result moves
        `synced_at` with every computation and stale mark, the indicator `updated_at` with every
        edit, the change note comes and goes."""
        result, indicator, note = self.result, self.indicator, self.change_note
        return (
            (result.id, result.synced_at.isoformat(), result.is_stale) if result is not None else None,
            (indicator.id, indicator.uuid.hex, indicator.updated_at.isoformat(), indicator.version),
            (note.id, note.published_at.isoformat()) if note is not None else None,
            self.dom_id,
            self.filename,
        )


@dataclass
class GoalGroup:
    goal: Goal | None
    cards: list[ChartCard]
    sources: list[CardSource] = field(default_factory=list)


@dataclass
class TeamDashboard:
    team: Team
    groups: list[GoalGroup]
    completeness: list[MonthStatus]
    annotations: list[Annotation]
    pdsa_cycles: list[PDSACycle]
    local_targets: list[LocalTarget]


def team_cards(sources: list[CardSource], *, with_table: bool = True) -> list[ChartCard]:
    """The cards of `sources`, their chart data read in one query."""
    data = dict(
        ChartResult.objects.filter(id__in=[s.result.id for s in sources if s.result is not None])
        .order_by()
        .values_list("id", "data")
    )
    cards = []
    for source in sources:
        if source.result is not None:
            source.result.data = data.get(source.result.id) or {}
        cards.append(
            chart_card(
                result=source.result,
                indicator=source.indicator,
                title=source.indicator.name,
                dom_id=source.dom_id,
                filename=source.filename,
                with_table=with_table,
                change_note=source.change_note,
            )
        )
    return cards


def team_dashboard(
    *, team: Team, with_tables: bool = True, today: date | None = None, build_cards: bool = True
) -> TeamDashboard:
    """Every published indicator of the team's network with the team's stored chart, grouped by goal.

    `build_cards=False` (the dashboard page) leaves each group's cards empty and its `sources`
    filled, to be rendered through the card cache (measures.views.team_cards), and leaves out the
    local targets, which only the printed report lists."""
    indicators = list(published_indicators(network=team.network, by_goal=True))
    results = {
        result.indicator_id: result
        # No ordering: the model's default ordering joins network and indicator for nothing here.
        for result in ChartResult.objects.filter(scope=ChartResult.Scope.TEAM, team=team)
        .defer("data")
        .order_by()
    }
    groups: list[GoalGroup] = []
    by_goal: dict[int | None, GoalGroup] = {}
    notes = recent_change_notes(indicators)
    for indicator in indicators:
        group = by_goal.get(indicator.goal_id)
        if group is None:
            group = by_goal[indicator.goal_id] = GoalGroup(goal=indicator.goal, cards=[])
            groups.append(group)
        group.sources.append(
            CardSource(
                indicator=indicator,
                result=results.get(indicator.id),
                change_note=notes.get(indicator.id),
                dom_id=f"chart-{indicator.code}",
                filename=f"{team.code}-{indicator.code}",
            )
        )
    if build_cards:
        cards = iter(team_cards([s for g in groups for s in g.sources], with_table=with_tables))
        for group in groups:
            group.cards = [next(cards) for _ in group.sources]
    return TeamDashboard(
        team=team,
        groups=groups,
        completeness=[
            month
            for month in team_completeness(team=team, today=today).recent_months(
                TEAM_COMPLETENESS_MONTHS, last=last_reporting_month(today)
            )
            if month.expected
        ],
        annotations=list(
            Annotation.objects.filter(team=team).select_related("indicator").order_by("-date", "-id")[:5]
        ),
        pdsa_cycles=list(PDSACycle.objects.filter(team=team).order_by("-start_date", "-id")[:5]),
        # Only the printed report lists them; the dashboard shows them on the indicator pages.
        local_targets=list(LocalTarget.objects.filter(team=team).select_related("indicator"))
        if build_cards
        else [],
    )


def completeness_periods(network: Network, count: int, today: date | None = None) -> list[date]:
    """The `count` months a completeness overview shows: the latest reported months of the run.

    A closed network shows its last months, not the empty months since it ended; a network that
    has not started shows none.
    """
    last = min(last_reporting_month(today), network.last_period)
    return [p for p in months_back(last, count) if p >= network.first_period]


# --- Indicator page for a team -------------------------------------------------------------------


@dataclass
class IndicatorPage:
    card: ChartCard
    settings: ChartSettings | None
    phase_breaks: list[PhaseBreak]
    excluded_points: list[ExcludedPoint]
    measurements: list[Measurement]
    local_target: LocalTarget | None
    annotations: list[Annotation]
    versions: list[IndicatorVersion] = field(default_factory=list)  # the chart's history, newest first
    pdsa_cycles: list[PDSACycle] = field(default_factory=list)  # the cycles marked on this chart


def indicator_page(*, team: Team, indicator: Indicator) -> IndicatorPage:
    result = ChartResult.objects.filter(scope=ChartResult.Scope.TEAM, team=team, indicator=indicator).first()
    card = chart_card(
        result=result,
        indicator=indicator,
        title=indicator.name,
        dom_id=f"chart-{indicator.code}",
        filename=f"{team.code}-{indicator.code}",
        height=480,
        change_note=recent_change_notes([indicator]).get(indicator.id),
    )
    return IndicatorPage(
        card=card,
        settings=ChartSettings.objects.filter(team=team, indicator=indicator).first(),
        phase_breaks=list(PhaseBreak.objects.filter(team=team, indicator=indicator)),
        excluded_points=list(ExcludedPoint.objects.filter(team=team, indicator=indicator)),
        measurements=list(
            Measurement.objects.filter(team=team, indicator=indicator)
            .select_related("indicator")
            .order_by("-period")
        ),
        local_target=LocalTarget.objects.filter(team=team, indicator=indicator).first(),
        annotations=list(
            Annotation.objects.filter(team=team).filter(Q(indicator=indicator) | Q(indicator__isnull=True))
        ),
        versions=list(IndicatorVersion.objects.filter(indicator=indicator).order_by("-version")),
        pdsa_cycles=list(
            PDSACycle.objects.filter(team=team, indicators=indicator).order_by("-start_date", "-id")
        ),
    )


# --- Network dashboard --------------------------------------------------------------------------


@dataclass
class MatrixCell:
    indicator: Indicator
    variation: str
    variation_icon: figures.Icon | None
    assurance_icon: figures.Icon | None
    is_stale: bool
    has_result: bool


@dataclass
class TeamRow:
    peer: PeerLabel
    region_name: str
    sector_label: str
    link_uuid: object  # the team's UUID when the viewer may open the team page, else None
    cells: list[MatrixCell]
    completeness: list[float | None]


@dataclass
class GoalProgress:
    goal: Goal
    n_improving: int
    n_concern: int
    n_teams: int


@dataclass
class NetworkDashboard:
    network: Network
    access: NetworkAccess
    indicators: list[Indicator]
    rows: list[TeamRow]
    selected: Indicator | None
    small_multiples: list[ChartCard]
    national_cards: list[ChartCard]
    completeness_months: list[date]
    goal_progress: list[GoalProgress]
    regions: list[Organisation]
    sectors: list[tuple[str, str]]
    region_filter: str
    sector_filter: str
    sort: str
    peer_visibility: str
    n_hidden: int


def _cell(indicator: Indicator, row: dict | None) -> MatrixCell:
    if row is None or not row["n_points"]:
        return MatrixCell(indicator, "", None, None, bool(row and row["is_stale"]), False)
    # Only the fields the icons need: a fake "data" so the icon helpers can read side and direction.
    data = {"direction": indicator.direction, "classification": {"side": row["side"]}}
    return MatrixCell(
        indicator=indicator,
        variation=row["variation"],
        variation_icon=figures.variation_icon(data, row["variation"]),
        assurance_icon=figures.assurance_icon(data, row["assurance"]),
        is_stale=row["is_stale"],
        has_result=True,
    )


def network_dashboard(
    *,
    access: NetworkAccess,
    user,
    indicator_code: str = "",
    region: str = "",
    sector: str = "",
    sort: str = "",
    today: date | None = None,
) -> NetworkDashboard:
    """The cross-team view: matrix, small multiples of one indicator, national charts, completeness."""
    network = access.network
    teams = list(Team.objects.filter(network=network, is_active=True).select_related("region"))
    labels = peer_labels(network, user, access=access, teams=teams)
    openable = set(Team.objects.visible_to(user).filter(network=network).values_list("id", flat=True))
    indicators = list(published_indicators(network=network, by_goal=True))
    by_code = {indicator.code: indicator for indicator in indicators}
    selected = by_code.get(indicator_code) or (indicators[0] if indicators else None)

    visible = [team for team in teams if team.id in labels]
    shown = _filtered_teams(visible, labels, region=region, sector=sector)
    shown_ids = {team.id for team in shown}
    summaries = _team_chart_summaries(network)
    periods = completeness_periods(network, COMPLETENESS_MONTHS, today)
    expected = _expected_per_month(network, indicators, periods)
    rows = _sorted_rows(
        _team_rows(
            shown,
            labels=labels,
            openable=openable,
            indicators=indicators,
            summaries=summaries,
            periods=periods,
            reported=_reported_per_team_month(network, periods, expected),
            expected=expected,
        ),
        sort,
        indicators,
    )
    return NetworkDashboard(
        network=network,
        access=access,
        indicators=indicators,
        rows=rows,
        selected=selected,
        small_multiples=_small_multiples(selected, rows, shown_ids) if selected is not None else [],
        national_cards=_national_cards(
            network, indicators, min_teams=min_pooled_teams_for(network, user, access)
        ),
        completeness_months=periods,
        goal_progress=goal_progress(
            network=network, indicators=indicators, summaries=summaries, team_ids=shown_ids
        ),
        regions=sorted(
            {
                team.region.uuid: team.region for team in visible if labels[team.id].region_id is not None
            }.values(),
            key=lambda org: org.name,
        ),
        sectors=[
            (value, label)
            for value, label in Sector.choices
            if any(labels[t.id].sector == value for t in visible)
        ],
        region_filter=region,
        sector_filter=sector,
        sort=sort,
        peer_visibility=network.peer_visibility,
        n_hidden=len(teams) - len(labels),
    )


def _filtered_teams(visible: list[Team], labels: dict, *, region: str, sector: str) -> list[Team]:
    """The filters by region and sector, only on what the viewer may know of a team."""
    shown = visible
    if region:
        shown = [team for team in shown if labels[team.id].region_id and str(team.region.uuid) == region]
    if sector:
        shown = [team for team in shown if labels[team.id].sector == sector]
    return shown


def _team_chart_summaries(network: Network) -> dict[tuple[int, int], dict]:
    """(team id, indicator id) -> the summary columns of its chart and the side of the signal.

    The matrix reads only these, not the whole data."""
    return {
        (row["team_id"], row["indicator_id"]): row
        for row in ChartResult.objects.filter(network=network, scope=ChartResult.Scope.TEAM).values(
            "team_id",
            "indicator_id",
            "variation",
            "assurance",
            "is_stale",
            "n_points",
            side=KT("data__classification__side"),
        )
    }


def _expected_per_month(
    network: Network, indicators: list[Indicator], periods: list[date]
) -> dict[date, set[int]]:
    """Month -> the indicators expected that month (from each one's first due month, in the run)."""
    return {p: {i.id for i in due_indicators(network, indicators, p, window=run_window)} for p in periods}


def _reported_per_team_month(
    network: Network, periods: list[date], expected: dict[date, set[int]]
) -> dict[tuple[int, date], int]:
    """(team id, month) -> expected indicators reported (a value or "nothing to report")."""
    reported: dict[tuple[int, date], int] = defaultdict(int)
    for team_id, period, indicator_id in Measurement.objects.filter(
        team__network=network, period__in=periods, indicator__status=PublicationStatus.PUBLISHED
    ).values_list("team_id", "period", "indicator_id"):
        if indicator_id in expected[period]:
            reported[(team_id, period)] += 1
    return reported


def _team_rows(
    shown: list[Team],
    *,
    labels: dict,
    openable: set[int],
    indicators: list[Indicator],
    summaries: dict[tuple[int, int], dict],
    periods: list[date],
    reported: dict[tuple[int, date], int],
    expected: dict[date, set[int]],
) -> list[TeamRow]:
    """One matrix row per shown team: its cells and completeness, named or anonymised as it may be seen."""
    rows = []
    for team in shown:
        peer = labels[team.id]
        rows.append(
            TeamRow(
                peer=peer,
                region_name=team.region.name if peer.is_named else "",
                sector_label=team.get_sector_display() if peer.is_named else "",
                link_uuid=team.uuid if peer.is_named and team.id in openable else None,
                cells=[_cell(indicator, summaries.get((team.id, indicator.id))) for indicator in indicators],
                completeness=[
                    reported.get((team.id, p), 0) / len(expected[p]) if expected[p] else None for p in periods
                ],
            )
        )
    return rows


def _small_multiples(selected: Indicator, rows: list[TeamRow], shown_ids: set[int]) -> list[ChartCard]:
    """The selected indicator for every row's team, in the rows' order, on one shared y axis."""
    results = {
        result.team_id: result
        for result in ChartResult.objects.filter(
            scope=ChartResult.Scope.TEAM, indicator=selected, team_id__in=shown_ids
        )
    }
    y_range = figures.y_extent([result.data for result in results.values() if result.data])
    return [
        chart_card(
            result=results.get(row.peer.team_id),
            indicator=selected,
            title=row.peer.label,
            dom_id=f"small-{index}",
            filename=f"{selected.code}-{row.peer.label}",
            compact=True,
            y_range=y_range,
            show_annotations=False,
            with_table=False,
            height=170,
        )
        for index, row in enumerate(rows)
    ]


def _national_cards(
    network: Network, indicators: list[Indicator], *, min_teams: int | None
) -> list[ChartCard]:
    """Every indicator's national chart (months with too few teams are hidden: `min_teams`)."""
    national = {
        result.indicator_id: result
        for result in ChartResult.objects.filter(network=network, scope=ChartResult.Scope.NATIONAL)
    }
    notes = recent_change_notes(indicators)
    return [
        chart_card(
            result=national.get(indicator.id),
            indicator=indicator,
            title=indicator.name,
            dom_id=f"national-{indicator.code}",
            filename=f"{network.slug}-{indicator.code}-national",
            change_note=notes.get(indicator.id),
            min_pooled_teams=min_teams,
        )
        for indicator in indicators
    ]


def _sorted_rows(rows: list[TeamRow], sort: str, indicators: list[Indicator]) -> list[TeamRow]:
    """Sort by team label, or by one indicator's variation (concerns first) when `sort` is its code."""
    codes = [indicator.code for indicator in indicators]
    rows = sorted(rows, key=lambda row: row.peer.label.lower())
    if sort in codes:
        column = codes.index(sort)
        rows.sort(key=lambda row: figures.VARIATION_RANK.get(row.cells[column].variation, 5))
    return rows


def goal_progress(
    *,
    network: Network,
    indicators: list[Indicator],
    summaries: dict[tuple[int, int], dict],
    team_ids: set[int],
) -> list[GoalProgress]:
    """Per goal: teams with an improvement (and with a concern) in at least one of its indicators."""
    improving: dict[int, set[int]] = defaultdict(set)
    concern: dict[int, set[int]] = defaultdict(set)
    goal_of = {indicator.id: indicator.goal_id for indicator in indicators if indicator.goal_id}
    for (team_id, indicator_id), row in summaries.items():
        goal_id = goal_of.get(indicator_id)
        if goal_id is None or team_id not in team_ids:
            continue
        if row["variation"] == ChartResult.Variation.IMPROVEMENT:
            improving[goal_id].add(team_id)
        elif row["variation"] == ChartResult.Variation.CONCERN:
            concern[goal_id].add(team_id)
    goals = {indicator.goal_id: indicator.goal for indicator in indicators if indicator.goal_id}
    return [
        GoalProgress(
            goal=goal,
            n_improving=len(improving[goal.id]),
            n_concern=len(concern[goal.id]),
            n_teams=len(team_ids),
        )
        for goal in sorted(goals.values(), key=lambda goal: goal.number)
    ]


# --- Goal page ----------------------------------------------------------------------------------


@dataclass
class IndicatorProgress:
    card: ChartCard
    n_improving: int
    n_concern: int
    n_common: int
    n_teams: int


@dataclass
class GoalDashboard:
    goal: Goal
    indicators: list[IndicatorProgress]
    n_improving: int
    n_teams: int


def goal_dashboard(*, access: NetworkAccess, user, goal: Goal) -> GoalDashboard:
    network = access.network
    teams = list(Team.objects.filter(network=network, is_active=True).select_related("region"))
    team_ids = set(peer_labels(network, user, access=access, teams=teams))
    indicators = list(published_indicators(network=network, by_goal=True).filter(goal=goal))
    national = {
        result.indicator_id: result
        for result in ChartResult.objects.filter(
            network=network, scope=ChartResult.Scope.NATIONAL, indicator__in=indicators
        )
    }
    counts: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for team_id, indicator_id, variation in ChartResult.objects.filter(
        scope=ChartResult.Scope.TEAM, indicator__in=indicators, team_id__in=team_ids
    ).values_list("team_id", "indicator_id", "variation"):
        counts[indicator_id][variation].add(team_id)
    notes = recent_change_notes(indicators)
    progress = [
        IndicatorProgress(
            card=chart_card(
                result=national.get(indicator.id),
                indicator=indicator,
                title=indicator.name,
                dom_id=f"national-{indicator.code}",
                filename=f"{network.slug}-{indicator.code}-national",
                change_note=notes.get(indicator.id),
                min_pooled_teams=min_pooled_teams_for(network, user, access),
            ),
            n_improving=len(counts[indicator.id][ChartResult.Variation.IMPROVEMENT]),
            n_concern=len(counts[indicator.id][ChartResult.Variation.CONCERN]),
            n_common=len(counts[indicator.id][ChartResult.Variation.COMMON_CAUSE]),
            n_teams=len(team_ids),
        )
        for indicator in indicators
    ]
    improving_any = (
        set().union(*(counts[i.id][ChartResult.Variation.IMPROVEMENT] for i in indicators))
        if indicators
        else set()
    )
    return GoalDashboard(
        goal=goal, indicators=progress, n_improving=len(improving_any), n_teams=len(team_ids)
    )


# --- Home page of a leader ----------------------------------------------------------------------


@dataclass
class FollowedTeam:
    team: Team
    late_months: int
    missing_cells: int
    last_reported: date | None


def followed_teams(*, user) -> list[tuple[Network, list[FollowedTeam]]]:
    """The teams an observer (e.g. a hospital director) follows, per network, with their reporting status.

    Three queries per network whatever the number of teams (see network_overdue_teams); the user's
    own teams are on the home page already and are left out here.
    """
    from teams.models import NetworkMembership

    networks = (
        Network.objects.filter(memberships__user=user, memberships__role=NetworkMembership.Role.OBSERVER)
        .distinct()
        .order_by("name")
    )
    result = []
    for network in networks:
        teams = (
            Team.objects.visible_to(user)
            .filter(network=network, is_active=True)
            .exclude(memberships__user=user)
            .select_related("region")
            .order_by("name")
        )
        overdue: dict[int, OverdueTeam] = {
            row.team.id: row for row in network_overdue_teams(network=network, teams=teams)
        }
        last = dict(
            Measurement.objects.filter(team__in=teams)
            .values("team_id")
            .annotate(last=Max("period"))
            .values_list("team_id", "last")
        )
        rows = [
            FollowedTeam(
                team=team,
                late_months=len(overdue[team.id].late_periods) if team.id in overdue else 0,
                missing_cells=overdue[team.id].missing_cells if team.id in overdue else 0,
                last_reported=last.get(team.id),
            )
            for team in teams
        ]
        if rows:
            result.append((network, rows))
    return result
