"""Accessibility sweep: every main page, as the user who works on it, passes axe-core (WCAG 2.1 A/AA,
no serious or critical violation) and runs without JavaScript errors.

Each page is its own test id. The live server flushes the database after every test (pytest-django's
live_server forces a transactional database), so each test builds the world again; the world is the
same for all pages, so a failure on one page reads the same as on any other.
"""

import contextlib
from dataclasses import dataclass

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from measures.models import PDSACycle
from seminars.models import Attendance, LearningObjective, ProgrammeItem, Registration, SeminarPurpose
from tests.base import World
from tests.seminars.helpers import make_seminar

from .conftest import axe_violations, draw_charts, login, screenshot
from .test_dashboards import demo_like_world
from .test_definitions import demo_content


@dataclass
class Sweep:
    world: World
    pdsa: PDSACycle
    upcoming_seminar_uuid: str
    past_seminar_uuid: str


def build_sweep() -> Sweep:
    """Dashboards with computed charts, a driver diagram and its team copy, a PDSA cycle, seminars."""
    world = demo_like_world()
    demo_content(world)
    pdsa = PDSACycle.objects.get(team=world.team_a)
    upcoming = make_seminar(
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
        seminar=upcoming, order=0, text="at læringsseminarerne understøtter vidensdeling"
    )
    LearningObjective.objects.create(
        seminar=upcoming, audience="teams", order=0, text="Deltagerne har fået sparring på deres udfordringer"
    )
    ProgrammeItem.objects.create(seminar=upcoming, starts_at="09:30", ends_at="10:00", title="Velkomst")
    Registration.objects.create(
        seminar=upcoming, user=world.viewer, team=world.team_a, registered_by=world.viewer
    )
    past = make_seminar(world.network, days=-40, title="Læringsseminar 1", number=1, capacity=40)
    for user in (world.viewer, world.team_lead, world.other_team_member):
        team = world.team_b if user == world.other_team_member else world.team_a
        Registration.objects.create(seminar=past, user=user, team=team, registered_by=user)
    Attendance.objects.create(
        seminar=past, user=world.viewer, team=world.team_a, recorded_by=world.national_lead
    )
    return Sweep(
        world=world, pdsa=pdsa, upcoming_seminar_uuid=str(upcoming.uuid), past_seminar_uuid=str(past.uuid)
    )


