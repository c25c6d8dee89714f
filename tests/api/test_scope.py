"""What a token or session user sees: a region-scoped token sees only its region's teams, everywhere."""

import json

import pytest

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = [
    "networks",
    "organisations",
    "teams",
    "goals",
    "indicators",
    "measurements",
    "measurement-deletions",
    "chart-results",
    "chart-result-deletions",
    "annotations",
    "pdsa-cycles",
    "seminars",
]
CSV_ENDPOINTS = ["measurements", "measurement-deletions", "chart-results"]


def forbidden_markers(w) -> list[str]:
    """Strings that identify team B, its region or the other network in any response."""
    return [
        str(w.team_b.uuid),
        w.team_b.code,
        w.team_b.name,
        "Region Midtjylland",
        "Testhospital Vest",
        w.other_network.slug,
        str(w.other_team.uuid),
    ]


def get_all(client, endpoint: str) -> list[dict]:
    url, rows = f"/api/v1/{endpoint}/?page_size=2", []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        url = body["next"]
    return rows


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_a_region_token_sees_only_its_region_in_every_endpoint(
    rich_world, make_token, token_client, endpoint
):
    w = rich_world
    client = token_client(make_token(region=w.hovedstaden))
    rows = get_all(client, endpoint)
    assert rows, "the endpoint should return the region's own rows"
    text = json.dumps(rows, ensure_ascii=False)
    for marker in forbidden_markers(w):
        assert marker not in text, f"{marker!r} leaked through /{endpoint}/"


@pytest.mark.parametrize("endpoint", CSV_ENDPOINTS)
def test_a_region_token_sees_only_its_region_in_csv(rich_world, make_token, token_client, endpoint):
    w = rich_world
    response = token_client(make_token(region=w.hovedstaden)).get(f"/api/v1/{endpoint}/", {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert len(text.splitlines()) > 1
    for marker in forbidden_markers(w):
        assert marker not in text


@pytest.mark.parametrize("endpoint", ["measurements", "chart-results", "annotations", "pdsa-cycles", "teams"])
def test_a_network_token_sees_every_team_of_its_network_by_name(
    rich_world, make_token, token_client, endpoint
):
    w = rich_world
    text = json.dumps(get_all(token_client(make_token()), endpoint), ensure_ascii=False)
    assert w.team_a.code in text and w.team_b.code in text
    assert w.other_network.slug not in text and w.other_team.code not in text


def test_a_region_token_cannot_fetch_another_regions_team(rich_world, make_token, token_client):
    client = token_client(make_token(region=rich_world.hovedstaden))
    assert client.get(f"/api/v1/teams/{rich_world.team_a.uuid}/").status_code == 200
    assert client.get(f"/api/v1/teams/{rich_world.team_b.uuid}/").status_code == 404


def test_a_region_token_gets_only_its_regions_chart_and_the_national_one(
    rich_world, make_token, token_client
):
    client = token_client(make_token(region=rich_world.hovedstaden))
    rows = get_all(client, "chart-results")
    owners = sorted((r["scope"], r["team_code"] or r["region"] or "") for r in rows)
    assert owners == [("national", ""), ("region", "Region Hovedstaden"), ("team", "team-a")]


@pytest.mark.parametrize(
    "endpoint",
    ["measurements", "chart-results", "chart-result-deletions", "annotations", "pdsa-cycles", "teams"],
)
def test_a_team_member_sees_only_what_visible_to_allows(rich_world, client_for, endpoint):
    # The world's network anonymises peers: team A's viewer must not see team B through the API.
    w = rich_world
    text = json.dumps(get_all(client_for(w.viewer), endpoint), ensure_ascii=False)
    assert w.team_a.code in text
    assert w.team_b.code not in text and w.team_b.name not in text


def test_an_outsider_sees_nothing_of_the_network(rich_world, client_for):
    client = client_for(rich_world.outsider)
    for endpoint in LIST_ENDPOINTS:
        text = json.dumps(get_all(client, endpoint), ensure_ascii=False)
        assert rich_world.network.slug not in text, endpoint
        assert rich_world.team_a.code not in text, endpoint


def test_the_coordinator_sees_the_own_region_only(rich_world, client_for):
    text = json.dumps(get_all(client_for(rich_world.coordinator), "measurements"), ensure_ascii=False)
    assert rich_world.team_a.code in text and rich_world.team_b.code not in text


def test_the_national_lead_sees_every_team(rich_world, client_for):
    text = json.dumps(get_all(client_for(rich_world.national_lead), "measurements"), ensure_ascii=False)
    assert rich_world.team_a.code in text and rich_world.team_b.code in text


def test_a_chart_result_can_be_fetched_by_uuid(rich_world, make_token, token_client):
    from measures.models import ChartResult

    result = ChartResult.objects.get(scope="team", team=rich_world.team_a)
    body = token_client(make_token()).get(f"/api/v1/chart-results/{result.uuid}/").json()
    assert body["team_code"] == "team-a" and len(body["points"]) == 2
