"""Reads for the dashboards: stored chart results only, never a computation in the request.

Every function here makes a fixed number of queries, whatever the number of teams or indicators
(the network dashboard's query count is asserted in tests/measures/test_dashboards.py).
Team names go through teams.peers, so anonymised peers never appear by name or UUID.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.fields.json import KT
from django.urls import reverse
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
from teams.models import Network, NetworkMembership, Organisation, Sector, Team
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
    table_url: str = ""  # where the table view is when it is not on this page


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


def min_pooled_teams_for(network: Network, user: User | AnonymousUser, access: NetworkAccess) -> int | None:
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
            for month in team_completeness(team=team, today=today, indicators=indicators).recent_months(
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

# The matrix, the heat map and the small multiples show the teams a page at a time: at 200 teams
# the whole network in one page was 1.7 MB of HTML and 200 chart rows read per request. 24 fills
# rows of 2, 3 and 4 small multiples alike.
TEAMS_PER_PAGE = 24
# How long the cached parts live at most; they are keyed by the chart rows' change stamp, so a new
# value or computation makes a new key long before that.
NETWORK_CACHE_SECONDS = 6 * 3600


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
class TeamPage:
    """Which page of the (filtered, sorted) teams is shown: 1-based, with the teams' positions."""

    number: int
    n_pages: int
    n_teams: int
    first: int  # position of the page's first team, 1-based (0 when there are none)
    last: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.n_pages

    @property
    def previous(self) -> int:
        return self.number - 1

    @property
    def next(self) -> int:
        return self.number + 1

    @property
    def next_first(self) -> int:
        return self.last + 1

    @property
    def next_last(self) -> int:
        return min(self.last + TEAMS_PER_PAGE, self.n_teams)


@dataclass
class NetworkDashboard:
    network: Network
    access: NetworkAccess
    indicators: list[Indicator]
    rows: list[TeamRow]  # the page's teams (every team when the dashboard is built unpaged)
    selected: Indicator | None
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
    page: TeamPage | None = None
    stamp: str = ""  # the chart rows' change stamp: part of every cache key of the page's parts
    min_pooled_teams: int | None = None
    rows_key: str = ""  # the cache key of the page's rendered rows (see network_dashboard)
    page_team_ids: set[int] = field(default_factory=set)
    labels: dict[int, PeerLabel] = field(default_factory=dict)  # every visible team, as the viewer sees it
    build_rows: Callable[[], list[TeamRow]] | None = None


@dataclass
class SmallMultiples:
    """One page of the selected indicator's small multiples, on the scale shared by all shown teams.

    Cheap to make; `cards()` loads and builds the charts. They depend only on the chart rows (the
    stamp), the page's teams and their labels as this viewer sees them, and the shown teams (the
    scale): `cache_key` says exactly that, so viewers who see the same labels share the rendering."""

    selected: Indicator
    page: TeamPage
    team_ids: list[int]
    labels: list[str]
    shown_ids: list[int]
    stamp: str

    def cache_key(self, *extra) -> str:
        return cache_key(
            "small",
            self.selected.id,
            self.selected.version,
            self.stamp,
            self.page.first,
            tuple(zip(self.team_ids, self.labels, strict=True)),
            tuple(self.shown_ids),
            *extra,
        )

    def cards(self) -> list[ChartCard]:
        selected = self.selected
        results = {
            result.team_id: result
            for result in ChartResult.objects.filter(
                scope=ChartResult.Scope.TEAM, indicator=selected, team_id__in=self.team_ids
            )
        }
        key = cache_key("yrange", selected.id, self.stamp, tuple(self.shown_ids))
        y_range = cache.get(key)
        if y_range is None:
            y_range = _shared_y_range(selected, self.shown_ids) or ()
            cache.set(key, y_range, NETWORK_CACHE_SECONDS)
        return [
            chart_card(
                result=results.get(team_id),
                indicator=selected,
                title=label,
                dom_id=f"small-{self.page.first + index}",
                filename=f"{selected.code}-{label}",
                compact=True,
                y_range=tuple(y_range) or None,
                show_annotations=False,
                with_table=False,
                height=170,
            )
            for index, (team_id, label) in enumerate(zip(self.team_ids, self.labels, strict=True))
        ]


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


