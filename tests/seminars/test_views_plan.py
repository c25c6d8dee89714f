from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seminars.models import Attendance, LearningObjective, Registration, Seminar, SeminarMaterial
from seminars.selectors import plan_progress
from seminars.services import registration_create

from .helpers import make_seminar
from .test_views_permissions import seminar_post

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


def test_it_creates_a_seminar_with_ordered_texts_and_programme(world, client_for):
    data = seminar_post(
        title="Afslutningsseminar",
        kind="closing",
        audience="both",
        day="2026-03-24",
        capacity="80",
        place="Nyborg Strand",
        preparation="Medbring jeres justerede driverdiagram og seriediagrammer.",
        purposes_teams="at fejre de opnåede resultater\nat fastholde motivationen",
        purposes_leaders="at lederne forstår ledelsesopgaven",
        objectives_teams="Deltagerne får sparring\nDeltagerne er motiverede\n- også efter projektets afslutning",
        objectives_leaders="Lederne kender resultaterne",
        **{
            "programme-TOTAL_FORMS": "2",
            "programme-INITIAL_FORMS": "0",
            "programme-0-starts_at": "13:00",
            "programme-0-title": "Erfaringer fra teams",
            "programme-1-starts_at": "09:00",
            "programme-1-ends_at": "09:30",
            "programme-1-title": "Velkomst",
            "programme-1-speaker": "National projektleder",
        },
    )
    response = client_for(world.national_lead).post(
        reverse("seminars:seminar-create", args=[world.network.slug]), data
    )
    assert response.status_code == 302
    seminar = Seminar.objects.get(title="Afslutningsseminar")
    assert timezone.localtime(seminar.starts_at) == datetime(2026, 3, 24, 9, 0, tzinfo=CPH)
    assert seminar.capacity == 80
    assert [(p.audience, p.text) for p in seminar.purposes.order_by("order")] == [
        ("teams", "at fejre de opnåede resultater"),
        ("teams", "at fastholde motivationen"),
        ("leaders", "at lederne forstår ledelsesopgaven"),
    ]
    teams_objectives = list(
        LearningObjective.objects.filter(seminar=seminar, audience="teams")
        .order_by("order")
        .values_list("text", flat=True)
    )
    assert teams_objectives == [
        "Deltagerne får sparring",
        "Deltagerne er motiverede\n- også efter projektets afslutning",
    ]
    assert [p.title for p in seminar.programme.all()] == ["Velkomst", "Erfaringer fra teams"]
    detail = (
        client_for(world.viewer).get(reverse("seminars:seminar-detail", args=[seminar.uuid])).content.decode()
    )
    assert "Medbring jeres justerede driverdiagram" in detail
    assert "Lederne kender resultaterne" in detail


def test_it_rejects_a_seminar_that_ends_before_it_starts(world, client_for):
    data = seminar_post(start_time="15:00", end_time="09:00")
    response = client_for(world.national_lead).post(
        reverse("seminars:seminar-create", args=[world.network.slug]), data
    )
    assert response.status_code == 200
    assert "slutte efter" in response.content.decode()
    assert not Seminar.objects.exists()


def test_editing_keeps_the_texts(world, client_for):
    seminar = make_seminar(world.network)
    LearningObjective.objects.create(
        seminar=seminar, audience="teams", text="Deltagerne forstår projektet", order=0
    )
    page = (
        client_for(world.national_lead)
        .get(reverse("seminars:seminar-edit", args=[seminar.uuid]))
        .content.decode()
    )
    assert "Deltagerne forstår projektet" in page


