"""Concurrent registrations for the last places: the seminar row lock must keep the capacity.

Runs on PostgreSQL only (CI): SQLite has no row locks and serialises writers on its own, so the race
this guards against cannot happen there.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from seminars.models import Registration
from seminars.services import registration_create
from tests.base import build_world

from .helpers import make_seminar

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def register_all_at_once(seminar, people) -> list[str]:
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def register(person) -> None:
        try:
            barrier.wait()
            registration = registration_create(seminar=seminar, person=person, actor=person)
            outcomes.append(registration.status)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def people(world):
    return [
        world.viewer,
        world.data_entry,
        world.team_lead,
        world.other_team_member,
        world.observer,
        world.coordinator,
    ]


def test_concurrent_registrations_never_overfill_a_seminar():
    world = build_world()
    seminar = make_seminar(world.network, capacity=2, has_waiting_list=False)
    outcomes = register_all_at_once(seminar, people(world))
    assert sorted(outcomes) == ["refused"] * 4 + ["registered"] * 2
    assert Registration.objects.filter(seminar=seminar, status=Registration.Status.REGISTERED).count() == 2


def test_concurrent_registrations_fill_the_waiting_list_in_order():
    world = build_world()
    seminar = make_seminar(world.network, capacity=2, has_waiting_list=True)
    outcomes = register_all_at_once(seminar, people(world))
    assert sorted(outcomes) == ["registered"] * 2 + ["waiting"] * 4