@dataclass
class _Teams:
    """The network's teams as the viewer may see them, filtered and sorted (the rows' order)."""

    network: Network
    all: list[Team]
    labels: dict[int, PeerLabel]
    visible: list[Team]
    ordered: list[Team]
    indicators: list[Indicator]
    selected: Indicator | None
    stamp: str
    today: date | None = None
    _facts: dict | None = None

    @cached_property
    def periods(self) -> list[date]:
        return completeness_periods(self.network, COMPLETENESS_MONTHS, self.today)

    @cached_property
    def expected(self) -> dict[date, set[int]]:
        return _expected_per_month(self.network, self.indicators, self.periods)

    def facts(self) -> dict:
        """The variation of every team chart, for the goals and the sort (cached under the stamp;
        loaded only when needed)."""
        if self._facts is None:
            self._facts = _network_facts(self.network, self.stamp)
        return self._facts


_TEAM_FIELDS = (
    "id",
    "uuid",
    "network_id",
    "name",
    "region_id",
    "sector",
    "is_active",
    "region__id",
    "region__uuid",
    "region__name",
)


def _network_teams(
    *,
    access: NetworkAccess,
    user: User | AnonymousUser,
    indicator_code: str,
    region: str,
    sector: str,
    sort: str,
    today: date | None,
) -> _Teams:
    network = access.network
    teams = list(
        Team.objects.filter(network=network, is_active=True)
        .select_related("region")
        # What the labels, filters and rows read of a team and its region (200 full rows are
        # measurable on every request).
        .only(*_TEAM_FIELDS)
    )
    labels = peer_labels(network, user, access=access, teams=teams)
    indicators = list(published_indicators(network=network, by_goal=True))
    by_code = {indicator.code: indicator for indicator in indicators}
    selected = by_code.get(indicator_code) or (indicators[0] if indicators else None)
    visible = [team for team in teams if team.id in labels]
    shown = _filtered_teams(visible, labels, region=region, sector=sector)
    stamp = network_chart_stamp(network)
    teams_ = _Teams(
        network=network,
        all=teams,
        labels=labels,
        visible=visible,
        ordered=shown,
        indicators=indicators,
        selected=selected,
        stamp=stamp,
        today=today,
    )
    if sort in by_code:  # by one indicator's variation: needs every shown team's variation
        teams_.ordered = _sorted_teams(shown, labels, teams_.facts()["variations"], sort, indicators)
    else:
        teams_.ordered = _sorted_teams(shown, labels, {}, sort, indicators)
    return teams_


def network_chart_stamp(network: Network) -> str:
    """What the network's chart rows look like now, in one short string (one indexed query).

    Every value written, deleted or recomputed moves its chart row's `synced_at` in the same
    transaction (measures.charts.stale, measures.sync), and a team's first value creates its row: so
    the newest `synced_at` and the number of rows change whenever anything the dashboard draws does
    (the newest `computed_at` too, for rows written outside the pipeline, as tests do).
    """
    stamp = ChartResult.objects.filter(network=network).aggregate(
        synced=Max("synced_at"), computed=Max("computed_at"), n=Count("id")
    )
    return ":".join(
        value.isoformat() if hasattr(value, "isoformat") else str(value)
        for value in (stamp["synced"], stamp["computed"], stamp["n"])
    )


