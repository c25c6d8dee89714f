import pytest
from django.core.exceptions import ValidationError

from seminars.models import Registration
from seminars.services import SeminarContent, registration_cancel, registration_create, seminar_update

from .helpers import make_seminar

pytestmark = pytest.mark.django_db

REGISTERED, WAITING, CANCELLED = (
    Registration.Status.REGISTERED,
    Registration.Status.WAITING,
    Registration.Status.CANCELLED,
)


def register(seminar, person, actor=None, **kwargs):
    return registration_create(seminar=seminar, person=person, actor=actor or person, **kwargs)


def test_it_registers_a_team_member_for_their_team(world):
    seminar = make_seminar(world.network)
    registration = register(seminar, world.viewer)
    assert registration.status == REGISTERED
    assert registration.team == world.team_a
    assert registration.registered_by == world.viewer


def test_it_puts_people_on_the_waiting_list_when_full(world):
    seminar = make_seminar(world.network, capacity=2, has_waiting_list=True)
    assert register(seminar, world.viewer).status == REGISTERED
    assert register(seminar, world.data_entry).status == REGISTERED
    assert register(seminar, world.other_team_member).status == WAITING
    assert register(seminar, world.team_lead).status == WAITING
    assert Registration.objects.filter(seminar=seminar, status=REGISTERED).count() == 2


def test_it_refuses_when_full_and_there_is_no_waiting_list(world):
    seminar = make_seminar(world.network, capacity=1, has_waiting_list=False)
    register(seminar, world.viewer)
    with pytest.raises(ValidationError, match="fuldt booket"):
        register(seminar, world.data_entry)
    assert not Registration.objects.filter(seminar=seminar, user=world.data_entry).exists()


def test_it_has_no_limit_without_capacity(world):
    seminar = make_seminar(world.network, capacity=None, has_waiting_list=False)
    for person in [world.viewer, world.data_entry, world.team_lead, world.other_team_member, world.observer]:
        assert register(seminar, person).status == REGISTERED


def test_cancelling_promotes_the_first_on_the_waiting_list(world):
    seminar = make_seminar(world.network, capacity=1)
    first = register(seminar, world.viewer)
    waiting_1 = register(seminar, world.data_entry)
    waiting_2 = register(seminar, world.other_team_member)
    promoted = registration_cancel(registration=first, actor=world.viewer)
    assert [r.pk for r in promoted] == [waiting_1.pk]
    waiting_1.refresh_from_db()
    waiting_2.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, waiting_1.status, waiting_2.status) == (CANCELLED, REGISTERED, WAITING)


def test_cancelling_a_waiting_registration_promotes_nobody(world):
    seminar = make_seminar(world.network, capacity=1)
    register(seminar, world.viewer)
    waiting_1 = register(seminar, world.data_entry)
    waiting_2 = register(seminar, world.other_team_member)
    assert registration_cancel(registration=waiting_1, actor=world.data_entry) == []
    waiting_2.refresh_from_db()
    assert waiting_2.status == WAITING


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue(world):
    seminar = make_seminar(world.network, capacity=1)
    register(seminar, world.viewer)
    early = register(seminar, world.data_entry)
    later = register(seminar, world.other_team_member)
    registration_cancel(registration=early, actor=world.data_entry)
    again = register(seminar, world.data_entry)
    assert again.pk == early.pk and again.status == WAITING
    holder = Registration.objects.get(seminar=seminar, user=world.viewer)
    registration_cancel(registration=holder, actor=world.viewer)
    later.refresh_from_db()
    again.refresh_from_db()
    assert (later.status, again.status) == (REGISTERED, WAITING)


def test_it_refuses_a_double_registration(world):
    seminar = make_seminar(world.network)
    register(seminar, world.viewer)
    with pytest.raises(ValidationError, match="allerede tilmeldt"):
        register(seminar, world.viewer)


def test_a_team_lead_registers_members_of_their_own_team(world):
    seminar = make_seminar(world.network)
    registration = register(seminar, world.viewer, actor=world.team_lead)
    assert registration.registered_by == world.team_lead
    assert registration.team == world.team_a


def test_it_rejects_other_team(world):
    """A team lead may not register someone from another team."""
    seminar = make_seminar(world.network)
    with pytest.raises(ValidationError):
        register(seminar, world.other_team_member, actor=world.team_lead)


def test_a_data_entry_member_may_not_register_colleagues(world):
    seminar = make_seminar(world.network)
    with pytest.raises(ValidationError):
        register(seminar, world.viewer, actor=world.data_entry)


def test_a_team_member_may_not_cancel_someone_else(world):
    seminar = make_seminar(world.network)
    registration = register(seminar, world.team_lead)
    with pytest.raises(ValidationError):
        registration_cancel(registration=registration, actor=world.viewer)


def test_a_project_lead_registers_anyone_in_the_network(world):
    seminar = make_seminar(world.network)
    registration = register(seminar, world.other_team_member, actor=world.national_lead, is_organiser=True)
    assert registration.team == world.team_b


def test_it_refuses_people_outside_the_network(world):
    seminar = make_seminar(world.network)
    with pytest.raises(ValidationError, match="ikke med"):
        register(seminar, world.outsider, actor=world.national_lead, is_organiser=True)


def test_leaders_register_without_a_team(world):
    seminar = make_seminar(world.network, audience="leaders")
    registration = register(seminar, world.observer)
    assert registration.team is None


def test_registration_closes_when_the_seminar_has_started(world):
    seminar = make_seminar(world.network, days=-1)
    with pytest.raises(ValidationError, match="begyndt"):
        register(seminar, world.viewer)


def test_a_larger_capacity_promotes_the_waiting_list(world):
    seminar = make_seminar(world.network, capacity=1)
    register(seminar, world.viewer)
    waiting = register(seminar, world.data_entry)
    fields = {"capacity": 2}
    seminar_update(
        seminar=seminar, fields=fields, content=SeminarContent([], [], []), user=world.national_lead
    )
    waiting.refresh_from_db()
    assert waiting.status == REGISTERED
