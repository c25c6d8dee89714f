"""The export audit trail of a network: who exported or downloaded what. National leads and staff."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .access import get_network_for_user
from .models import ExportEvent, Team

PAGE_SIZE = 100


@login_required
def export_log(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    if not access.is_national_lead:
        raise PermissionDenied
    network = access.network
    # Events of the network, and exports by its people that could span several networks (an API
    # CSV by a session user whose teams are in more than one network).
    members = Team.objects.filter(network=network).values("memberships__user")
    events = (
        ExportEvent.objects.filter(Q(network=network) | Q(network__isnull=True, user__in=members))
        .select_related("user", "token")
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "teams/export_log.html",
        {"access": access, "network": network, "page": page, "retention_days": settings.AUDIT_RETENTION_DAYS},
    )
