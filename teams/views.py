from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
    access = get_network_for_user(request.user, slug)
    teams = Team.objects.visible_to(request.user).filter(network=access.network).select_related("region")
    return render(
        request, "teams/network_detail.html", {"access": access, "network": access.network, "teams": teams}
    )


@login_required
def team_detail(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid)
    return render(request, "teams/team_detail.html", {"access": access, "team": access.team})