def small_multiples_stamp(*, access: NetworkAccess, user: User | AnonymousUser) -> tuple:
    """Everything a page of small multiples depends on, without loading the teams: the chart rows'
    stamp, a digest of the network's teams and published indicators (computed in the database),
    how the viewer sees peers and which teams are the viewer's own (peer_labels' inputs)."""
    network = access.network
    teams = Team.objects.filter(network=network)
    indicators = published_indicators(network=network, by_goal=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT md5(coalesce(string_agg(concat_ws('|', id, uuid, name, region_id, sector, is_active), "
                "',' ORDER BY id), '')) FROM teams_team WHERE network_id = %s",
                [network.id],
            )
            team_digest = cursor.fetchone()[0]
    else:
        team_digest = tuple(
            teams.order_by("id").values_list("id", "uuid", "name", "region_id", "sector", "is_active")
        )
    own = tuple(
        sorted(teams.filter(memberships__user=user).values_list("id", flat=True))
        if user.is_authenticated and access.is_team_member  # (no team here: no own teams to read)
        else ()
    )
    return (
        network_chart_stamp(network),
        team_digest,
        tuple(indicators.values_list("id", "code", "version", "order", "goal_id")),
        access.sees_all_team_names,
        network.peer_visibility,
        own,
    )


def cache_key(*parts) -> str:
    """A short cache key from its parts (memcached-safe length, no spaces)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"netdash:{parts[0]}:{digest}"


def _network_facts(network: Network, stamp: str) -> dict:
    """The viewer-independent numbers behind the goals and the sort, cached under the chart rows'
    stamp: the variation and number of points of every team chart (summary columns only: the chart
    data of the page's teams is read only for their matrix cells, see _team_chart_summaries)."""
    key = cache_key("facts", network.id, stamp)
    facts = cache.get(key)
    if facts is None:
        facts = {"variations": _team_chart_variations(network)}
        cache.set(key, facts, NETWORK_CACHE_SECONDS)
    return facts


def _page(n_teams: int, page: int | None) -> tuple[TeamPage, slice]:
    if page is None:  # unpaged (the printed report): every team
        return TeamPage(1, 1, n_teams, 1 if n_teams else 0, n_teams), slice(None)
    n_pages = max(1, -(-n_teams // TEAMS_PER_PAGE))
    number = min(max(1, page), n_pages)
    start = (number - 1) * TEAMS_PER_PAGE
    end = min(start + TEAMS_PER_PAGE, n_teams)
    return TeamPage(number, n_pages, n_teams, start + 1 if n_teams else 0, end), slice(start, end)


def _openable_team_ids(access: NetworkAccess, user: User | AnonymousUser, team_ids: list[int]) -> set[int]:
    """Which of the network's teams `team_ids` the viewer may open (Team.objects.visible_to).

    Where visible_to grants the whole network, the access already says so and no query is needed:
    staff, the national project leads and the expert group, and team members of a network whose
    peers are named. Anyone else (coordinators, observers, members of anonymised networks): the
    queryset decides."""
    if not team_ids or not user.is_authenticated or not user.is_active:
        return set()
    whole_network = (
        access.is_staff
        or access.roles & {NetworkMembership.Role.NATIONAL_LEAD, NetworkMembership.Role.EXPERT}
        or (access.is_team_member and access.network.peer_visibility == Network.PeerVisibility.NAMED)
    )
    if whole_network:
        return set(team_ids)
    return set(Team.objects.visible_to(user).filter(id__in=team_ids).values_list("id", flat=True))


def network_dashboard(
    *,
    access: NetworkAccess,
    user: User | AnonymousUser,
    indicator_code: str = "",
    region: str = "",
    sector: str = "",
    sort: str = "",
    page: int | None = None,
    national_tables: bool = True,
    with_national: bool = True,
    lazy_rows: bool = False,
    today: date | None = None,
) -> NetworkDashboard:
    """The cross-team view: matrix and completeness of one page of teams (`page`; None: every team, for
    the printed report), goal progress over all shown teams, and the national charts.

    The small multiples are a page of their own (network_small_multiples), fetched as they scroll
    into view. Without `with_national` the national charts are left to the caller (the dashboard
    view renders them from national_cards only when its cached copy is out of date). With
    `lazy_rows`, `rows` is empty and `build_rows()` makes them (the view renders them only when its
    cached copy under `rows_key` is out of date)."""
    network = access.network
    teams = _network_teams(
        access=access,
        user=user,
        indicator_code=indicator_code,
        region=region,
        sector=sector,
        sort=sort,
        today=today,
    )
    labels = teams.labels
    team_page, window = _page(len(teams.ordered), page)
    page_teams = teams.ordered[window]
    openable = _openable_team_ids(access, user, [team.id for team in page_teams])

    def build_rows() -> list[TeamRow]:
        # Only the page's teams: their charts' summaries and their reported months.
        page_ids = [team.id for team in page_teams]
        return _team_rows(
            page_teams,
            labels=labels,
            openable=openable,
            indicators=teams.indicators,
            summaries=_team_chart_summaries(network, page_ids),
            periods=teams.periods,
            reported=_reported_per_team_month(network, teams.periods, teams.expected, page_ids),
            expected=teams.expected,
        )

    # What the page's rows show besides the chart rows (the stamp): who they are, as this viewer
    # sees them, and where they link. Viewers who see the same share the cached rendering.
    rows_key = cache_key(
        "rows",
        network.id,
        teams.stamp,
        tuple(
            (
                team.id,
                labels[team.id].label,
                labels[team.id].is_named,
                labels[team.id].is_own,
                team.id in openable,
                team.region_id,
                team.sector,
            )
            for team in page_teams
        ),
        tuple((i.id, i.version, i.direction) for i in teams.indicators),
        tuple(teams.periods),
        tuple((p, tuple(sorted(ids))) for p, ids in teams.expected.items()),
    )
    min_teams = min_pooled_teams_for(network, user, access)
    return NetworkDashboard(
        network=network,
        access=access,
        indicators=teams.indicators,
        rows=[] if lazy_rows else build_rows(),
        selected=teams.selected,
        national_cards=national_cards(
            network, teams.indicators, min_teams=min_teams, with_tables=national_tables
        )
        if with_national
        else [],
        completeness_months=teams.periods,
        goal_progress=_cached_goal_progress(teams),
        regions=sorted(
            {
                team.region.uuid: team.region
                for team in teams.visible
                if labels[team.id].region_id is not None
            }.values(),
            key=lambda org: org.name,
        ),
        sectors=[
            (value, label)
            for value, label in Sector.choices
            if any(labels[t.id].sector == value for t in teams.visible)
        ],
        region_filter=region,
        sector_filter=sector,
        sort=sort,
        peer_visibility=network.peer_visibility,
        n_hidden=len(teams.all) - len(labels),
        page=team_page,
        stamp=teams.stamp,
        min_pooled_teams=min_teams,
        rows_key=rows_key,
        build_rows=build_rows,
        page_team_ids={team.id for team in page_teams},
        labels=labels,
    )


def network_small_multiples(
    *,
    access: NetworkAccess,
    user: User | AnonymousUser,
    indicator_code: str = "",
    region: str = "",
    sector: str = "",
    sort: str = "",
    page: int = 1,
    today: date | None = None,
) -> SmallMultiples | None:
    """One page of the selected indicator's small multiples, for the same teams in the same order as
    the matrix, on one y scale shared by every shown team (not just this page's). None when the
    network has no published indicator."""
    teams = _network_teams(
        access=access,
        user=user,
        indicator_code=indicator_code,
        region=region,
        sector=sector,
        sort=sort,
        today=today,
    )
    if teams.selected is None:
        return None
    team_page, window = _page(len(teams.ordered), page)
    page_teams = teams.ordered[window]
    return SmallMultiples(
        selected=teams.selected,
        page=team_page,
        team_ids=[team.id for team in page_teams],
        labels=[teams.labels[team.id].label for team in page_teams],
        shown_ids=[team.id for team in teams.ordered],
        stamp=teams.stamp,
    )


# The plotted numbers of a stored chart (as figures.y_extent reads them): each point's value,
# centre line and limits, and the targets. Read in the database, so the shared scale of 200 small
# multiples does not load 200 charts into Python.
_Y_EXTENT_SQL = """
    SELECT min(v), max(v) FROM (
        SELECT (j.value)::float8 AS v
        FROM measures_chartresult r,
             jsonb_path_query(r.data, '$.points[*].keyvalue() ? (@.key == "y" || @.key == "cl"
                 || @.key == "lcl" || @.key == "ucl").value ? (@.type() == "number")') AS j(value)
        WHERE r.scope = 'team' AND r.indicator_id = %s AND r.team_id = ANY(%s)
        UNION ALL
        SELECT (j.value)::float8
        FROM measures_chartresult r,
             jsonb_path_query(r.data, '$.targets.* ? (@.type() == "number")') AS j(value)
        WHERE r.scope = 'team' AND r.indicator_id = %s AND r.team_id = ANY(%s)
    ) AS values_
"""


def _shared_y_range(selected: Indicator, team_ids: list[int]) -> tuple[float, float] | None:
    if connection.vendor != "postgresql":
        return figures.y_extent(
            list(
                ChartResult.objects.filter(
                    scope=ChartResult.Scope.TEAM, indicator=selected, team_id__in=team_ids
                ).values_list("data", flat=True)
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(_Y_EXTENT_SQL, [selected.id, list(team_ids), selected.id, list(team_ids)])
        low, high = cursor.fetchone()
    if low is None or high is None:
        return None
    # As figures.y_extent pads it: not forced to zero, a little room above and below.
    span = (high - low) or abs(high) or 1.0
    return (low - span * 0.08, high + span * 0.08)


def _filtered_teams(visible: list[Team], labels: dict, *, region: str, sector: str) -> list[Team]:
    """The filters by region and sector, only on what the viewer may know of a team."""
    shown = visible
    if region:
        shown = [team for team in shown if labels[team.id].region_id and str(team.region.uuid) == region]
    if sector:
        shown = [team for team in shown if labels[team.id].sector == sector]
    return shown


def _team_chart_summaries(network: Network, team_ids: list[int]) -> dict[tuple[int, int], dict]:
    """(team id, indicator id) -> the summary columns of the chart of each of `team_ids` and the
    side of the signal.

    The matrix reads only these, not the whole data."""
    return {
        (row["team_id"], row["indicator_id"]): row
        for row in ChartResult.objects.filter(
            network=network, scope=ChartResult.Scope.TEAM, team_id__in=team_ids
        )
        .order_by()
        .values(
            "team_id",
            "indicator_id",
            "variation",
            "assurance",
            "is_stale",
            "n_points",
            side=KT("data__classification__side"),
        )
    }


def _team_chart_variations(network: Network) -> dict[tuple[int, int], tuple[str, int]]:
    """(team id, indicator id) -> (variation, number of points) of every team chart of the network:
    summary columns only, no chart data read."""
    return {
        (team_id, indicator_id): (variation, n_points)
        for team_id, indicator_id, variation, n_points in ChartResult.objects.filter(
            network=network, scope=ChartResult.Scope.TEAM
        )
        .order_by()
        .values_list("team_id", "indicator_id", "variation", "n_points")
    }


def _expected_per_month(
    network: Network, indicators: list[Indicator], periods: list[date]
) -> dict[date, set[int]]:
    """Month -> the indicators expected that month (from each one's first due month, in the run)."""
    return {p: {i.id for i in due_indicators(network, indicators, p, window=run_window)} for p in periods}


def _reported_per_team_month(
    network: Network, periods: list[date], expected: dict[date, set[int]], team_ids: list[int]
) -> dict[tuple[int, date], int]:
    """(team id, month) -> expected indicators reported (a value or "nothing to report") by each of
    `team_ids`, counted in the database (one row per team and month, not one per value)."""
    condition = Q(pk__in=[])
    for period in periods:
        if expected[period]:
            condition |= Q(period=period, indicator_id__in=expected[period])
    return {
        (row["team_id"], row["period"]): row["n"]
        for row in Measurement.objects.filter(
            condition,
            team__network=network,
            team_id__in=team_ids,
            indicator__status=PublicationStatus.PUBLISHED,
        )
        .values("team_id", "period")
        .annotate(n=Count("id"))
        .order_by()
    }


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


def national_cards(
    network: Network, indicators: list[Indicator], *, min_teams: int | None, with_tables: bool = True
) -> list[ChartCard]:
    """Every indicator's national chart (months with too few teams are hidden: `min_teams`).

    Without `with_tables` (the dashboard), the table view of a chart that belongs to a goal is on
    the goal's page (linked), which keeps the dashboard light; a chart without a goal keeps its table."""
    national = {
        result.indicator_id: result
        for result in ChartResult.objects.filter(network=network, scope=ChartResult.Scope.NATIONAL)
    }
    notes = recent_change_notes(indicators)
    cards = []
    for indicator in indicators:
        card = chart_card(
            result=national.get(indicator.id),
            indicator=indicator,
            title=indicator.name,
            dom_id=f"national-{indicator.code}",
            filename=f"{network.slug}-{indicator.code}-national",
            change_note=notes.get(indicator.id),
            min_pooled_teams=min_teams,
            with_table=with_tables or indicator.goal_id is None,
        )
        if not with_tables and indicator.goal_id is not None:
            card.table_url = (
                reverse("measures:goal-dashboard", args=[network.slug, indicator.goal.uuid])
                + f"#national-{indicator.code}-title"
            )
        cards.append(card)
    return cards


def _sorted_teams(
    teams: list[Team],
    labels: dict,
    variations: dict[tuple[int, int], tuple[str, int]],
    sort: str,
    indicators: list[Indicator],
) -> list[Team]:
    """By label, or by one indicator's variation (concerns first) when `sort` is its code."""
    ordered = sorted(teams, key=lambda team: labels[team.id].label.lower())
    by_code = {indicator.code: indicator for indicator in indicators}
    if sort in by_code:
        indicator_id = by_code[sort].id

        def rank(team: Team) -> int:
            row = variations.get((team.id, indicator_id))
            variation = row[0] if row is not None and row[1] else ""
            return figures.VARIATION_RANK.get(variation, 5)

        ordered.sort(key=rank)
    return ordered


def _cached_goal_progress(teams: _Teams) -> list[GoalProgress]:
    """Goal progress over the shown teams, from per-goal sets of improving and worsening teams that
    are cached under the stamp (the summaries of every team chart are read only on a miss)."""
    goal_of = {i.id: i.goal_id for i in teams.indicators if i.goal_id}
    key = cache_key("goals", teams.network.id, teams.stamp, tuple(sorted(goal_of.items())))
    sets = cache.get(key)
    if sets is None:
        improving: dict[int, set[int]] = defaultdict(set)
        concern: dict[int, set[int]] = defaultdict(set)
        for (team_id, indicator_id), (variation, _n_points) in teams.facts()["variations"].items():
            goal_id = goal_of.get(indicator_id)
            if goal_id is None:
                continue
            if variation == ChartResult.Variation.IMPROVEMENT:
                improving[goal_id].add(team_id)
            elif variation == ChartResult.Variation.CONCERN:
                concern[goal_id].add(team_id)
        sets = {
            goal_id: (frozenset(improving[goal_id]), frozenset(concern[goal_id]))
            for goal_id in set(goal_of.values())
        }
        cache.set(key, sets, NETWORK_CACHE_SECONDS)
    shown = {team.id for team in teams.ordered}
    goals = {i.goal_id: i.goal for i in teams.indicators if i.goal_id}
    return [
        GoalProgress(
            goal=goal,
            n_improving=len(sets[goal.id][0] & shown),
            n_concern=len(sets[goal.id][1] & shown),
            n_teams=len(shown),
        )
        for goal in sorted(goals.values(), key=lambda goal: goal.number)
    ]


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


def goal_dashboard(*, access: NetworkAccess, user: User | AnonymousUser, goal: Goal) -> GoalDashboard:
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


def followed_teams(*, user: User | AnonymousUser) -> list[tuple[Network, list[FollowedTeam]]]:
    """The teams an observer (e.g. a hospital director) follows, per network, with their reporting status.

    Three queries per network whatever the number of teams (see network_overdue_teams); the user's
    own teams are on the home page already and are left out here.
    """

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
