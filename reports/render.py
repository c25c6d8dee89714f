"""The report pages as HTML for a viewpoint, rendered by the same views the browser gets.

The worker does not call the web server back over HTTP: it renders the page in-process, as the
requesting user (or, for the teams' file, as a member of another team) would get it, and hands the
HTML to Chromium. So no session or signed URL is ever issued for a background job, nothing depends
on the worker reaching the site, and the embedded mode (task run inside the request) cannot
deadlock a single-threaded server.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from measures.views.dashboards import render_network_report, render_team_report
from teams.access import network_access, team_access

from .models import ReportSnapshot
from .selectors import ANONYMISED, team_viewpoint


@dataclass(frozen=True)
class Cover:
    kind: str
    title: str
    network: str
    seminar: str
    data_as_of: datetime | None
    anonymised: bool


def _request(path: str, user: User | AnonymousUser):
    request = RequestFactory().get(path, HTTP_HOST="lkt.report", secure=True)
    request.user = user
    request.session = SessionStore()
    request.LANGUAGE_CODE = "da"
    return request


def report_html(*, snapshot: ReportSnapshot, viewpoint: str, user: User | AnonymousUser) -> str:
    """The report page of `snapshot` for `viewpoint` ("named": as `user` sees it; "anonymised")."""
    network = snapshot.network
    seminar = snapshot.seminar
    with translation.override("da"):
        cover = Cover(
            kind=_("Teamrapport")
            if snapshot.team_id
            else _("Rapport til seminar")
            if seminar
            else _("LKT-rapport"),
            title=snapshot.team.name if snapshot.team_id else network.name,
            network=network.name if snapshot.team_id else network.topic,
            seminar=seminar.title if seminar else "",
            data_as_of=snapshot.data_as_of,
            anonymised=viewpoint == ANONYMISED,
        )
        extra = {"report_cover": cover, "print_tables": True}
        if snapshot.team_id is not None:
            request = _request(reverse("measures:team-report", args=[snapshot.team.uuid]), user)
            response = render_team_report(
                request, access=team_access(user, snapshot.team), extra_context=extra
            )
        elif viewpoint == ANONYMISED:
            request = _request(reverse("measures:network-report", args=[network.slug]), AnonymousUser())
            response = render_network_report(
                request, access=team_viewpoint(network), user=AnonymousUser(), extra_context=extra
            )
        else:
            request = _request(reverse("measures:network-report", args=[network.slug]), user)
            response = render_network_report(
                request, access=network_access(user, network), user=user, extra_context=extra
            )
    return response.content.decode("utf-8")
