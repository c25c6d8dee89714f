"""The data entry pages: grid, saving a cell, history, month completion, completeness, access."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import Measurement, MonthCompletion, RefusedMeasurement

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def grid_url(team):
    return reverse("measures:entry-grid", kwargs={"team_uuid": team.uuid})


def save_url(team):
    return reverse("measures:entry-save", kwargs={"team_uuid": team.uuid})


def cell(world, *, indicator=None, period="2024-03", **values):
    indicator = indicator or world.indicator
    data = {
        "indicator": str(indicator.uuid),
        "period": period,
        "numerator": "",
        "denominator": "",
        "comment": "",
        "expected_version": "",
    }
    data.update(values)
    return data


def stored(world, period=date(2024, 3, 1), indicator=None):
    return Measurement.objects.get(team=world.team_a, indicator=indicator or world.indicator, period=period)


def test_the_grid_shows_months_newest_first_and_the_stored_values_the_danish_way(world, client_for):
    response = client_for(world.data_entry).get(grid_url(world.team_a))
    assert response.status_code == 200
    html = response.content.decode()
    # 610 / 1000 x 100 for jan. 2024; months as "jan. 2024", newest first.
    assert 'value="610"' in html and ">61<" in html
    assert html.index("dec. 2025") < html.index("jan. 2024")
    assert "for sent" in html.lower()  # team A has no data for the count indicator


def test_the_grid_is_read_only_for_a_team_viewer(world, client_for):
    html = client_for(world.viewer).get(grid_url(world.team_a)).content.decode()
    assert "læseadgang" in html
    assert (
        'id="n-ddd-2024-01" name="n-ddd-2024-01" value="610" aria-labelledby="ln h-ddd r-2024-01" '
        'inputmode="decimal" disabled' in html
    )
    assert "Markér komplet" not in html


def test_the_grid_needs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.data_entry)
    with django_assert_max_num_queries(20):
        client.get(grid_url(world.team_a))


def test_a_value_with_decimal_comma_is_saved_and_returned_the_danish_way(world, client_for):
    m = stored(world)
    response = client_for(world.data_entry).post(
        save_url(world.team_a),
        cell(world, numerator="612,5", denominator="1000", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "saved"
    assert (
        data["cell"]["numerator"] == "612,5" and data["cell"]["value"] == "61,3"
    )  # DDD is shown with 1 decimal (its default)
    m.refresh_from_db()
    assert m.numerator == Decimal("612.5") and m.version == 2
    assert m.history.latest().history_user == world.data_entry


def test_an_invalid_value_gets_400_with_the_field_named(world, client_for):
    response = client_for(world.data_entry).post(
        save_url(world.team_a),
        cell(world, indicator=world.count_indicator, period="2024-03", numerator="12", denominator="10"),
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["errors"]["numerator"] == [
        "Tælleren kan ikke være større end nævneren for en andel."
    ]
    assert not Measurement.objects.filter(indicator=world.count_indicator).exists()


def test_a_garbled_number_gets_400_naming_what_was_typed(world, client_for):
    response = client_for(world.data_entry).post(
        save_url(world.team_a),
        cell(world, period="2024-03", numerator="12,5,1", denominator="1000", expected_version="1"),
        **JSON,
    )
    assert response.status_code == 400
    assert "12,5,1 er ikke et tal" in response.json()["errors"]["numerator"][0]


def test_a_stale_save_gets_409_with_the_stored_value_and_who_stored_it(world, client_for):
    m = stored(world)
    client_for(world.team_lead).post(
        save_url(world.team_a),
        cell(world, numerator="700", denominator="1000", expected_version=m.version),
        **JSON,
    )
    response = client_for(world.data_entry).post(
        save_url(world.team_a),
        cell(world, numerator="650", denominator="1000", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 409
    data = response.json()
    assert data["cell"]["numerator"] == "700" and data["cell"]["entered_by"] == "team-lead"
    assert "team-lead" in data["message"]
    assert stored(world).numerator == 700
    assert RefusedMeasurement.objects.get().numerator == 650


def test_clearing_a_cell_deletes_the_value_with_history(world, client_for):
    m = stored(world)
    response = client_for(world.data_entry).post(
        save_url(world.team_a), cell(world, expected_version=m.version), **JSON
    )
    assert response.json()["state"] == "deleted"
    assert not Measurement.objects.filter(pk=m.pk).exists()
    assert Measurement.history.filter(id=m.pk, history_type="-").exists()


def test_nothing_to_report_is_saved_for_an_empty_month(world, client_for):
    response = client_for(world.data_entry).post(
        save_url(world.team_a), cell(world, indicator=world.count_indicator, nothing_to_report="on"), **JSON
    )
    assert response.status_code == 200
    assert stored(world, indicator=world.count_indicator).nothing_to_report


def test_a_viewer_may_not_save(world, client_for):
    response = client_for(world.viewer).post(
        save_url(world.team_a), cell(world, numerator="1", denominator="2"), **JSON
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["other_team_member", "outsider", "stranger"])
def test_it_hides_team_a_from_users_outside_it(world, client_for, role):
    client = client_for(getattr(world, role))
    m = stored(world)
    urls = [
        grid_url(world.team_a),
        reverse("measures:entry-team-history", kwargs={"team_uuid": world.team_a.uuid}),
        reverse(
            "measures:entry-history",
            kwargs={
                "team_uuid": world.team_a.uuid,
                "indicator_uuid": world.indicator.uuid,
                "year": 2024,
                "month": 3,
            },
        ),
        reverse("measures:entry-template", kwargs={"team_uuid": world.team_a.uuid}),
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(
        save_url(world.team_a),
        cell(world, numerator="1", denominator="2", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 404
    assert stored(world).numerator == m.numerator


def test_team_b_cannot_write_to_team_a_and_team_a_cannot_write_to_team_b(world, client_for):
    response = client_for(world.data_entry).post(
        save_url(world.team_b), cell(world, numerator="1", denominator="2"), **JSON
    )
    assert response.status_code == 404
    assert not Measurement.objects.filter(team=world.team_b).exists()


def test_the_cell_history_shows_old_and_new_values_and_refused_attempts(world, client_for):
    m = stored(world)
    client = client_for(world.data_entry)
    for numerator, version in (("700", m.version), ("720", m.version + 1), ("750", m.version + 1)):
        client.post(
            save_url(world.team_a),
            cell(world, numerator=numerator, denominator="1000", expected_version=version),
            **JSON,
        )
    url = reverse(
        "measures:entry-history",
        kwargs={
            "team_uuid": world.team_a.uuid,
            "indicator_uuid": world.indicator.uuid,
            "year": 2024,
            "month": 3,
        },
    )
    html = client_for(world.viewer).get(url).content.decode()
    assert "<td>700 / 1.000 = 70</td>\n    <td>720 / 1.000 = 72</td>" in html  # before -> after
    assert "750 / 1.000 = 75" in html and "Afvist" in html


def test_the_team_history_lists_changes(world, client_for):
    m = stored(world)
    client_for(world.data_entry).post(
        save_url(world.team_a),
        cell(world, numerator="700", denominator="1000", expected_version=m.version),
        **JSON,
    )
    url = reverse("measures:entry-team-history", kwargs={"team_uuid": world.team_a.uuid})
    html = client_for(world.team_lead).get(url).content.decode()
    assert "700 / 1.000 = 70" in html and "data-entry" in html


def test_a_month_is_marked_complete_only_when_filled(world, client_for):
    client = client_for(world.data_entry)
    url = reverse("measures:entry-month-complete", kwargs={"team_uuid": world.team_a.uuid})
    client.post(url, {"period": "2024-03", "complete": "on"})
    assert not MonthCompletion.objects.exists()
    client.post(
        save_url(world.team_a), cell(world, indicator=world.count_indicator, nothing_to_report="on"), **JSON
    )
    response = client.post(url, {"period": "2024-03", "complete": "on"})
    assert response.status_code == 302
    assert MonthCompletion.objects.get().period == date(2024, 3, 1)


def test_the_network_completeness_lists_overdue_teams(world, client_for):
    url = reverse("measures:completeness", kwargs={"slug": world.network.slug})
    html = client_for(world.national_lead).get(url).content.decode()
    assert world.team_a.name in html and world.team_b.name in html
    html = client_for(world.coordinator).get(url).content.decode()
    assert world.team_a.name in html and world.team_b.name not in html
    assert client_for(world.outsider).get(url).status_code == 404


def test_the_grid_passes_its_messages_as_json(world, client_for):
    html = client_for(world.data_entry).get(grid_url(world.team_a)).content.decode()
    start = html.index('id="entry-messages" type="application/json">') + len(
        'id="entry-messages" type="application/json">'
    )
    assert json.loads(html[start : html.index("</script>", start)])["saved"] == "Gemt"
