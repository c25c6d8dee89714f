"""Per-indicator number of decimals: chosen by the expert group (0–4, empty = the default for the
chart type and unit), versioned like the rest of the definition, and used wherever values are read."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from measures.charts import chart_results_recompute_stale
from measures.charts.figures import build_figure, format_value
from measures.models import ChartResult, Indicator, IndicatorDraft, IndicatorVersion, Measurement
from measures.models.definitions import default_decimals
from measures.services import definitions as services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("chart_type", "unit", "multiplier", "denominator", "whole", "expected"),
    [
        ("p", "%", 100, True, True, 1),  # a percentage
        ("run", "DDD pr. 100 sengedage", 100, True, False, 1),  # a rate
        ("c", "infektioner", 1, False, True, 0),  # a count
        ("run", "patienter", 1, False, True, 0),  # whole numbers without a denominator
        ("p", "", 1, True, True, 2),  # a share as a fraction: 0,85
        ("i", "dage", 1, False, False, 1),
    ],
)
def test_the_default_follows_the_chart_type_and_unit(
    chart_type, unit, multiplier, denominator, whole, expected
):
    assert (
        default_decimals(
            chart_type=chart_type,
            unit=unit,
            multiplier=Decimal(multiplier),
            has_denominator=denominator,
            whole_numbers=whole,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (1076.5, 4, "1.076,5"),  # no trailing zeros beyond the value's own
        (1076.5, 1, "1.076,5"),
        (1076.5, 0, "1.077"),
        (12.0, 1, "12"),
        (99.746, 2, "99,75"),
        (0.8512, 2, "0,85"),
        (None, 1, "–"),
    ],
)
def test_values_are_shown_with_at_most_the_decimals_and_no_trailing_zeros(value, decimals, shown):
    with translation.override("da"):
        assert format_value(value, decimals) == shown


def test_more_than_four_decimals_is_refused_at_the_field(world):
    world.indicator.decimals = 5
    with pytest.raises(ValidationError) as caught:
        world.indicator.full_clean()
    assert "decimals" in caught.value.message_dict


def _publish_url(world):
    return reverse(
        "measures:indicator-publish",
        kwargs={"slug": world.network.slug, "indicator_uuid": world.indicator.uuid},
    )


def test_the_publish_form_sets_the_decimals_as_a_new_version(world, client_for):
    """A published definition is never edited in place: the decimals go into version 2."""
    client = client_for(world.expert)
    page = client.get(_publish_url(world)).content.decode()
    assert "Antal decimaler" in page and "Standard for diagramtypen og enheden (1)" in page
    response = client.post(_publish_url(world), {"decimals": "2", "change_note": "To decimaler."})
    assert response.status_code == 302, response.content.decode()
    world.indicator.refresh_from_db()
    assert (world.indicator.version, world.indicator.decimals, world.indicator.shown_decimals) == (2, 2, 2)
    versions = dict(
        IndicatorVersion.objects.filter(indicator=world.indicator).values_list("version", "decimals")
    )
    assert versions == {1: None, 2: 2}
    assert not IndicatorDraft.objects.filter(indicator=world.indicator).exists()
    # The change is in the indicator's history too.
    assert [h.decimals for h in world.indicator.history.order_by("history_date")][-1] == 2


def test_the_publish_form_refuses_five_decimals_and_changes_nothing(world, client_for):
    response = client_for(world.expert).post(_publish_url(world), {"decimals": "5", "change_note": "Fem."})
    assert response.status_code == 200
    world.indicator.refresh_from_db()
    assert (world.indicator.version, world.indicator.decimals) == (1, None)
    assert not IndicatorDraft.objects.filter(indicator=world.indicator).exists()


def test_the_definition_form_keeps_the_decimals_in_the_draft_until_published(world):
    services.indicator_update(indicator=world.indicator, user=world.expert, decimals=3)
    world.indicator.refresh_from_db()
    assert world.indicator.decimals is None  # the published version is untouched
    assert IndicatorDraft.objects.get(indicator=world.indicator).decimals == 3
    changes = services.indicator_draft_changes(indicator=world.indicator)
    assert ("antal decimaler", None, 3) in [(str(label), old, new) for label, old, new in changes]


def _with_value(world, numerator: str, period=date(2024, 1, 1)) -> None:
    Measurement.objects.filter(team=world.team_a, indicator=world.indicator, period=period).update(
        numerator=Decimal(numerator), denominator=Decimal("1000")
    )


def _set_decimals(world, decimals: int) -> None:
    services.indicator_update(indicator=world.indicator, user=world.expert, decimals=decimals)
    services.indicator_publish(indicator=world.indicator, user=world.expert, change_note="Decimaler.")
    world.indicator.refresh_from_db()


def _grid(world, client_for) -> str:
    """The grid's page and every folded year: the month may be shown or folded."""
    client = client_for(world.data_entry)
    url = reverse("measures:entry-grid", kwargs={"team_uuid": world.team_a.uuid})
    return "".join(
        client.get(url, params).content.decode() for params in ({}, {"aar": "2024"}, {"aar": "2025"})
    )


