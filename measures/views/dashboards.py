"""Dashboard pages: the start page, the network's and the team's dashboards (their home pages),
a team's indicator page, the goal page and the printable seminar reports.

Everything shown comes from stored chart results (measures.selectors.dashboards).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from lkt.net import client_ip
from measures.models import Goal, Indicator, PublicationStatus
from measures.selectors import dashboards as selectors
from measures.selectors import funnels
from measures.selectors.entry import team_completeness
from measures.templatetags.lkt_charts import heat_class, percent
from measures.views.chart_settings import chart_settings_panel
from measures.views.team_cards import render_team_cards
from teams.access import get_network_for_user, get_team_for_user, network_access
from teams.models import ExportEvent, Network, NetworkMembership, TeamMembership
from teams.services import export_event_record


def _published_indicator(network, indicator_uuid) -> Indicator:
    try:
        return Indicator.objects.select_related("goal").get(
            network=network, uuid=indicator_uuid, status=PublicationStatus.PUBLISHED
        )
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the user's teams have to report this month, and their networks."""
    networks = Network.objects.visible_to(request.user).select_related("lead_region")
    memberships = (
        TeamMembership.objects.filter(user=request.user)
        .select_related("team__network", "team__region")
        .order_by("team__network__name", "team__name")
    )
    teams = []
    for membership in memberships:
        status = team_completeness(team=membership.team)
        teams.append(
            {
                "team": membership.team,
                "membership": membership,
                "late_months": status.late_months,
                "open_months": status.open_months,
            }
        )
    roles = NetworkMembership.objects.filter(user=request.user).values_list("network_id", "role")
    role_names = {}
    for network_id, role in roles:
        role_names.setdefault(network_id, []).append(NetworkMembership.Role(role).label)
    network_rows = [{"network": n, "roles": role_names.get(n.id, [])} for n in networks]
    return render(
        request,
        "measures/dashboards_home.html",
        {"networks": network_rows, "teams": teams, "followed": selectors.followed_teams(user=request.user)},
    )


FILTER_PARAMS = ("indikator", "region", "sektor", "sorter")


def _page_number(request: HttpRequest, name: str = "side") -> int:
    try:
        return max(1, int(request.GET.get(name, "1")))
    except ValueError:
        return 1


def _filters(request: HttpRequest) -> dict:
    return {
        "indicator_code": request.GET.get("indikator", ""),
        "region": request.GET.get("region", ""),
        "sector": request.GET.get("sektor", ""),
        "sort": request.GET.get("sorter", ""),
    }


@login_required
def network_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The network dashboard: goals, a page of the teams x indicators matrix and of the completeness
    heat map, the funnel, the national charts; the small multiples come from
    network_small_multiples as they scroll into view (or inline with ?smaa=<page>, the plain link)."""
    access = get_network_for_user(request.user, slug)
    dashboard = selectors.network_dashboard(
        access=access,
        user=request.user,
        page=_page_number(request),
        with_national=False,
        lazy_rows=True,
        **_filters(request),
    )
    choice, choices = funnels.funnel_period(access.network, request.GET.get("tragt", ""))
    funnel = (
        funnels.network_funnel(
            network=access.network,
            indicator=dashboard.selected,
            user=request.user,
            access=access,
            periods=choice.periods,
        )
        if dashboard.selected is not None
        else None
    )
    keep = [(k, request.GET[k]) for k in FILTER_PARAMS if request.GET.get(k)]
    small = None
    if request.GET.get("smaa"):
        small = selectors.network_small_multiples(
            access=access, user=request.user, page=_page_number(request, "smaa"), **_filters(request)
        )
    return render(
        request,
        "measures/dashboards_network.html",
        {
            "access": access,
            "network": access.network,
            "dashboard": dashboard,
            "national_html": _national_html(request, dashboard),
            **_rows_html(request, dashboard),
            "small": small,
            "small_cards_html": _small_cards_html(request, small) if small else "",
            "small_more": _small_more(access.network, keep, small.page.next if small else 1)
            if small is None or small.page.has_next
            else None,
            "small_first_last": min(selectors.TEAMS_PER_PAGE, dashboard.page.n_teams),
            "funnel": funnel,
            "funnel_choice": choice,
            "funnel_choices": choices,
            "keep": keep,
            # choosing the funnel's period keeps the page of teams
            "funnel_keep": [*keep, ("side", dashboard.page.number)] if dashboard.page.number > 1 else keep,
        },
    )


def _rows_html(request: HttpRequest, dashboard) -> dict:
    """The page's matrix and heat map rows, rendered once per state of the chart rows and of what
    the viewer sees of the page's teams (dashboard.rows_key), and cached."""
    key = f"{dashboard.rows_key}:{get_language()}"
    parts = cache.get(key)
    if parts is None:
        rows = dashboard.build_rows()
        lines = list(zip(rows, _matrix_cells_html(request, rows), _heat_cells(rows), strict=True))
        parts = {
            name: render_to_string(template, {"lines": lines}, request=request)
            for name, template in (
                ("matrix_rows_html", "measures/dashboards_network_matrix_rows.html"),
                ("heat_rows_html", "measures/dashboards_network_heat_rows.html"),
            )
        }
        cache.set(key, parts, selectors.NETWORK_CACHE_SECONDS)
    return {name: mark_safe(html) for name, html in parts.items()}  # our own templates' output