def upload(name: str, content: bytes = b"%PDF-1.4 test") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_materials_are_uploaded_and_only_served_to_the_network(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seminar = make_seminar(world.network)
    lead = client_for(world.national_lead)
    response = lead.post(
        reverse("seminars:material-add", args=[seminar.uuid]),
        {"title": "Slides", "file": upload("slides.pdf")},
    )
    assert response.status_code == 302
    material = SeminarMaterial.objects.get(seminar=seminar)
    filename = material.file.name.rsplit("/", 1)[-1]
    url = reverse("seminars:material-download", args=[seminar.uuid, filename])
    download = client_for(world.viewer).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert client_for(world.outsider).get(url).status_code == 404


@pytest.mark.parametrize("name", ["script.exe", "page.html", "slides.pdf.js"])
def test_it_refuses_material_types_outside_the_list(world, client_for, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    seminar = make_seminar(world.network)
    client_for(world.national_lead).post(
        reverse("seminars:material-add", args=[seminar.uuid]), {"title": "X", "file": upload(name)}
    )
    assert not SeminarMaterial.objects.exists()


def test_it_refuses_too_large_materials(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_SIZE = 100
    seminar = make_seminar(world.network)
    response = client_for(world.national_lead).post(
        reverse("seminars:material-add", args=[seminar.uuid]),
        {"title": "X", "file": upload("big.pdf", b"x" * 101)},
        follow=True,
    )
    assert "for stor" in response.content.decode()
    assert not SeminarMaterial.objects.exists()


def test_links_are_materials_too(world, client_for):
    seminar = make_seminar(world.network)
    client_for(world.national_lead).post(
        reverse("seminars:material-add", args=[seminar.uuid]),
        {"title": "E-læring", "url": "https://example.org/kursus"},
    )
    assert SeminarMaterial.objects.get(seminar=seminar).url == "https://example.org/kursus"


def test_a_team_member_registers_and_cancels_through_the_page(world, client_for):
    seminar = make_seminar(world.network, capacity=1)
    viewer = client_for(world.viewer)
    response = viewer.post(reverse("seminars:seminar-register", args=[seminar.uuid]), follow=True)
    assert "er tilmeldt" in response.content.decode()
    other = client_for(world.other_team_member)
    response = other.post(reverse("seminars:seminar-register", args=[seminar.uuid]), follow=True)
    assert "venteliste" in response.content.decode()
    viewer.post(reverse("seminars:seminar-cancel", args=[seminar.uuid]))
    assert Registration.objects.get(user=world.other_team_member).status == Registration.Status.REGISTERED


def test_a_team_lead_registers_a_team_member_through_the_page(world, client_for):
    seminar = make_seminar(world.network)
    lead = client_for(world.team_lead)
    page = lead.get(reverse("seminars:seminar-detail", args=[seminar.uuid])).content.decode()
    assert "Tilmeld et medlem af dit team" in page
    lead.post(reverse("seminars:seminar-register", args=[seminar.uuid]), {"person": world.viewer.pk})
    assert Registration.objects.get(user=world.viewer).registered_by == world.team_lead


def test_a_viewer_cannot_register_someone_else_through_the_page(world, client_for):
    seminar = make_seminar(world.network)
    response = client_for(world.viewer).post(
        reverse("seminars:seminar-register", args=[seminar.uuid]), {"person": world.data_entry.pk}
    )
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_team_members_do_not_see_who_registered_from_other_teams(world, client_for):
    seminar = make_seminar(world.network)
    world.other_team_member.first_name = "Birte"
    world.other_team_member.save()
    registration_create(seminar=seminar, person=world.other_team_member, actor=world.other_team_member)
    registration_create(seminar=seminar, person=world.data_entry, actor=world.data_entry)
    url = reverse("seminars:seminar-detail", args=[seminar.uuid])
    as_viewer = client_for(world.viewer).get(url).content.decode()
    assert "data-entry" in as_viewer and "Birte" not in as_viewer and world.team_b.name not in as_viewer
    assert "Birte" in client_for(world.national_lead).get(url).content.decode()


def test_attendance_is_saved_from_the_checkbox_list(world, client_for):
    seminar = make_seminar(world.network, days=-3)
    lead = client_for(world.national_lead)
    page = lead.get(reverse("seminars:seminar-attendance", args=[seminar.uuid])).content.decode()
    assert world.team_a.name in page and world.team_b.name in page
    lead.post(
        reverse("seminars:seminar-attendance", args=[seminar.uuid]),
        {"attended": [world.viewer.pk, world.other_team_member.pk]},
    )
    assert {(a.user_id, a.team_id) for a in Attendance.objects.all()} == {
        (world.viewer.pk, world.team_a.pk),
        (world.other_team_member.pk, world.team_b.pk),
    }


def test_attendance_refuses_people_not_on_the_sheet(world, client_for):
    seminar = make_seminar(world.network, days=-3)
    client_for(world.national_lead).post(
        reverse("seminars:seminar-attendance", args=[seminar.uuid]), {"attended": [world.outsider.pk]}
    )
    assert not Attendance.objects.exists()


def test_a_seminar_with_attendance_cannot_be_deleted(world, client_for):
    seminar = make_seminar(world.network, days=-3)
    Attendance.objects.create(seminar=seminar, user=world.viewer, team=world.team_a)
    client_for(world.national_lead).post(reverse("seminars:seminar-delete", args=[seminar.uuid]))
    assert Seminar.objects.filter(pk=seminar.pk).exists()


def test_progress_shows_how_far_the_network_is_and_what_is_next(world):
    world.network.start_date, world.network.end_date = date(2025, 1, 1), date(2027, 1, 1)
    now = datetime(2026, 1, 1, 12, tzinfo=CPH)
    past = make_seminar(world.network, starts_at=now - timedelta(days=60))
    upcoming = make_seminar(world.network, starts_at=now + timedelta(days=30))
    later = make_seminar(world.network, starts_at=now + timedelta(days=90))
    progress = plan_progress(network=world.network, seminars=[past, upcoming, later], now=now)
    assert progress.percent == 50
    assert progress.next_seminar == upcoming
    assert (progress.past_count, progress.total_count) == (1, 3)


def test_the_plan_page_shows_the_progress_bar_and_next_seminar(world, client_for):
    make_seminar(world.network, title="Læringsseminar 3", days=20)
    page = client_for(world.viewer).get(reverse("seminars:plan", args=[world.network.slug])).content.decode()
    assert '<progress id="plan-progress"' in page
    assert "Næste seminar" in page and "Læringsseminar 3" in page


def test_attendance_checkboxes_carry_ids_without_thousands_separators(world, client_for):
    # USE_THOUSAND_SEPARATOR is on for Danish numbers; an id of 12345 must not become "12.345".
    from teams.models import TeamMembership
    from tests.base import make_user

    nurse = make_user("nurse-with-a-big-id", id=12345)
    TeamMembership.objects.create(team=world.team_a, user=nurse, role=TeamMembership.Role.VIEWER)
    seminar = make_seminar(world.network, days=-3)
    page = client_for(world.national_lead).get(reverse("seminars:seminar-attendance", args=[seminar.uuid]))
    html = page.content.decode()
    assert 'value="12345"' in html and 'id="attended-12345"' in html
    assert "12.345" not in html
