"""The seminar pages make a fixed number of queries, however many seminars, people and teams."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from seminars.models import Attendance, Registration, SeminarPurpose
from teams.models import Team, TeamMembership
from tests.base import make_user

from .helpers import make_seminar

pytestmark = pytest.mark.django_db


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def grow(world, seminar_days: list[int], teams: int, people: int) -> None:
    for t in range(teams):
        team = Team.objects.create(
            network=world.network, code=f"x{t}", name=f"Team x{t}", region=world.hovedstaden
        )
        for p in range(people):
            TeamMembership.objects.create(team=team, user=make_user(f"x{t}-{p}"), role="viewer")
    for i, days in enumerate(seminar_days):
        seminar = make_seminar(world.network, days=days, title=f"Ekstra {i}")
        SeminarPurpose.objects.create(seminar=seminar, text="Formål", order=0)
        for membership in TeamMembership.objects.filter(team__network=world.network):
            Registration.objects.create(seminar=seminar, user=membership.user, team=membership.team)
            if days < 0:
                Attendance.objects.create(seminar=seminar, user=membership.user, team=membership.team)


def test_plan_calendar_and_matrix_queries_do_not_grow(world, client_for):
    held = make_seminar(world.network, days=-30)
    Attendance.objects.create(seminar=held, user=world.viewer, team=world.team_a)
    lead = client_for(world.national_lead)
    matrix = Template("{% load seminars_tags %}{% network_seminar_attendance network viewer %}")
    pages = {
        "plan": lambda: lead.get(reverse("seminars:plan", args=[world.network.slug])),
        "feed": lambda: lead.get(reverse("seminars:network-ics", args=[world.network.slug])),
        "sheet": lambda: lead.get(reverse("seminars:seminar-attendance", args=[held.uuid])),
        "detail": lambda: lead.get(reverse("seminars:seminar-detail", args=[held.uuid])),
        "matrix": lambda: matrix.render(Context({"network": world.network, "viewer": world.national_lead})),
    }
    before = {name: count_queries(page) for name, page in pages.items()}
    grow(world, seminar_days=[-20, -10, 10, 20], teams=3, people=3)
    after = {name: count_queries(page) for name, page in pages.items()}
    assert after == before
