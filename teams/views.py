from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from measures.selectors import dashboards
from measures.selectors.completeness import team_completeness

from .access import get_network_for_user, get_team_for_user
from .models import Network, NetworkMembership, TeamMembership


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
    return render(request, "teams/home.html", {"networks": network_rows, "teams": teams})


@login_required
def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The network dashboard: teams x indicators, small multiples, national charts, completeness."""
    access = get_network_for_user(request.user, slug)
    dashboard = dashboards.network_dashboard(
        access=access,
        user=request.user,
        indicator_code=request.GET.get("indikator", ""),
        region=request.GET.get("region", ""),
        sector=request.GET.get("sektor", ""),
        sort=request.GET.get("sorter", ""),
    )
    return render(
        request,
        "teams/network_detail.html",
        {"access": access, "network": access.network, "dashboard": dashboard},
    )


@login_required
def team_detail(request: HttpRequest, team_uuid) -> HttpResponse:
    """The team dashboard: every indicator's chart grouped by goal, completeness, latest notes."""
    access = get_team_for_user(request.user, team_uuid)
    dashboard = dashboards.team_dashboard(team=access.team)
    return render(
        request, "teams/team_detail.html", {"access": access, "team": access.team, "dashboard": dashboard}
    )
