"""The seminar plan in a real browser: a team member opens the plan and a seminar, registers,
and the pages have no serious accessibility violations."""

import pytest

from seminars.models import LearningObjective, ProgrammeItem, Registration, SeminarPurpose
from tests.base import build_world
from tests.seminars.helpers import make_seminar

from .conftest import axe_violations, login, screenshot


def watch_failed_requests(page) -> list[str]:
    """Responses of 400 and up (base.html links its icon, so the browser asks for no favicon.ico)."""
    failed: list[str] = []
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return failed


def script_errors(page) -> list[str]:
    return list(page.lkt_errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_member_opens_the_plan_and_registers(page):
    world = build_world()
    world.viewer.first_name, world.viewer.last_name = "Karen", "Holm"
    world.viewer.save()
    make_seminar(
        world.network, days=-60, title="Ledelsesseminar (kick-off)", kind="leadership", audience="leaders"
    )
    seminar = make_seminar(
        world.network,
        days=21,
        title="Læringsseminar 2",
        number=2,
        place="Hotel Nyborg Strand",
        address="Østerøvej 2, 5800 Nyborg",
        capacity=60,
        preparation="Medbring jeres justerede driverdiagram og seriediagrammer.",
    )
    SeminarPurpose.objects.create(
        seminar=seminar,
        order=0,
        text="at deltagerne motiveres og opbygger viden og kompetencer i forhold til forbedringsmetodik",
    )
    SeminarPurpose.objects.create(
        seminar=seminar, order=1, text="at læringsseminarerne understøtter vidensdeling og netværksdannelse"
    )
    for i, text in enumerate(
        [
            "Deltagerne har fået praktisk indsigt i værdien af deling af viden og erfaringer med andre teams",
            "Deltagerne har fået sparring på deres konkrete udfordringer",
            "Deltagerne ved, hvad de konkret skal gå hjem og arbejde videre på",
        ]
    ):
        LearningObjective.objects.create(seminar=seminar, audience="teams", text=text, order=i)
    ProgrammeItem.objects.create(
        seminar=seminar, starts_at="09:30", ends_at="10:00", title="Velkomst", speaker="National projektleder"
    )
    ProgrammeItem.objects.create(
        seminar=seminar, starts_at="10:00", ends_at="11:30", title="PDSA og faldgruber"
    )

    failed = watch_failed_requests(page)
    login(page, "viewer")
    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/seminarer/")
    assert page.locator("h1").inner_text().startswith("Seminarer")
    assert page.locator("progress#plan-progress").count() == 1
    screenshot(page, "seminars-plan")
    assert axe_violations(page) == []

    page.click("text=Læringsseminar 2")
    page.wait_for_load_state("networkidle")
    assert "Medbring jeres justerede driverdiagram" in page.content()
    assert axe_violations(page) == []
    page.click("button:has-text('Tilmeld mig')")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() == 1
    assert (
        Registration.objects.get(seminar=seminar, user=world.viewer).status == Registration.Status.REGISTERED
    )
    screenshot(page, "seminars-detail-registered")
    assert axe_violations(page) == []
    assert script_errors(page) == []
    assert failed == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_project_lead_edits_a_seminar_and_marks_attendance(page):
    world = build_world()
    seminar = make_seminar(world.network, days=-7, title="Læringsseminar 1", capacity=40)
    Registration.objects.create(
        seminar=seminar, user=world.viewer, team=world.team_a, registered_by=world.viewer
    )

    failed = watch_failed_requests(page)
    login(page, "national-lead")
    page.goto(f"{page.lkt_base}/seminarer/{seminar.uuid}/rediger/")
    screenshot(page, "seminars-edit")
    assert axe_violations(page) == []
    page.fill(
        "#id_objectives_teams",
        "Deltagerne forstår indholdet af og formålet med projektet\nDeltagerne er motiverede",
    )
    page.fill("#id_programme-0-starts_at", "09:00")
    page.fill("#id_programme-0-title", "Velkomst")
    page.click("button:has-text('Gem seminaret')")
    page.wait_for_load_state("networkidle")
    assert LearningObjective.objects.filter(seminar=seminar).count() == 2

    page.goto(f"{page.lkt_base}/seminarer/{seminar.uuid}/fremmoede/")
    screenshot(page, "seminars-attendance")
    page.check(f"#attended-{world.viewer.pk}", force=True)
    screenshot(page, "seminars-attendance")
    assert axe_violations(page) == []
    page.click("button:has-text('Gem fremmøde')")
    page.wait_for_load_state("networkidle")
    assert seminar.attendances.filter(user=world.viewer, team=world.team_a).exists()
    assert script_errors(page) == []
    assert failed == []
