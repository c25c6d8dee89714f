"""Goals and indicators: drafts, publishing and versions (measures.services.definitions)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from measures.charts import chart_result_recompute
from measures.models import (
    ChartResult,
    Goal,
    Indicator,
    IndicatorDraft,
    IndicatorVersion,
    LocalTarget,
    Measurement,
)
from measures.selectors.definitions import indicator_versions_used, published_indicators
from measures.services import definitions as services

pytestmark = pytest.mark.django_db

NEW_INDICATOR = {
    "code": "critical",
    "name": "Andel kritisk vigtige antibiotika",
    "kind": Indicator.Kind.PROCESS,
    "numerator_definition": "DDD af kritisk vigtige antibiotika",
    "denominator_definition": "DDD i alt",
    "unit": "%",
    "multiplier": Decimal("100"),
    "direction": Indicator.Direction.DOWN,
    "chart_type": Indicator.ChartType.RUN,
}


def test_it_creates_goals_and_indicators_as_drafts(world):
    goal = services.goal_create(
        network=world.network, user=world.expert, number=2, title="Færre kritisk vigtige"
    )
    indicator = services.indicator_create(
        network=world.network, user=world.expert, goal=goal, **NEW_INDICATOR
    )
    assert goal.status == "draft"
    assert indicator.status == "draft"
    assert indicator.version == 0
    assert indicator not in published_indicators(network=world.network)
    assert indicator.history.first().history_user == world.expert


def test_it_refuses_a_goal_from_another_network(world):
    other_goal = Goal.objects.create(network=world.other_network, number=1, title="Andet")
    with pytest.raises(ValidationError) as exc:
        services.indicator_create(network=world.network, user=world.expert, goal=other_goal, **NEW_INDICATOR)
    assert "goal" in exc.value.error_dict


def test_it_refuses_a_p_chart_without_denominator(world):
    fields = {
        **NEW_INDICATOR,
        "chart_type": Indicator.ChartType.P,
        "denominator_definition": "",
        "whole_numbers": True,
    }
    with pytest.raises(ValidationError) as exc:
        services.indicator_create(network=world.network, user=world.expert, **fields)
    assert "denominator_definition" in exc.value.error_dict


def test_it_refuses_to_publish_an_indicator_under_a_draft_goal(world):
    goal = services.goal_create(network=world.network, user=world.expert, number=2, title="Kladdemål")
    indicator = services.indicator_create(
        network=world.network, user=world.expert, goal=goal, **NEW_INDICATOR
    )
    with pytest.raises(ValidationError):
        services.indicator_publish(indicator=indicator, user=world.expert)
    services.goal_publish(goal=goal, user=world.expert)
    version = services.indicator_publish(indicator=indicator, user=world.expert)
    assert version.version == 1


def test_it_publishes_the_first_version_with_who_and_when(world):
    indicator = services.indicator_create(network=world.network, user=world.expert, **NEW_INDICATOR)
    version = services.indicator_publish(indicator=indicator, user=world.national_lead)
    indicator.refresh_from_db()
    assert indicator.status == "published"
    assert indicator.version == 1
    assert indicator.published_by == world.national_lead
    assert indicator.published_at is not None
    assert version.published_by == world.national_lead
    assert version.numerator_definition == NEW_INDICATOR["numerator_definition"]
    assert indicator in published_indicators(network=world.network)


def test_editing_a_published_indicator_never_changes_the_published_definition(world):
    indicator = world.indicator
    result = services.indicator_update(
        indicator=indicator,
        user=world.expert,
        name="DDD pr. 100 indlæggelsesdage",
        multiplier=Decimal("1000"),
    )
    assert isinstance(result, IndicatorDraft)
    indicator.refresh_from_db()
    assert indicator.name == "DDD pr. 100 sengedage"
    assert indicator.multiplier == 100
    assert indicator.version == 1
    assert result.name == "DDD pr. 100 indlæggelsesdage"


def test_publishing_a_new_version_needs_a_change_note(world):
    services.indicator_update(indicator=world.indicator, user=world.expert, name="Nyt navn")
    with pytest.raises(ValidationError) as exc:
        services.indicator_publish(indicator=world.indicator, user=world.expert, change_note="  ")
    assert "change_note" in exc.value.error_dict
    world.indicator.refresh_from_db()
    assert world.indicator.version == 1


def test_a_new_version_keeps_the_old_definition_and_the_data_entered_under_it(world):
    services.indicator_update(
        indicator=world.indicator,
        user=world.expert,
        numerator_definition="Antal DDD, inkl. udleveret ved udskrivelse",
    )
    version = services.indicator_publish(
        indicator=world.indicator, user=world.expert, change_note="Udleveret medicin tæller nu med."
    )
    world.indicator.refresh_from_db()
    assert version.version == 2
    assert world.indicator.version == 2
    assert world.indicator.numerator_definition == "Antal DDD, inkl. udleveret ved udskrivelse"
    old = IndicatorVersion.objects.get(indicator=world.indicator, version=1)
    assert old.numerator_definition == "Antal DDD"
    assert old.change_note == ""
    assert version.change_note == "Udleveret medicin tæller nu med."
    assert not IndicatorDraft.objects.filter(indicator=world.indicator).exists()
    # The 24 months entered under version 1 still say so; a new value is entered under version 2.
    assert set(
        Measurement.objects.filter(indicator=world.indicator).values_list("indicator_version", flat=True)
    ) == {1}
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.indicator,
        period=date(2026, 1, 1),
        numerator=Decimal("500"),
        denominator=Decimal("1000"),
        indicator_version=world.indicator.version,
    )
    uses = indicator_versions_used(indicator=world.indicator)
    assert [(u.version, u.count) for u in uses] == [(1, 24), (2, 1)]
    assert uses[0].definition.numerator_definition == "Antal DDD"
    assert uses[0].first_period == date(2024, 1, 1)
    team_uses = indicator_versions_used(indicator=world.indicator, team=world.team_a)
    assert [(u.version, u.count) for u in team_uses] == [(1, 24)]


def test_a_new_version_marks_the_indicators_charts_stale(world):
    chart = chart_result_recompute(team=world.team_a, indicator=world.indicator)
    assert not chart.is_stale
    services.indicator_update(indicator=world.indicator, user=world.expert, target_value=Decimal("45"))
    services.indicator_publish(indicator=world.indicator, user=world.expert, change_note="Nationalt mål sat.")
    chart.refresh_from_db()
    assert chart.is_stale
    chart = chart_result_recompute(team=world.team_a, indicator=world.indicator)
    assert chart.data["indicator_version"] == 2
    assert chart.data["targets"]["national"] == 45.0


def test_it_refuses_to_publish_a_draft_identical_to_the_published_definition(world):
    services.indicator_update(indicator=world.indicator, user=world.expert, name=world.indicator.name)
    with pytest.raises(ValidationError):
        services.indicator_publish(indicator=world.indicator, user=world.expert, change_note="Ingen ændring")


def test_a_discarded_draft_leaves_the_published_definition(world):
    services.indicator_update(indicator=world.indicator, user=world.expert, name="Forkert navn")
    services.indicator_draft_discard(indicator=world.indicator, user=world.expert)
    assert not IndicatorDraft.objects.filter(indicator=world.indicator).exists()
    with pytest.raises(ValidationError):
        services.indicator_publish(indicator=world.indicator, user=world.expert, change_note="x")


def test_draft_changes_lists_what_the_next_version_changes(world):
    services.indicator_update(indicator=world.indicator, user=world.expert, unit="DDD/100 sengedage")
    world.indicator.refresh_from_db()
    changes = services.indicator_draft_changes(indicator=world.indicator)
    assert [(str(label), old, new) for label, old, new in changes] == [
        ("enhed", "DDD pr. 100 sengedage", "DDD/100 sengedage")
    ]


def test_a_retired_indicator_is_no_longer_published_but_keeps_its_data(world):
    services.indicator_retire(indicator=world.indicator, user=world.national_lead)
    assert world.indicator not in published_indicators(network=world.network)
    assert Measurement.objects.filter(indicator=world.indicator).count() == 24
    assert IndicatorVersion.objects.filter(indicator=world.indicator).count() == 1


def test_only_never_published_indicators_can_be_deleted(world):
    with pytest.raises(ValidationError):
        services.indicator_delete(indicator=world.indicator, user=world.expert)
    draft = services.indicator_create(network=world.network, user=world.expert, **NEW_INDICATOR)
    services.indicator_delete(indicator=draft, user=world.expert)
    assert not Indicator.objects.filter(pk=draft.pk).exists()


def test_goals_are_edited_in_place_with_history(world):
    services.goal_update(
        goal=world.goal, user=world.expert, title="Ny titel", target_text="-10 % i forhold til baseline"
    )
    world.goal.refresh_from_db()
    assert world.goal.title == "Ny titel"
    titles = [h.title for h in world.goal.history.order_by("history_date")]
    assert titles[0] == "Reduktion af det samlede antibiotikaforbrug"
    assert titles[-1] == "Ny titel"


# Local targets -----------------------------------------------------------------------------------


def test_a_local_target_appears_on_the_teams_chart(world):
    services.local_target_set(
        team=world.team_a,
        indicator=world.indicator,
        value=Decimal("50"),
        deadline=date(2026, 6, 30),
        note="Ambitiøst, men realistisk",
        user=world.team_lead,
    )
    assert ChartResult.objects.get(team=world.team_a, indicator=world.indicator).is_stale
    chart = chart_result_recompute(team=world.team_a, indicator=world.indicator)
    assert chart.data["targets"]["local"] == 50.0
    target = LocalTarget.objects.get(team=world.team_a, indicator=world.indicator)
    assert target.set_by == world.team_lead


def test_a_local_target_is_updated_not_duplicated_and_can_be_removed(world):
    services.local_target_set(
        team=world.team_a, indicator=world.indicator, value=Decimal("50"), user=world.team_lead
    )
    services.local_target_set(
        team=world.team_a, indicator=world.indicator, value=Decimal("48.5"), user=world.team_lead
    )
    assert LocalTarget.objects.get(team=world.team_a, indicator=world.indicator).value == Decimal("48.5")
    services.local_target_delete(team=world.team_a, indicator=world.indicator, user=world.team_lead)
    assert not LocalTarget.objects.filter(team=world.team_a).exists()


def test_it_refuses_a_local_target_for_another_networks_or_a_draft_indicator(world):
    draft = services.indicator_create(network=world.network, user=world.expert, **NEW_INDICATOR)
    with pytest.raises(ValidationError):
        services.local_target_set(
            team=world.team_a, indicator=draft, value=Decimal("1"), user=world.team_lead
        )
    with pytest.raises(ValidationError):
        services.local_target_set(
            team=world.other_team, indicator=world.indicator, value=Decimal("1"), user=world.staff
        )


def test_it_refuses_a_proportion_target_above_100_percent(world):
    with pytest.raises(ValidationError) as exc:
        services.local_target_set(
            team=world.team_a, indicator=world.count_indicator, value=Decimal("120"), user=world.team_lead
        )
    assert "value" in exc.value.error_dict