def test_the_grid_shows_the_value_with_the_indicators_decimals(world, client_for):
    assert Measurement.objects.filter(
        team=world.team_a, indicator=world.indicator, period=date(2024, 1, 1)
    ).exists()
    _with_value(world, "1076.5432")  # 107.65432 DDD pr. 100 sengedage
    url = reverse("measures:entry-grid", kwargs={"team_uuid": world.team_a.uuid})
    assert "<output>107,7</output>" in _grid(world, client_for)  # the default for a rate: 1 decimal
    _set_decimals(world, 3)
    assert "<output>107,654</output>" in _grid(world, client_for)
    page = client_for(world.data_entry).get(url).content.decode()
    config = json.loads(page.split('id="entry-config" type="application/json">')[1].split("</script>")[0])
    assert {i["code"]: i["decimals"] for i in config["indicators"]} == {"ddd": 3, "reassessed": 1}


def test_charts_hovers_and_tables_show_the_indicators_decimals(world, client_for):
    _with_value(world, "1076.5432")
    _set_decimals(world, 2)
    chart_results_recompute_stale(network=world.network)
    result = ChartResult.objects.get(
        scope=ChartResult.Scope.TEAM, team=world.team_a, indicator=world.indicator
    )
    assert result.data["decimals"] == 2
    with translation.override("da"):
        hovers = [text for trace in build_figure(result.data)["data"] for text in trace.get("text") or []]
    assert any(text.startswith("jan. 2024: 107,65 DDD") for text in hovers), hovers[:3]
    url = reverse(
        "measures:indicator-dashboard",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    html = client_for(world.viewer).get(url).content.decode()
    assert ">107,65<" in html and "107,6543" not in html and "107,650" not in html


def test_the_api_gives_the_decimals_of_each_version(world, client, django_user_model):
    _set_decimals(world, 0)
    client.force_login(world.national_lead)
    response = client.get(f"/api/v1/indicators/{world.indicator.uuid}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["decimals"], body["shown_decimals"]) == (0, 0)
    assert {v["version"]: (v["decimals"], v["shown_decimals"]) for v in body["versions"]} == {
        1: (None, 1),
        2: (0, 0),
    }


def test_a_new_indicator_may_choose_its_decimals_when_created(world):
    indicator = services.indicator_create(
        network=world.network,
        user=world.expert,
        code="ny",
        name="Ny",
        numerator_definition="Antal",
        chart_type=Indicator.ChartType.C,
        whole_numbers=True,
    )
    assert indicator.shown_decimals == 0
    with pytest.raises(ValidationError) as caught:
        services.indicator_update(indicator=indicator, user=world.expert, decimals=9)
    assert "decimals" in caught.value.message_dict
