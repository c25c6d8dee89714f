"""Dashboard pages: the start page, the network's and the team's dashboards (their home pages),
a team's indicator page, the goal page and the printable seminar reports.

Everything shown comes from stored chart results (measures.selectors.dashboards).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lkt.net import client_ip
from measures.models import Goal, Indicator, PublicationStatus
from measures.selectors import dashboards as selectors
from measures.selectors import funnels
from measures.selectors.entry import team_completeness
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


@login_required
def network_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The network dashboard: teams x indicators, small multiples, national charts, completeness."""
    access = get_network_for_user(request.user, slug)
    dashboard = selectors.network_dashboard(
        access=access,
        user=request.user,
        indicator_code=request.GET.get("indikator", ""),
        region=request.GET.get("region", ""),
        sector=request.GET.get("sektor", ""),
        sort=request.GET.get("sorter", ""),
    )
    months = _funnel_months(request)
    funnel = (
        funnels.network_funnel(
            network=access.network,
            indicator=dashboard.selected,
            user=request.user,
            access=access,
            months=months,
        )
        if dashboard.selected is not None
        else None
    )
    keep = [(k, request.GET[k]) for k in ("indikator", "region", "sektor", "sorter") if request.GET.get(k)]
    return render(
        request,
        "measures/dashboards_network.html",
        {
            "access": access,
            "network": access.network,
            "dashboard": dashboard,
            "funnel": funnel,
            "funnel_months": funnels.FUNNEL_MONTHS,
            "keep": keep,
        },
    )


def _funnel_months(request: HttpRequest) -> int:
    """The funnel's period from ?tragt=3|6|12 (anything else: 12)."""
    try:
        months = int(request.GET.get("tragt", funnels.DEFAULT_FUNNEL_MONTHS))
    except ValueError:
        return funnels.DEFAULT_FUNNEL_MONTHS
    return months if months in funnels.FUNNEL_MONTHS else funnels.DEFAULT_FUNNEL_MONTHS


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
    funnel = funnels.network_funnel(
        network=network,
        indicator=indicator,
        user=request.user,
        access=network_access(request.user, network),
        months=_funnel_months(request),
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
            "funnel_months": funnels.FUNNEL_MONTHS,
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
    request: HttpRequest, *, access, user, extra_context: dict | None = None
) -> HttpResponse:
    """The network report page as `user` sees it (the reports app prints it for a viewpoint)."""
    dashboard = selectors.network_dashboard(access=access, user=user)
    months = _funnel_months(request)
    report_funnels = [
        funnel
        for index, indicator in enumerate(dashboard.indicators)
        if (
            funnel := funnels.network_funnel(
                network=access.network,
                indicator=indicator,
                user=user,
                access=access,
                months=months,
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
