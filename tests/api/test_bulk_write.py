"""The bulk write of a team's measurements: write tokens only for their team, all or nothing."""

from datetime import date

import pytest
from django.test import Client

from measures.models import Measurement, RefusedMeasurement

pytestmark = pytest.mark.django_db


def url(team) -> str:
    return f"/api/v1/teams/{team.uuid}/measurements/bulk/"


GOOD_ROWS = [
    {"indicator": "ddd", "period": "2026-01", "numerator": 480, "denominator": "1000"},
    {"indicator": "ddd", "period": "2026-02", "numerator": 470.5, "denominator": 1000, "comment": "Fra EPJ"},
]


def post(client, team, rows):
    return client.post(url(team), rows, content_type="application/json")


def test_a_write_token_saves_a_good_batch(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    response = post(client, world.team_a, GOOD_ROWS)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "changed": 0, "unchanged": 0}
    saved = Measurement.objects.get(team=world.team_a, period=date(2026, 2, 1))
    assert str(saved.numerator) == "470.5000" and saved.comment == "Fra EPJ"
    assert saved.history.latest().history_change_reason.startswith("api-token:")
    # The same batch again changes nothing.
    assert post(client, world.team_a, GOOD_ROWS).json() == {"created": 0, "changed": 0, "unchanged": 2}


def test_it_rejects_a_batch_with_one_bad_row_entirely(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    before = Measurement.objects.count()
    rows = [*GOOD_ROWS, {"indicator": "ddd", "period": "2026-03", "numerator": 10, "denominator": 0}]
    response = post(client, world.team_a, rows)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["row"] for e in errors] == [3]
    assert Measurement.objects.count() == before


def test_it_rejects_a_malformed_row_before_saving_anything(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    rows = [*GOOD_ROWS, {"indicator": "ddd", "period": "marts", "numerator": "mange"}]
    response = post(client, world.team_a, rows)
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.json()["errors"]} == {(3, "period"), (3, "numerator")}
    assert not Measurement.objects.filter(period__gte=date(2026, 1, 1)).exists()


def test_it_refuses_a_stale_expected_version_with_409_and_the_stored_value(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    row = {"indicator": "ddd", "period": "2024-01", "numerator": 1, "denominator": 10, "expected_version": 7}
    response = post(client, world.team_a, [row])
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "version"
    [conflict] = body["conflicts"]
    assert conflict["row"] == 1 and conflict["period"] == "2024-01"
    stored = conflict["stored"]
    assert stored["numerator"] == 610 and stored["version"] == 1
    assert stored["updated_at"].endswith("Z") and "entered_by" in stored
    assert Measurement.objects.get(team=world.team_a, period=date(2024, 1, 1)).numerator == 610
    # The refused value is kept, as the grid keeps it.
    refused = RefusedMeasurement.objects.get(team=world.team_a, period=date(2024, 1, 1))
    assert refused.numerator == 1 and refused.expected_version == 7 and refused.stored_version == 1
    assert refused.source.startswith("api-token:")


def test_a_read_only_token_cannot_write(world, make_token, token_client):
    response = post(token_client(make_token()), world.team_a, GOOD_ROWS)
    assert response.status_code == 403
    assert not Measurement.objects.filter(period__gte=date(2026, 1, 1)).exists()


def test_a_write_token_cannot_write_to_another_team(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    assert post(client, world.team_b, GOOD_ROWS).status_code == 403


def test_a_region_token_does_not_find_another_regions_team(world, make_token, token_client):
    client = token_client(make_token(region=world.hovedstaden, write_team=world.team_a))
    assert post(client, world.team_b, GOOD_ROWS).status_code == 404


def test_a_token_cannot_write_to_another_networks_team(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    assert post(client, world.other_team, GOOD_ROWS).status_code == 404


def test_a_data_entry_user_can_write_with_the_session(world, client_for):
    response = post(client_for(world.data_entry), world.team_a, GOOD_ROWS)
    assert response.status_code == 200
    assert Measurement.objects.get(team=world.team_a, period=date(2026, 1, 1)).entered_by == world.data_entry


@pytest.mark.parametrize("role", ["viewer", "observer", "national_lead"])
def test_a_reader_cannot_write_with_the_session(world, client_for, role):
    assert post(client_for(getattr(world, role)), world.team_a, GOOD_ROWS).status_code == 403


def test_a_session_write_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.data_entry)
    assert post(client, world.team_a, GOOD_ROWS).status_code == 403


def test_an_outsider_gets_404(world, client_for):
    assert post(client_for(world.outsider), world.team_a, GOOD_ROWS).status_code == 404


def test_it_rejects_a_body_that_is_not_a_list(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    response = client.post(url(world.team_a), {"indicator": "ddd"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_it_refuses_a_month_outside_the_entry_window_and_stores_nothing(world, make_token, token_client):
    client = token_client(make_token(write_team=world.team_a))
    rows = [*GOOD_ROWS, {"indicator": "ddd", "period": "2022-11", "numerator": 10, "denominator": 100}]
    response = post(client, world.team_a, rows)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["row"] == 3 and "ligger før de måneder" in error["message"]
    assert not Measurement.objects.filter(team=world.team_a, period__gte=date(2026, 1, 1)).exists()
    assert not Measurement.objects.filter(period=date(2022, 11, 1)).exists()
