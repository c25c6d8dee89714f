import pytest
from django.template import Context, Template

from seminars.models import Attendance
from seminars.services import registration_create

from .helpers import make_seminar

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load seminars_tags %}" + source).render(Context(context))


def test_team_history_shows_attended_and_registered(world):
    past = make_seminar(world.network, days=-40, title="Ledelsesseminar")
    missed = make_seminar(world.network, days=-20, title="Læringsseminar 1")
    upcoming = make_seminar(world.network, days=20, title="Læringsseminar 2")
    Attendance.objects.create(seminar=past, user=world.viewer, team=world.team_a)
    Attendance.objects.create(seminar=past, user=world.data_entry, team=world.team_a)
    Attendance.objects.create(seminar=missed, user=world.other_team_member, team=world.team_b)
    registration_create(seminar=upcoming, person=world.viewer, actor=world.viewer)
    html = render("{% team_seminar_history team %}", team=world.team_a)
    assert "2 deltog" in html
    assert "Ikke registreret som deltaget" in html
    assert "1 tilmeldt" in html


def test_network_matrix_anonymises_peers_for_team_members(world):
    seminar = make_seminar(world.network, days=-10)
    Attendance.objects.create(seminar=seminar, user=world.viewer, team=world.team_a)
    Attendance.objects.create(seminar=seminar, user=world.other_team_member, team=world.team_b)
    as_member = render(
        "{% network_seminar_attendance network viewer %}", network=world.network, viewer=world.viewer
    )
    assert world.team_a.name in as_member
    assert world.team_b.name not in as_member
    assert "Team " in as_member
    as_lead = render(
        "{% network_seminar_attendance network viewer %}", network=world.network, viewer=world.national_lead
    )
    assert world.team_a.name in as_lead and world.team_b.name in as_lead


def test_network_matrix_counts_people_per_team_and_seminar(world):
    seminar = make_seminar(world.network, days=-10)
    make_seminar(world.network, days=10, title="Fremtidigt seminar")
    Attendance.objects.create(seminar=seminar, user=world.viewer, team=world.team_a)
    Attendance.objects.create(seminar=seminar, user=world.data_entry, team=world.team_a)
    html = render(
        "{% network_seminar_attendance network viewer %}", network=world.network, viewer=world.national_lead
    )
    assert "✓</span> 2" in html
    assert "Fremtidigt seminar" not in html