# page id -> (username or None for anonymous, path built from the sweep)
PAGES = {
    "login": (None, lambda s: "/login/"),
    "home": ("team-lead", lambda s: "/"),
    "home-national-lead": ("national-lead", lambda s: "/"),
    "team-dashboard": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/"),
    "indicator-dashboard": (
        "team-lead",
        lambda s: f"/teams/{s.world.team_a.uuid}/indikatorer/{s.world.indicator.uuid}/",
    ),
    "network-dashboard-national-lead": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/"),
    "network-dashboard-team-member": ("viewer", lambda s: f"/lkt/{s.world.network.slug}/"),
    "goal-dashboard": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/maal/{s.world.goal.uuid}/"),
    "entry-grid": ("data-entry", lambda s: f"/teams/{s.world.team_a.uuid}/data/"),
    "entry-upload": ("data-entry", lambda s: f"/teams/{s.world.team_a.uuid}/data/upload/"),
    "entry-cell-history": (
        "data-entry",
        lambda s: f"/teams/{s.world.team_a.uuid}/data/historik/{s.world.indicator.uuid}/2024/3/",
    ),
    "entry-team-history": ("data-entry", lambda s: f"/teams/{s.world.team_a.uuid}/data/historik/"),
    "completeness": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/datakomplethed/"),
    "team-report": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/rapport/"),
    "network-report": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/rapport/"),
    "goal-list": ("expert", lambda s: f"/lkt/{s.world.network.slug}/maal/"),
    "goal-form": ("expert", lambda s: f"/lkt/{s.world.network.slug}/maal/nyt/"),
    "indicator-list": ("expert", lambda s: f"/lkt/{s.world.network.slug}/indikatorer/"),
    "indicator-detail": (
        "expert",
        lambda s: f"/lkt/{s.world.network.slug}/indikatorer/{s.world.indicator.uuid}/",
    ),
    "indicator-form": (
        "expert",
        lambda s: f"/lkt/{s.world.network.slug}/indikatorer/{s.world.indicator.uuid}/rediger/",
    ),
    "driver-template": ("expert", lambda s: f"/lkt/{s.world.network.slug}/driverdiagram/"),
    "driver-template-edit": ("expert", lambda s: f"/lkt/{s.world.network.slug}/driverdiagram/rediger/"),
    "driver-team": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/driverdiagram/"),
    "driver-team-edit": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/driverdiagram/rediger/"),
    "driver-team-changes": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/driverdiagram/aendringer/"),
    "pdsa-network": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/pdsa/"),
    "pdsa-team-list": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/pdsa/"),
    "pdsa-detail": ("team-lead", lambda s: f"/pdsa/{s.pdsa.uuid}/"),
    "pdsa-form": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/pdsa/ny/"),
    "pdsa-edit": ("team-lead", lambda s: f"/pdsa/{s.pdsa.uuid}/rediger/"),
    "local-targets": ("team-lead", lambda s: f"/teams/{s.world.team_a.uuid}/lokale-maal/"),
    "local-target-form": (
        "team-lead",
        lambda s: f"/teams/{s.world.team_a.uuid}/lokale-maal/{s.world.indicator.uuid}/",
    ),
    "project-description": ("expert", lambda s: f"/lkt/{s.world.network.slug}/projektbeskrivelse/"),
    "seminar-plan": ("viewer", lambda s: f"/lkt/{s.world.network.slug}/seminarer/"),
    "seminar-detail": ("viewer", lambda s: f"/seminarer/{s.upcoming_seminar_uuid}/"),
    "seminar-detail-national-lead": ("national-lead", lambda s: f"/seminarer/{s.past_seminar_uuid}/"),
    "seminar-edit": ("national-lead", lambda s: f"/seminarer/{s.upcoming_seminar_uuid}/rediger/"),
    "seminar-create": ("national-lead", lambda s: f"/lkt/{s.world.network.slug}/seminarer/ny/"),
    "seminar-attendance": ("national-lead", lambda s: f"/seminarer/{s.past_seminar_uuid}/fremmoede/"),
    "chart-settings": (
        "team-lead",
        lambda s: f"/teams/{s.world.team_a.uuid}/indikatorer/{s.world.indicator.uuid}/indstillinger/",
    ),
    "annotation-form": (
        "team-lead",
        lambda s: f"/teams/{s.world.team_a.uuid}/kommentarer/?indikator={s.world.indicator.uuid}",
    ),
}


def draw_lazy_charts(page) -> None:
    """Scroll through the page: the dashboards draw charts below the fold when they come into view."""
    draw_charts(page)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible(page, name):
    sweep = build_sweep()
    username, path = PAGES[name]
    if username:
        login(page, username)
    response = page.goto(page.lkt_base + path(sweep))
    assert response is not None and response.status == 200, (name, response and response.status)
    page.wait_for_load_state("networkidle")
    draw_lazy_charts(page)
    assert page.locator("h1").count() == 1, f"{name}: a page has exactly one h1"
    screenshot(page, f"a11y-{name}")
    violations = axe_violations(page)
    assert not violations, violations
    assert not page.lkt_errors, page.lkt_errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_team_report_prints_on_a4_without_navigation(page):
    sweep = build_sweep()
    login(page, "team-lead")
    page.goto(f"{page.lkt_base}/teams/{sweep.world.team_a.uuid}/rapport/")
    page.wait_for_load_state("networkidle")
    draw_lazy_charts(page)
    page.emulate_media(media="print")
    # Navigation, language switch and buttons are for the screen only.
    for selector in (".lkt-subnav", ".navigation-menu", ".lkt-language", "footer"):
        for element in page.locator(selector).all():
            assert not element.is_visible(), selector
    # Nothing may be wider than an A4 page's printable width (about 180 mm = 680 CSS px).
    page.set_viewport_size({"width": 680, "height": 900})
    overflow_js = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    # The charts relayout to the new width: wait for that, not for a fixed time (measured below).
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"({overflow_js}) <= 2", timeout=5000)
    overflow = page.evaluate(overflow_js)
    screenshot(page, "a11y-team-report-print")
    assert overflow <= 2, f"the printed report is {overflow}px wider than the page"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert not page.lkt_errors, page.lkt_errors
