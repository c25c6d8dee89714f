from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from measures.selectors import dashboards

from .access import get_network_for_user, get_team_for_user
from .models import Network, Team


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the user's teams and networks."""
    networks = Network.objects.visible_to(request.user).select_related("lead_region")
    teams = (
        Team.objects.filter(memberships__user=request.user)
        .select_related("network", "region")
        .order_by("network__name", "name")
    )
    return render(request, "teams/home.html", {"networks": networks, "teams": teams})


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
