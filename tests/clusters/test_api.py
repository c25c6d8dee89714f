"""The clusters API: tokens of the cluster's LKT see cluster and practice level by name, never prescribers;
tokens of another region see nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from teams.services import api_token_create

pytestmark = pytest.mark.django_db


def token_client(world, region=None) -> Client:
    _token, secret = api_token_create(
        network=world.network,
        name="BI",
        region=region,
        write_team=None,
        expires_at=None,
        user=world.national_lead,
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_network_token_reads_practice_indicators_by_name(world, cw):
    client = token_client(world)
    data = client.get(reverse("api-v1:cluster-indicators", kwargs={"slug": cw.cluster.slug})).json()
    scopes = {row["scope"] for row in data["rows"]}
    assert scopes == {"cluster", "practice", "region", "country"}
    assert {row["practice"] for row in data["rows"] if row["scope"] == "practice"} == {
        p.name for p in cw.practices
    }
    assert data["crude"] is True
    cluster_jan = next(r for r in data["rows"] if r["scope"] == "cluster" and r["period"] == "2024-04-01")
    # The follow-up's extract (the latest) starts in April 2024; 11,500 listed patients in the cluster.
    assert cluster_jan["person_years"] == pytest.approx(11500 / 12)
    assert [c["slug"] for c in client.get(reverse("api-v1:cluster-list")).json()["results"]] == ["testklynge"]
    meetings = client.get(reverse("api-v1:cluster-meeting-list")).json()["results"]
    assert {m["kind"] for m in meetings} == {"first", "follow_up"}
    assert meetings[0]["extract_deadline"]


def test_a_token_of_another_region_sees_no_cluster(world, cw):
    client = token_client(world, region=world.midtjylland)
    assert client.get(reverse("api-v1:cluster-list")).json()["results"] == []
    assert (
        client.get(reverse("api-v1:cluster-indicators", kwargs={"slug": cw.cluster.slug})).status_code == 404
    )


def test_a_member_gets_practices_anonymised_in_the_api(cw, client_for):
    data = (
        client_for(cw.member)
        .get(reverse("api-v1:cluster-indicators", kwargs={"slug": cw.cluster.slug}))
        .json()
    )
    names = {row["practice"] for row in data["rows"] if row["scope"] == "practice"}
    assert "Sydby Lægehus (din praksis)" in names
    assert "Lægerne Nordby" not in names
    anonymous = [
        row for row in data["rows"] if row["scope"] == "practice" and row["practice"].startswith("Praksis ")
    ]
    assert anonymous and all(
        row["practice_code"] is None and row["practice_uuid"] is None for row in anonymous
    )
