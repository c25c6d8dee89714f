"""The team dashboard's card cache: a card is served from the cache only while the chart result,
the indicator and the change note it shows are the ones it was rendered from."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures import charts as pipeline
from measures.models import Measurement
from measures.services.entry import MeasurementRow, measurements_bulk_save

pytestmark = pytest.mark.django_db


def page(world, client_for) -> str:
    url = reverse("measures:team-dashboard", kwargs={"team_uuid": world.team_a.uuid})
    response = client_for(world.viewer).get(url)
    assert response.status_code == 200
    return response.content.decode()


def save(world, numerator: int) -> None:
    stored = (
        Measurement.objects.filter(team=world.team_a, indicator=world.indicator).order_by("-period").first()
    )
    row = MeasurementRow(
        indicator_code=world.indicator.code,
        period=stored.period,
        numerator=Decimal(numerator),
        denominator=stored.denominator,
    )
    measurements_bulk_save(team=world.team_a, rows=[row], user=world.team_lead, source="api")


def cards(html: str) -> str:
    """The charts part of the page (the CSRF token of the language form differs per response)."""
    return html[html.index('<section class="lkt-goal-group"') :]


@pytest.fixture
def computed(world):
    cache.clear()
    pipeline.chart_results_recompute_stale(network=world.network)
    return world


def test_a_saved_value_shows_as_updating_then_in_the_new_chart(
    computed, client_for, django_capture_on_commit_callbacks
):
    world = computed
    before = page(world, client_for)
    assert "Diagrammet opdateres" not in before and "987.654" not in before
    # The save marks the team's chart stale in its own transaction; its card is rendered anew.
    save(world, 987654)
    assert "Diagrammet opdateres" in page(world, client_for)
    # The recomputed chart replaces the cached card, with the new value in its table.
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.chart_results_recompute_stale(network=world.network)
    after = page(world, client_for)
    assert "987.654" in after and "Diagrammet opdateres" not in after


def test_cached_cards_read_no_chart_data(computed, client_for):
    world = computed
    first = page(world, client_for)
    with CaptureQueriesContext(connection) as queries:
        second = page(world, client_for)
    assert cards(second) == cards(first)
    chart_reads = [q["sql"] for q in queries.captured_queries if "measures_chartresult" in q["sql"]]
    assert chart_reads and not any('"measures_chartresult"."data"' in sql for sql in chart_reads)


def test_cards_are_cached_per_language(computed, client_for):
    world = computed
    danish = page(world, client_for)
    client = client_for(world.viewer)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    url = reverse("measures:team-dashboard", kwargs={"team_uuid": world.team_a.uuid})
    english = client.get(url).content.decode()
    assert "Vis tal som tabel" in danish
    assert "Show figures as a table" in english and "Vis tal som tabel" not in english


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)
def test_the_page_renders_without_a_cache(computed, client_for):
    html = page(computed, client_for)
    assert "Vis tal som tabel" in html
