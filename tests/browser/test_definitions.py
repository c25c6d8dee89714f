"""Browser: the driver diagram, the indicator pages, PDSA and the project description look right and pass axe."""

from datetime import date

import pytest

from measures.models import DriverNode
from measures.services import definitions, improvement
from tests.base import build_world

from .conftest import axe_violations, login, screenshot


def demo_content(world):
    diagram = improvement.driver_diagram_template_create(
        network=world.network, user=world.expert, aim_text="Rationel brug af antibiotika på hospitalerne"
    )
    aim = diagram.nodes.get(kind=DriverNode.Kind.AIM)
    aim.goals.add(world.goal)
    for code, text, secondary, idea in [
        ("A", "Indikation", "Klar indikation før opstart", "Tjekliste ved ordination"),
        ("B", "Valg af antibiotika", "Følg regional vejledning", None),
        ("C", "Revurdering", "Fast revurdering efter 48 timer", "Påmindelse i journalen"),
        ("D", "Varighed", "Kortest mulige behandlingsvarighed", "Stopdato ved ordination"),
    ]:
        primary = improvement.driver_node_create(
            diagram=diagram,
            parent=aim,
            kind="primary",
            code=code,
            text=text,
            user=world.expert,
            indicators=[world.indicator] if code == "A" else [],
        )
        sec = improvement.driver_node_create(
            diagram=diagram, parent=primary, kind="secondary", text=secondary, user=world.expert
        )
        if idea:
            improvement.driver_node_create(
                diagram=diagram,
                parent=sec,
                kind="change_idea",
                text=idea,
                user=world.expert,
                indicators=[world.count_indicator] if code == "C" else [],
            )
    copy = improvement.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    idea = copy.nodes.get(text="Påmindelse i journalen")
    improvement.pdsa_cycle_create(
        team=world.team_a,
        user=world.data_entry,
        title="Påmindelse på afsnit 3",
        start_date=date(2025, 3, 1),
        change_idea=idea,
        indicators=[world.count_indicator],
        status="completed",
        decision="adopt",
        question="Bliver flere revurderet inden for 48 timer?",
        prediction="Andelen stiger fra 40 % til 60 %.",
    )
    definitions.indicator_update(
        indicator=world.indicator, user=world.expert, name="DDD pr. 100 sengedage (ny opgørelse)"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_expert_pages_render_and_are_accessible(page):
    world = build_world()
    demo_content(world)
    base = page.lkt_base
    login(page, "expert")
    pages = {
        "expert-driver-template": f"/lkt/{world.network.slug}/driverdiagram/",
        "expert-driver-edit": f"/lkt/{world.network.slug}/driverdiagram/rediger/",
        "expert-indicator-detail": f"/lkt/{world.network.slug}/indikatorer/{world.indicator.uuid}/",
        "expert-indicator-edit": f"/lkt/{world.network.slug}/indikatorer/{world.indicator.uuid}/rediger/",
        "expert-goals": f"/lkt/{world.network.slug}/maal/",
        "expert-project-description": f"/lkt/{world.network.slug}/projektbeskrivelse/",
        "expert-pdsa-overview": f"/lkt/{world.network.slug}/pdsa/",
    }
    problems = {}
    for name, path in pages.items():
        page.goto(base + path)
        assert page.locator("h1").count() == 1, name
        screenshot(page, name)
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert not problems, problems
    # The diagram is drawn left to right: each primary driver's box is right of the aim's box.
    page.goto(base + pages["expert-driver-template"])
    aim_box = page.locator(".dd-aim > .dd-box").bounding_box()
    primary_box = page.locator(".dd-primary > .dd-box").first.bounding_box()
    idea_box = page.locator(".dd-change_idea > .dd-box").first.bounding_box()
    assert aim_box["x"] + aim_box["width"] < primary_box["x"] < idea_box["x"]
    page.emulate_media(media="print")
    screenshot(page, "expert-driver-template-print")
    page.emulate_media(media="screen")
    assert not page.lkt_errors, page.lkt_errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_adapts_its_diagram_and_logs_a_pdsa_cycle(page):
    world = build_world()
    demo_content(world)
    base = page.lkt_base
    login(page, "data-entry")
    page.goto(f"{base}/teams/{world.team_a.uuid}/driverdiagram/rediger/")
    page.get_by_role("link", name="Tilføj under Varighed").first.click()
    page.fill("#id_text", "Lokal instruks om varighed")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".dd-tree").get_by_text("Lokal instruks om varighed").count() == 1
    page.goto(f"{base}/teams/{world.team_a.uuid}/pdsa/ny/")
    page.fill("#id_title", "Stopdato på alle ordinationer")
    page.select_option("#id_change_idea", label="Stopdato ved ordination")
    page.fill("#id_start_date", "2025-05-01")
    page.fill("#id_question", "Får flere patienter en stopdato?")
    screenshot(page, "expert-pdsa-form")
    assert not axe_violations(page)
    page.get_by_role("button", name="Gem PDSA-cyklus").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Stopdato på alle ordinationer"
    screenshot(page, "expert-pdsa-detail")
    page.goto(f"{base}/teams/{world.team_a.uuid}/driverdiagram/")
    screenshot(page, "expert-driver-team")
    assert not axe_violations(page)
    assert not page.lkt_errors, page.lkt_errors