def _matrix_cells_html(request: HttpRequest, rows) -> list[list[str]]:
    """Each row's matrix cells as HTML. A page has 240 cells but only a few kinds of cell (variation,
    target and updating marks), so each kind is rendered once and reused."""
    rendered: dict[tuple, str] = {}
    html = []
    for row in rows:
        row_html = []
        for cell in row.cells:
            kind = (
                cell.has_result,
                cell.is_stale,
                (cell.variation_icon.src, cell.variation_icon.alt) if cell.variation_icon else None,
                (cell.assurance_icon.src, cell.assurance_icon.alt) if cell.assurance_icon else None,
            )
            if kind not in rendered:
                rendered[kind] = render_to_string(
                    "measures/dashboards_network_matrix_cell.html", {"cell": cell}, request=request
                )
            row_html.append(mark_safe(rendered[kind]))  # our own template's output
        html.append(row_html)
    return html


def _heat_cells(rows) -> list[list[tuple[str, str]]]:
    """Each row's completeness as (CSS class, percentage text); the shares of a page take few
    distinct values, each formatted once."""
    shown: dict[float | None, tuple[str, str]] = {}
    cells = []
    for row in rows:
        row_cells = []
        for share in row.completeness:
            if share not in shown:
                shown[share] = (heat_class(share), percent(share))
            row_cells.append(shown[share])
        cells.append(row_cells)
    return cells


def _national_html(request: HttpRequest, dashboard) -> str:
    """The national charts, rendered once per state of the network's chart rows (dashboard.stamp),
    language and k rule, and cached: they are the same for every viewer of that kind."""
    key = selectors.cache_key(
        "national",
        dashboard.network.id,
        dashboard.stamp,
        get_language(),
        dashboard.min_pooled_teams,
        tuple((i.id, i.version) for i in dashboard.indicators),
        timezone.localdate(),  # a change note leaves the charts after CHANGE_NOTE_DAYS
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "measures/dashboards_network_national.html",
            {
                "cards": selectors.national_cards(
                    dashboard.network,
                    dashboard.indicators,
                    min_teams=dashboard.min_pooled_teams,
                    with_tables=False,
                )
            },
            request=request,
        )
        cache.set(key, html, selectors.NETWORK_CACHE_SECONDS)
    return mark_safe(html)  # our own template's output


@login_required
@require_GET
def network_small_multiples(request: HttpRequest, slug: str) -> HttpResponse:
    """One page of the small multiples (?side=), as an HTML fragment the network dashboard inserts
    when it scrolls into view. The same access check and peer labels as the dashboard."""
    access = get_network_for_user(request.user, slug)
    # The whole fragment, cached under everything that decides what it shows: the chart rows, the
    # teams and the published indicators (each as one aggregate, no rows loaded), how this viewer
    # sees peers and which teams are theirs, and the request's filters and page.
    key = selectors.cache_key(
        "smallpage",
        access.network.id,
        selectors.small_multiples_stamp(access=access, user=request.user),
        get_language(),
        tuple(sorted((k, v) for k, v in request.GET.items() if k in (*FILTER_PARAMS, "side"))),
    )
    html = cache.get(key)
    if html is None:
        html = _small_page_html(request, access)
        cache.set(key, html, selectors.NETWORK_CACHE_SECONDS)
    return HttpResponse(html)


def _small_page_html(request: HttpRequest, access) -> str:
    small = selectors.network_small_multiples(
        access=access, user=request.user, page=_page_number(request), **_filters(request)
    )
    if small is None:
        raise Http404
    keep = [(k, request.GET[k]) for k in FILTER_PARAMS if request.GET.get(k)]
    return render_to_string(
        "measures/dashboards_network_small.html",
        {
            "network": access.network,
            "small": small,
            "cards_html": _small_cards_html(request, small),
            "more": _small_more(access.network, keep, small.page.next) if small.page.has_next else None,
        },
        request=request,
    )


def _small_cards_html(request: HttpRequest, small) -> str:
    """The page's small multiples, rendered once per state of the chart rows and labels (see
    SmallMultiples.cache_key) and cached."""
    key = small.cache_key(get_language())
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "measures/dashboards_network_small_cards.html", {"cards": small.cards()}, request=request
        )
        cache.set(key, html, selectors.NETWORK_CACHE_SECONDS)
    return mark_safe(html)  # our own template's output


def _small_more(network, keep: list[tuple[str, str]], page: int) -> dict:
    """Where page `page` of the small multiples comes from: the fragment the script fetches, and the
    dashboard with that page inline for the plain link."""
    return {
        "part_url": reverse("measures:network-small-multiples", args=[network.slug])
        + "?"
        + urlencode([*keep, ("side", page)]),
        "plain_url": reverse("measures:network-dashboard", args=[network.slug])
        + "?"
        + urlencode([*keep, ("smaa", page)])
        + "#small-title",
    }


