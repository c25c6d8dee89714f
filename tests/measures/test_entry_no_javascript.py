"""The grid without JavaScript: a month's row is saved as a plain form through the same services."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import Measurement, RefusedMeasurement

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


def _url(world):
    return reverse("measures:entry-save-month", args=[world.team_a.uuid])


def _stored(world, indicator, period=MARCH):
    return Measurement.objects.filter(team=world.team_a, indicator=indicator, period=period).first()


def test_the_grid_is_a_form_with_a_save_button_per_month(world, client_for):
    html = (
        client_for(world.data_entry)
        .get(reverse("measures:entry-grid", args=[world.team_a.uuid]))
        .content.decode()
    )
    assert 'action="' + _url(world) + '"' in html
    assert 'name="month" value="' in html and "Gem måneden" in html
    assert 'name="n-ddd-' in html and 'name="d-ddd-' in html


def test_a_month_is_saved_without_javascript_and_unchanged_cells_are_left_alone(world, client_for):
    ddd = _stored(world, world.indicator)
    client = client_for(world.data_entry)
    response = client.post(
        _url(world),
        {
            "month": "2024-03",
            # The page's versions, in the indicators' order: DDD stored, "reassessed" empty.
            "v-2024-03": f"{ddd.version},",
            "n-ddd-2024-03": "630",  # as stored: not saved again
            "d-ddd-2024-03": "1000",
            "n-reassessed-2024-03": "7",
            "d-reassessed-2024-03": "10",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#m-2024-03")
    new = _stored(world, world.count_indicator)
    assert (new.numerator, new.denominator, new.version) == (Decimal(7), Decimal(10), 1)
    assert new.history.latest().history_user == world.data_entry
    assert _stored(world, world.indicator).version == ddd.version  # untouched, no new history
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "1 værdi er gemt" in page


def test_a_stale_row_is_refused_as_a_conflict_and_said_on_the_grid(world, client_for):
    ddd = _stored(world, world.indicator)
    Measurement.objects.filter(pk=ddd.pk).update(version=ddd.version + 1)  # someone saved meanwhile
    client = client_for(world.data_entry)
    response = client.post(
        _url(world),
        {"month": "2024-03", "v-2024-03": f"{ddd.version},", "n-ddd-2024-03": "640", "d-ddd-2024-03": "1000"},
        follow=True,
    )
    assert _stored(world, world.indicator).numerator == ddd.numerator
    assert RefusedMeasurement.objects.get().numerator == 640
    assert "ikke gemt" in response.content.decode()


def test_an_invalid_value_is_named_and_nothing_else_changes(world, client_for):
    response = client_for(world.data_entry).post(
        _url(world),
        {"month": "2024-03", "v-2024-03": ",", "n-reassessed-2024-03": "12", "d-reassessed-2024-03": "10"},
        follow=True,
    )
    html = response.content.decode()
    assert "Andel revurderet inden for 48 timer" in html and "større end nævneren" in html
    assert _stored(world, world.count_indicator) is None


def test_readers_cannot_save_a_month(world, client_for):
    response = client_for(world.viewer).post(
        _url(world),
        {"month": "2024-03", "v-2024-03": ",", "n-reassessed-2024-03": "7", "d-reassessed-2024-03": "10"},
    )
    assert response.status_code == 403
    assert _stored(world, world.count_indicator) is None
