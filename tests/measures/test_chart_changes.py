"""Every change that alters a chart recomputes it after commit, without waiting for the sweep.

Embedded mode: tasks run eagerly after commit (django_capture_on_commit_callbacks runs the
callbacks the real commit would). Production mode: a real worker on the real Redis picks up the
tasks published after commit (tests/measures/test_tasks_worker.py style), with no sweep running.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from measures import charts as pipeline
from measures.models import ChartResult, IndicatorVersion
from measures.selectors.dashboards import recent_change_notes, team_dashboard
from measures.services.charts import team_region_move
from measures.services.definitions import indicator_publish, indicator_update, local_target_set
from teams.models import Team
from tests.base import build_world

pytestmark = pytest.mark.django_db


def rows(indicator) -> list[ChartResult]:
    return list(ChartResult.objects.filter(indicator=indicator))


def computed_world(world):
    pipeline.chart_results_recompute_stale(network=world.network)
    assert not ChartResult.objects.filter(is_stale=True).exists()
    return world


def publish_target(world, target="99.7"):
    indicator_update(indicator=world.indicator, user=world.expert, target_value=Decimal(target))
    return indicator_publish(
        indicator=world.indicator, user=world.national_lead, change_note="Nyt nationalt mål"
    )


def test_a_new_version_recomputes_every_chart_of_the_indicator_after_commit(
    world, django_capture_on_commit_callbacks
):
    computed_world(world)
    before = {row.id: row.compute_count for row in rows(world.indicator)}
    assert len(before) >= 3  # the team, its region and the national chart
    with django_capture_on_commit_callbacks(execute=True):
        publish_target(world)
    for row in rows(world.indicator):
        assert row.is_stale is False, row
        assert row.compute_count == before[row.id] + 1
        assert row.data["targets"]["national"] == pytest.approx(99.7)
        assert row.data["indicator_version"] == 2


def test_nothing_is_enqueued_when_the_publication_rolls_back(world, django_capture_on_commit_callbacks):
    computed_world(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        indicator_update(indicator=world.indicator, user=world.expert, target_value=Decimal("50"))
        with pytest.raises(ValidationError):
            # No change note: refused, so the transaction rolls back and nothing is enqueued.
            indicator_publish(indicator=world.indicator, user=world.national_lead, change_note="")
    assert callbacks == []
    assert not ChartResult.objects.filter(is_stale=True).exists()


def test_a_local_target_recomputes_the_teams_chart_after_commit(world, django_capture_on_commit_callbacks):
    computed_world(world)
    with django_capture_on_commit_callbacks(execute=True):
        local_target_set(
            team=world.team_a, indicator=world.indicator, value=Decimal("40"), user=world.team_lead
        )
    row = ChartResult.objects.get(scope="team", team=world.team_a, indicator=world.indicator)
    assert row.is_stale is False and row.data["targets"]["local"] == 40.0


def test_a_team_moved_between_regions_recomputes_both_regions(world, django_capture_on_commit_callbacks):
    computed_world(world)
    old = ChartResult.objects.get(scope="region", region=world.hovedstaden, indicator=world.indicator)
    assert old.data["points"][0]["n_teams"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        team_region_move(team=world.team_a, region=world.midtjylland, user=world.national_lead)
    old.refresh_from_db()
    new = ChartResult.objects.get(scope="region", region=world.midtjylland, indicator=world.indicator)
    assert old.is_stale is False and not any(p["y"] is not None for p in old.data["points"])
    assert new.is_stale is False and new.data["points"][0]["n_teams"] == 1
    assert Team.objects.get(pk=world.team_a.pk).region == world.midtjylland


def test_moving_a_team_in_the_admin_goes_through_the_service(
    world, client_for, django_capture_on_commit_callbacks
):
    computed_world(world)
    team = world.team_a
    url = reverse("admin:teams_team_change", args=[team.pk])
    client = client_for(world.staff)
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        {
            "region": world.midtjylland.pk,
            "organisations": [o.pk for o in team.organisations.all()],
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = ChartResult.objects.get(scope="region", region=world.midtjylland, indicator=world.indicator)
    assert new.is_stale is False and new.data["points"][0]["n_teams"] == 1


def test_the_change_note_is_shown_beside_the_charts_for_a_while(
    world, client_for, django_capture_on_commit_callbacks
):
    computed_world(world)
    with django_capture_on_commit_callbacks(execute=True):
        publish_target(world)
    dashboard = team_dashboard(team=world.team_a)
    [card] = [c for g in dashboard.groups for c in g.cards if c.indicator == world.indicator]
    assert card.change_note.change_note == "Nyt nationalt mål"
    html = (
        client_for(world.viewer)
        .get(reverse("measures:team-dashboard", args=[world.team_a.uuid]))
        .content.decode()
    )
    assert "Indikatoren er ændret (version 2" in html and "Nyt nationalt mål" in html
    assert "Diagrammet opdateres" not in html
    # After CHANGE_NOTE_DAYS it is no longer beside the chart, but stays in the chart's history.
    IndicatorVersion.objects.filter(indicator=world.indicator, version=2).update(
        published_at=timezone.now() - timedelta(days=60)
    )
    assert recent_change_notes([world.indicator]) == {}
    url = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    html = client_for(world.viewer).get(url).content.decode()
    assert "Diagrammets historik" in html and "Nyt nationalt mål" in html
    assert "Indikatoren er ændret" not in html


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_in_production_a_new_version_reaches_every_chart_without_a_sweep(live_worker):
    world = build_world()
    pipeline.chart_results_recompute_stale(network=world.network)
    ids = [row.id for row in rows(world.indicator)]
    publish_target(world, "88")

    def done() -> bool:
        return all(
            not r.is_stale and r.data["targets"]["national"] == 88.0
            for r in ChartResult.objects.filter(id__in=ids)
        )

    live_worker.wait_until(done, timeout=60, message="every chart of the indicator shows the new target")
    # No sweep ran: the task log names each received task as "name[id]".
    assert "chart_results_sweep_task[" not in live_worker.log()
    assert "chart_result_recompute_task[" in live_worker.log()


def test_first_due_dates_are_unaffected_by_chart_changes(world):
    # A guard against mixing the two concerns: a new version never moves the due months.
    first = world.indicator.first_due_month
    publish_target(world)
    world.indicator.refresh_from_db()
    assert world.indicator.first_due_month == first == date(2024, 1, 1)
