"""The leader's home page, the completeness heat map and the goal cards, looked at in Chromium."""

import pytest

from measures.models import Goal
from tests.base import build_world

from .conftest import axe_violations, login, screenshot


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_hospital_leader_sees_the_teams_they_follow_with_their_status(page):
    world = build_world()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "observer")
    page.goto(f"{page.lkt_base}/")
    section = page.locator("section", has=page.locator("h2", has_text="Teams, du følger"))
    assert section.is_visible()
    row = section.locator("tr", has=page.locator(f"text={world.team_a.name}"))
    assert "for sent" in row.inner_text()  # team A has no data for the count indicator
    assert "dec. 2025" in row.inner_text()  # its last reported month
    screenshot(page, "home-leader")
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_heat_map_has_colour_and_text_and_goal_cards_show_all_their_text(page):
    world = build_world()
    goal = Goal.objects.get(network=world.network, number=1)
    goal.target_text = (
        "10 % reduktion i det samlede forbrug af antibiotika målt i DDD pr. 100 sengedage i forhold til "
        "baseline, og et uændret eller faldende forbrug af de kritisk vigtige antibiotika i hele perioden"
    )
    goal.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "national-lead")
    page.goto(f"{page.lkt_base}/lkt/{world.network.slug}/")
    cells = page.locator("table.lkt-heat tbody td")
    assert cells.count() > 0
    colours = set(cells.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)"))
    assert colours - {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}, colours
    assert all("%" in text or text.strip() in {"–", ""} for text in cells.all_inner_texts())
    for card in page.locator(".lkt-cards .card").all():
        clipped = card.evaluate(
            "el => [...el.querySelectorAll('*')].some(c => c.scrollHeight > c.clientHeight + 1 "
            "&& getComputedStyle(c).overflow !== 'visible')"
        )
        assert not clipped
    assert "kritisk vigtige antibiotika i hele perioden" in page.locator(".lkt-cards").inner_text()
    screenshot(page, "network-dashboard-heat")
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_shares_a_pdsa_cycle_and_another_team_finds_it_in_the_idea_bank(page, browser):
    from datetime import date

    from measures.services.improvement import pdsa_cycle_create

    world = build_world()
    cycle = pdsa_cycle_create(
        team=world.team_a,
        user=world.team_lead,
        title="Stopordre på dag 5",
        start_date=date(2025, 2, 1),
        plan="Lægerne ordinerer antibiotika med stopdato på dag 5.",
        study_notes="Behandlingstiden faldt fra 7 til 5,5 dage uden flere genindlæggelser.",
        decision="adopt",
        status="completed",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "team-lead")
    page.goto(f"{page.lkt_base}/pdsa/{cycle.uuid}/")
    # Told before sharing that anonymised peers see the cycle without the team's name.
    assert (
        "uden jeres teams navn"
        in page.locator("#share-title + *, section[aria-labelledby=share-title]").first.inner_text()
    )
    screenshot(page, "pdsa-share")
    assert axe_violations(page) == []
    page.click("text=Del med idébanken")
    page.wait_for_load_state("networkidle")
    assert "Cyklussen er delt" in page.content()

    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK").new_page()
    other.lkt_base = page.lkt_base
    login(other, "other-team-member")
    other.goto(f"{page.lkt_base}/lkt/{world.network.slug}/idebank/")
    other.fill("#idea-q", "genindlæggelser")
    other.click("button:has-text('Søg')")
    other.wait_for_load_state("networkidle")
    text = other.locator("main").inner_text()
    assert "Stopordre på dag 5" in text and "5,5 dage" in text and "Implementér" in text
    assert world.team_a.name not in text
    screenshot(other, "idea-bank")
    assert axe_violations(other) == []
    other.context.close()
