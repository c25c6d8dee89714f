import pytest
from django.core.exceptions import ValidationError

from seminars.models import Attendance
from seminars.selectors import attendance_sheet
from seminars.services import attendance_record, registration_create

from .helpers import make_seminar

pytestmark = pytest.mark.django_db


def test_it_records_attendance_per_person_and_team(world):
    seminar = make_seminar(world.network, days=-10)
    added, removed = attendance_record(
        seminar=seminar,
        attended={
            world.viewer.pk: world.team_a.pk,
            world.other_team_member.pk: world.team_b.pk,
            world.observer.pk: None,
        },
        recorded_by=world.national_lead,
    )
    assert (added, removed) == (3, 0)
    rows = {(a.user_id, a.team_id, a.recorded_by_id) for a in Attendance.objects.filter(seminar=seminar)}
    assert rows == {
        (world.viewer.pk, world.team_a.pk, world.national_lead.pk),
        (world.other_team_member.pk, world.team_b.pk, world.national_lead.pk),
        (world.observer.pk, None, world.national_lead.pk),
    }


def test_unticking_removes_attendance(world):
    seminar = make_seminar(world.network, days=-10)
    attendance_record(
        seminar=seminar,
        attended={world.viewer.pk: world.team_a.pk, world.data_entry.pk: world.team_a.pk},
        recorded_by=world.national_lead,
    )
    added, removed = attendance_record(
        seminar=seminar, attended={world.viewer.pk: world.team_a.pk}, recorded_by=world.national_lead
    )
    assert (added, removed) == (0, 1)
    assert list(Attendance.objects.filter(seminar=seminar).values_list("user_id", flat=True)) == [
        world.viewer.pk
    ]


def test_it_refuses_attendance_before_the_seminar(world):
    seminar = make_seminar(world.network, days=5)
    with pytest.raises(ValidationError, match="begyndt"):
        attendance_record(
            seminar=seminar, attended={world.viewer.pk: world.team_a.pk}, recorded_by=world.national_lead
        )


def test_it_refuses_people_outside_the_network(world):
    seminar = make_seminar(world.network, days=-1)
    with pytest.raises(ValidationError):
        attendance_record(
            seminar=seminar, attended={world.outsider.pk: None}, recorded_by=world.national_lead
        )
    with pytest.raises(ValidationError):
        attendance_record(
            seminar=seminar,
            attended={world.outsider.pk: world.other_team.pk},
            recorded_by=world.national_lead,
        )


def test_it_rejects_other_team(world):
    """A person is recorded for a team they belong to, not another team of the network."""
    seminar = make_seminar(world.network, days=-1)
    with pytest.raises(ValidationError):
        attendance_record(
            seminar=seminar, attended={world.viewer.pk: world.team_b.pk}, recorded_by=world.national_lead
        )


def test_the_sheet_lists_registered_people_first_grouped_by_team(world):
    seminar = make_seminar(world.network, days=2)
    registration_create(seminar=seminar, person=world.viewer, actor=world.viewer)
    seminar.starts_at = seminar.starts_at.replace(year=seminar.starts_at.year - 1)
    seminar.ends_at = seminar.ends_at.replace(year=seminar.ends_at.year - 1)
    seminar.save()
    groups = attendance_sheet(seminar=seminar)
    by_label = {g.label: [row.user for row in g.rows] for g in groups}
    assert by_label[world.team_a.name][0] == world.viewer
    assert set(by_label[world.team_a.name]) == {world.viewer, world.data_entry, world.team_lead}
    assert by_label[world.team_b.name] == [world.other_team_member]
    people_without_team = set(by_label[""])
    assert {world.national_lead, world.coordinator, world.expert, world.observer} == people_without_team
    assert world.outsider not in {row.user for g in groups for row in g.rows}
