"""The flat measurement table: columns, CSV, filters and incremental refresh with deletions."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from measures.api import MEASUREMENT_COLUMNS
from measures.models import Measurement

pytestmark = pytest.mark.django_db

URL = "/api/v1/measurements/"
DELETIONS = "/api/v1/measurement-deletions/"


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_it_serves_the_flat_table_in_a_stable_column_order(world, make_token, token_client):
    body = token_client(make_token()).get(URL).json()
    first = body["results"][0]
    assert list(first) == MEASUREMENT_COLUMNS
    assert first["period"] == "2024-01"
    assert first["value"] == 61.0
    assert first["updated_at"].endswith("Z")
    assert len(body["results"]) == 24


def test_the_csv_has_the_same_columns_and_every_row(world, make_token, token_client):
    response = token_client(make_token()).get(URL, {"format": "csv"})
    assert response.streaming
    rows = csv_rows(response)
    assert list(rows[0]) == MEASUREMENT_COLUMNS
    assert len(rows) == 24
    assert rows[0]["value"] == "61" and rows[0]["numerator"] == "610"
    assert "team-a" not in response["Content-Disposition"]


def test_the_csv_keeps_danish_letters_in_utf8(world, make_token, token_client):
    world.team_a.name = "Æble-Ø-Å afsnit"
    world.team_a.save()
    rows = csv_rows(token_client(make_token()).get(URL, {"format": "csv"}))
    assert rows[0]["team_name"] == "Æble-Ø-Å afsnit"


def test_it_pages_with_a_cursor_without_losing_rows(world, make_token, token_client):
    client = token_client(make_token())
    url, seen = f"{URL}?page_size=5", []
    while url:
        body = client.get(url).json()
        seen.extend(row["uuid"] for row in body["results"])
        url = body["next"]
    assert len(seen) == len(set(seen)) == 24


def test_it_filters_by_period_team_region_and_indicator(world, make_token, token_client):
    client = token_client(make_token())
    assert len(client.get(URL, {"period_from": "2025-01", "period_to": "2025-03"}).json()["results"]) == 3
    assert len(client.get(URL, {"team": "team-a"}).json()["results"]) == 24
    assert len(client.get(URL, {"team": str(world.team_b.uuid)}).json()["results"]) == 0
    assert len(client.get(URL, {"region": "region hovedstaden"}).json()["results"]) == 24
    assert len(client.get(URL, {"indicator": "reassessed"}).json()["results"]) == 0
    assert client.get(URL, {"period_from": "2025-13"}).status_code == 400
    assert client.get(URL, {"updated_since": "yesterday"}).status_code == 400


def test_updated_since_returns_changes_and_deletions(world, make_token, token_client):
    client = token_client(make_token())
    since = timezone.now()
    assert client.get(URL, {"updated_since": since.isoformat()}).json()["results"] == []

    changed = Measurement.objects.get(team=world.team_a, period=date(2024, 3, 1))
    changed.numerator = Decimal("620")
    changed.save()
    deleted = Measurement.objects.get(team=world.team_a, period=date(2024, 4, 1))
    deleted_uuid = str(deleted.uuid)
    deleted.delete()

    changes = client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [row["uuid"] for row in changes] == [str(changed.uuid)]
    assert changes[0]["numerator"] == 620.0

    deletions = client.get(DELETIONS, {"updated_since": since.isoformat()}).json()["results"]
    assert [(row["uuid"], row["period"]) for row in deletions] == [(deleted_uuid, "2024-04")]
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert client.get(DELETIONS, {"deleted_since": later}).json()["results"] == []


def test_a_deleted_teams_measurements_reach_the_deletions_feed_of_tokens_that_saw_them(
    rich_world, make_token, token_client
):
    """A team deleted outside the admin (a shell, a script) takes its measurements by cascade: their
    tombstones are in the feed, scoped by the network and region the team was in."""
    world = rich_world
    doomed = {str(u) for u in Measurement.objects.filter(team=world.team_b).values_list("uuid", flat=True)}
    assert doomed
    since = timezone.now()
    world.team_b.delete()

    network = token_client(make_token())
    gone = network.get(DELETIONS, {"updated_since": since.isoformat(), "page_size": 1000}).json()["results"]
    assert {row["uuid"] for row in gone} == doomed
    assert {(row["team_code"], row["team_uuid"], row["network"]) for row in gone} == {
        ("team-b", str(world.team_b.uuid), world.network.slug)
    }
    # The filters find them by what the team was.
    for params in ({"team": "team-b"}, {"team": str(world.team_b.uuid)}, {"network": world.network.slug}):
        found = network.get(DELETIONS, {**params, "page_size": 1000}).json()["results"]
        assert doomed <= {row["uuid"] for row in found}, params
    team_a = network.get(DELETIONS, {"team": "team-a"}).json()["results"]
    assert team_a and {row["team_code"] for row in team_a} == {"team-a"}
    csv_gone = csv_rows(network.get(DELETIONS, {"format": "csv", "updated_since": since.isoformat()}))
    assert {row["uuid"] for row in csv_gone} == doomed
    assert {
        row["uuid"]
        for row in csv_rows(network.get(DELETIONS, {"format": "csv", "region": "Region Midtjylland"}))
    } >= doomed

    # A token of another region, or of another network, never saw the team and sees nothing of it.
    region = token_client(make_token(region=world.hovedstaden))
    assert region.get(DELETIONS, {"updated_since": since.isoformat()}).json()["results"] == []
    other = token_client(make_token(network=world.other_network))
    assert other.get(DELETIONS, {"updated_since": since.isoformat()}).json()["results"] == []


def test_the_deletions_feed_streams_as_csv(world, make_token, token_client):
    Measurement.objects.filter(team=world.team_a, period=date(2024, 1, 1)).get().delete()
    rows = csv_rows(token_client(make_token()).get(DELETIONS, {"format": "csv"}))
    assert [row["period"] for row in rows] == ["2024-01"]


def test_a_csv_of_an_empty_selection_has_only_the_header(world, make_token, token_client):
    response = token_client(make_token()).get(URL, {"format": "csv", "team": "no-such-team"})
    assert csv_rows(response) == []


def test_a_csv_request_with_a_bad_filter_gets_a_json_error(world, make_token, token_client):
    response = token_client(make_token()).get(URL, {"format": "csv", "period_to": "13-2025"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "period_to" in response.json()


def test_updated_since_accepts_any_valid_offset(world, make_token, token_client):
    # Found by Schemathesis on PostgreSQL: an offset of -23:42 is valid ISO 8601 but not a PG time zone.
    response = token_client(make_token()).get(URL, {"updated_since": "0222-01-27T04:52:18-23:42"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 24
