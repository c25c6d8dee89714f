"""measurement_save / measurement_delete / month completion: validation, locking, history."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from measures.models import ChartResult, Measurement, MonthCompletion, RefusedMeasurement
from measures.services.entry import (
    MeasurementConflict,
    measurement_delete,
    measurement_save,
    month_completion_clear,
    month_completion_mark,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The shared world creates eleven users; the default hasher makes that seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


MAY_2024 = date(2024, 5, 1)


def save(world, *, indicator=None, period=date(2026, 1, 1), numerator="5", denominator="10", **extra):
    kwargs = {
        "team": world.team_a,
        "indicator": indicator or world.count_indicator,
        "period": period,
        "numerator": None if numerator is None else Decimal(numerator),
        "denominator": None if denominator is None else Decimal(denominator),
        "expected_version": None,
        "user": world.data_entry,
    }
    kwargs.update(extra)
    return measurement_save(**kwargs)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_it_creates_a_measurement_with_history_and_marks_the_chart_stale(world):
    m = save(world)
    assert m.version == 1 and m.entered_by == world.data_entry
    record = m.history.get()
    assert record.history_type == "+" and record.history_user == world.data_entry
    assert ChartResult.objects.get(team=world.team_a, indicator=world.count_indicator).is_stale


def test_it_rejects_a_negative_numerator_naming_the_field(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, numerator="-1")
    assert "Tælleren må ikke være negativ." in errors_of(excinfo)["numerator"]


def test_it_accepts_zero_as_numerator(world):
    assert save(world, numerator="0").numerator == 0


def test_it_rejects_a_fraction_where_the_indicator_counts(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, numerator="2.5")
    assert "helt tal" in errors_of(excinfo)["numerator"][0]


def test_it_accepts_a_fraction_where_the_indicator_does_not_count(world):
    m = save(world, indicator=world.indicator, numerator="612.5", denominator="1000")
    assert m.numerator == Decimal("612.5")


def test_it_rejects_numerator_above_denominator_for_a_proportion(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, numerator="11", denominator="10")
    assert "større end nævneren" in errors_of(excinfo)["numerator"][0]


def test_it_accepts_numerator_above_denominator_for_a_rate(world):
    assert save(world, indicator=world.indicator, numerator="1500", denominator="1000").value == 150


def test_it_rejects_a_zero_denominator(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, denominator="0")
    assert errors_of(excinfo)["denominator"] == ["Nævneren skal være større end 0."]


def test_it_rejects_a_missing_denominator(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, denominator=None)
    assert "denominator" in errors_of(excinfo)


def test_it_rejects_a_future_month(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, period=date(2099, 1, 1))
    assert "fremtiden" in errors_of(excinfo)["period"][0]


def test_it_rejects_a_month_before_the_entry_window(world):
    # The network starts 2024-01 and accepts 12 baseline months before: 2023-01 is the first.
    with pytest.raises(ValidationError) as excinfo:
        save(world, period=date(2022, 12, 1))
    assert "ligger før de måneder, LKT'et modtager data for" in errors_of(excinfo)["period"][0]


def test_it_rejects_an_indicator_of_another_network(world):
    from measures.models import Indicator
    from tests.base import publish

    foreign = publish(
        Indicator.objects.create(network=world.other_network, code="x", name="X", numerator_definition="n"),
        world.staff,
    )
    with pytest.raises(ValidationError) as excinfo:
        save(world, indicator=foreign, denominator=None)
    assert "indicator" in errors_of(excinfo)


def test_nothing_to_report_is_stored_without_numbers(world):
    m = save(world, numerator=None, denominator=None, nothing_to_report=True)
    assert m.nothing_to_report and m.numerator is None


def test_nothing_to_report_with_numbers_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, nothing_to_report=True)
    assert "nothing_to_report" in errors_of(excinfo)


def test_a_value_far_outside_the_history_is_saved_and_flagged(world):
    # Team A's DDD history is around 50-60 per 100 bed days; 400 is more than 5x the median.
    m = save(world, indicator=world.indicator, numerator="4000", denominator="1000")
    assert m.pk and m.needs_checking


def test_a_normal_value_is_not_flagged(world):
    m = save(world, indicator=world.indicator, numerator="550", denominator="1000")
    assert not m.needs_checking


def test_a_stale_save_is_refused_and_both_values_are_kept(world):
    first = save(world, numerator="5")
    # Two people loaded version 1; the team lead saves first.
    save(world, numerator="6", expected_version=1, user=world.team_lead)
    with pytest.raises(MeasurementConflict) as excinfo:
        save(world, numerator="7", expected_version=1)
    conflict = excinfo.value
    assert conflict.current.numerator == 6 and conflict.current.entered_by == world.team_lead
    assert "team-lead" in conflict.messages[0] and "tæller 6" in conflict.messages[0]
    first.refresh_from_db()
    assert first.numerator == 6 and first.version == 2
    assert [h.numerator for h in first.history.order_by("history_date")] == [5, 6]
    refused = RefusedMeasurement.objects.get()
    assert refused.numerator == 7 and refused.attempted_by == world.data_entry and refused.stored_version == 2


def test_creating_a_cell_someone_else_created_is_a_conflict(world):
    save(world, numerator="5", user=world.team_lead)
    with pytest.raises(MeasurementConflict):
        save(world, numerator="4", expected_version=None)
    assert Measurement.objects.get(team=world.team_a, indicator=world.count_indicator).numerator == 5


def test_saving_the_same_values_adds_no_history(world):
    m = save(world)
    again = save(world, expected_version=m.version)
    assert again.version == 1 and m.history.count() == 1


def test_delete_is_kept_in_history_and_refused_from_an_old_version(world):
    m = save(world)
    save(world, numerator="6", expected_version=1)
    with pytest.raises(MeasurementConflict):
        measurement_delete(measurement=m, expected_version=1, user=world.data_entry)
    m.refresh_from_db()
    pk = m.pk
    measurement_delete(measurement=m, expected_version=2, user=world.team_lead)
    assert not Measurement.objects.filter(pk=pk).exists()
    deleted = Measurement.history.filter(id=pk).latest("history_date")
    assert deleted.history_type == "-" and deleted.history_user == world.team_lead


def test_a_month_with_empty_cells_cannot_be_marked_complete(world):
    with pytest.raises(ValidationError) as excinfo:
        month_completion_mark(team=world.team_a, period=MAY_2024, user=world.data_entry)
    assert world.count_indicator.name in excinfo.value.messages[0]


def test_a_filled_month_can_be_marked_complete_and_cleared(world):
    save(world, period=MAY_2024, numerator=None, denominator=None, nothing_to_report=True)
    completion = month_completion_mark(team=world.team_a, period=MAY_2024, user=world.data_entry)
    assert completion.history.get().history_user == world.data_entry
    month_completion_clear(team=world.team_a, period=MAY_2024, user=world.data_entry)
    assert not MonthCompletion.objects.exists()
