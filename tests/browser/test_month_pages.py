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