def _funnel_choice(request: HttpRequest, network):
    """The funnel's period from ?tragt= (3, 6, 12 or seminar-<uuid>; anything else: 12) and the choices."""
    return funnels.funnel_period(network, request.GET.get("tragt", ""))


@login_required
def team_dashboard(request: HttpRequest, team_uuid) -> HttpResponse:
    """The team dashboard: every indicator's chart grouped by goal, completeness, latest notes."""
    access = get_team_for_user(request.user, team_uuid)
    dashboard = selectors.team_dashboard(team=access.team, build_cards=False)
    cards = render_team_cards(team=access.team, groups=dashboard.groups)
    return render(
        request,
        "measures/dashboards_team.html",
        {
            "access": access,
            "team": access.team,
            "dashboard": dashboard,
            "groups": [(group, html) for group, html in zip(dashboard.groups, cards, strict=True)],
        },
    )


@login_required
def indicator_dashboard(request: HttpRequest, team_uuid, indicator_uuid) -> HttpResponse:
    """One indicator of one team: the large chart, its settings and the values with comments."""
    access = get_team_for_user(request.user, team_uuid)
    indicator = _published_indicator(access.team.network, indicator_uuid)
    page = selectors.indicator_page(team=access.team, indicator=indicator)
    panel = chart_settings_panel(
        access=access,
        indicator=indicator,
        settings=page.settings,
        phase_breaks=page.phase_breaks,
        excluded_points=page.excluded_points,
        annotations=page.annotations,
    )
    network = access.team.network
    choice, choices = _funnel_choice(request, network)
    funnel = funnels.network_funnel(
        network=network,
        indicator=indicator,
        user=request.user,
        access=network_access(request.user, network),
        periods=choice.periods,
    )
    return render(
        request,
        "measures/dashboards_indicator.html",
        {
            "access": access,
            "team": access.team,
            "indicator": indicator,
            "page": page,
            "panel": panel,
            "funnel": funnel,
            "funnel_choice": choice,
            "funnel_choices": choices,
            "keep": [],
        },
    )


@login_required
def goal_dashboard(request: HttpRequest, slug: str, goal_uuid) -> HttpResponse:
    """A goal: its target, its indicators with the national chart, and how many teams improve."""
    access = get_network_for_user(request.user, slug)
    goals = Goal.objects.filter(network=access.network)
    if not access.can_see_drafts:
        goals = goals.filter(status=PublicationStatus.PUBLISHED)
    try:
        goal = goals.get(uuid=goal_uuid)
    except (Goal.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    dashboard = selectors.goal_dashboard(access=access, user=request.user, goal=goal)
    return render(
        request,
        "measures/dashboards_goal.html",
        {"access": access, "network": access.network, "goal": goal, "dashboard": dashboard},
    )


@login_required
def team_report(request: HttpRequest, team_uuid) -> HttpResponse:
    """A printable A4 report of a team's charts for a learning seminar or a leadership meeting."""
    access = get_team_for_user(request.user, team_uuid)
    record_report(request, access.team.network, f"{access.team.network.slug}/{access.team.code}")
    return render_team_report(request, access=access)


def render_team_report(request: HttpRequest, *, access, extra_context: dict | None = None) -> HttpResponse:
    """The team report page; also printed to PDF by the reports app (with its cover and open tables)."""
    extra_context = extra_context or {}
    dashboard = selectors.team_dashboard(
        team=access.team, with_tables=bool(extra_context.get("print_tables"))
    )
    return render(
        request,
        "measures/dashboards_report_team.html",
        {"access": access, "team": access.team, "dashboard": dashboard, **extra_context},
    )


@login_required
def network_report(request: HttpRequest, slug: str) -> HttpResponse:
    """A printable A4 report of the network: national charts, the team matrix, goal progress."""
    access = get_network_for_user(request.user, slug)
    record_report(request, access.network, access.network.slug)
    return render_network_report(request, access=access, user=request.user)


def render_network_report(
    request: HttpRequest, *, access, user: User | AnonymousUser, extra_context: dict | None = None
) -> HttpResponse:
    """The network report page as `user` sees it (the reports app prints it for a viewpoint)."""
    dashboard = selectors.network_dashboard(access=access, user=user)
    choice, _choices = _funnel_choice(request, access.network)
    report_funnels = [
        funnel
        for index, indicator in enumerate(dashboard.indicators)
        if (
            funnel := funnels.network_funnel(
                network=access.network,
                indicator=indicator,
                user=user,
                access=access,
                periods=choice.periods,
                dom_id=f"funnel-{index}",
            )
        )
        is not None
    ]
    return render(
        request,
        "measures/dashboards_report_network.html",
        {
            "access": access,
            "network": access.network,
            "dashboard": dashboard,
            "funnels": report_funnels,
            **(extra_context or {}),
        },
    )


def record_report(request: HttpRequest, network, what: str) -> None:
    """Reports are taken to meetings and printed: who took which one goes in the audit trail."""
    export_event_record(
        kind=ExportEvent.Kind.REPORT,
        what=what,
        path=request.get_full_path(),
        client_ip=client_ip(request),
        user=request.user,
        network=network,
    )
