"""Benchmark of the seminar pages at the size of a real LKT (24 teams, 5 seminars, ~200 people).

    .venv/bin/python bench/seminars_bench.py

Builds a throw-away test database (SQLite in memory unless DATABASE_URL is set), then prints the
median time and the number of queries of the plan page, a seminar page, the attendance sheet, the
network calendar feed and the network attendance matrix.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.urls import reverse  # noqa: E402

TEAMS, PEOPLE_PER_TEAM, REPEAT = 24, 8, 15


def build():
    from seminars.models import Attendance, LearningObjective, Registration, SeminarPurpose
    from teams.models import Team, TeamMembership
    from tests.base import build_world, make_user
    from tests.seminars.helpers import make_seminar

    world = build_world()
    teams = [world.team_a, world.team_b]
    for i in range(TEAMS - 2):
        teams.append(
            Team.objects.create(
                network=world.network, code=f"t{i}", name=f"Team {i:02d}", region=world.hovedstaden
            )
        )
    people = []
    for t, team in enumerate(teams):
        for p in range(PEOPLE_PER_TEAM):
            user = make_user(f"p{t}-{p}")
            TeamMembership.objects.create(team=team, user=user)
            people.append((user, team))
    seminars = [make_seminar(world.network, days=-400 + 120 * i, title=f"Seminar {i + 1}") for i in range(5)]
    for seminar in seminars:
        for n in range(3):
            SeminarPurpose.objects.create(seminar=seminar, text=f"Formål {n}", order=n)
            LearningObjective.objects.create(
                seminar=seminar, audience="teams", text=f"Læringsmål {n}", order=n
            )
        for user, team in people[::2]:
            Registration.objects.create(seminar=seminar, user=user, team=team)
            if seminar.starts_at.timestamp() < time.time():
                Attendance.objects.create(seminar=seminar, user=user, team=team)
    return world, seminars


def measure(label: str, func) -> None:
    timings = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            func()
            timings.append(time.perf_counter() - start)
    print(f"{label:<38} {statistics.median(timings) * 1000:8.1f} ms   {len(queries):3d} queries")


def main() -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.template import Context, Template

        world, seminars = build()
        lead, member = Client(), Client()
        lead.force_login(world.national_lead)
        member.force_login(world.viewer)
        slug = world.network.slug
        held = seminars[0]
        print(
            f"{TEAMS} teams, {TEAMS * PEOPLE_PER_TEAM} team members, {len(seminars)} seminars ({connection.vendor})"
        )
        measure("plan page (team member)", lambda: member.get(reverse("seminars:plan", args=[slug])))
        measure(
            "seminar page (project lead)",
            lambda: lead.get(reverse("seminars:seminar-detail", args=[held.uuid])),
        )
        measure(
            "attendance sheet (project lead)",
            lambda: lead.get(reverse("seminars:seminar-attendance", args=[held.uuid])),
        )
        measure("network calendar feed", lambda: member.get(reverse("seminars:network-ics", args=[slug])))
        matrix = Template("{% load seminars_tags %}{% network_seminar_attendance network viewer %}")
        measure(
            "attendance matrix tag (project lead)",
            lambda: matrix.render(Context({"network": world.network, "viewer": world.national_lead})),
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
