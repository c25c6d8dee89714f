"""The change contract for chart results: a BI replica that pulls `updated_since` and the deletions
feed ends equal to a full pull, also when charts are deleted (by cascade from a removed team, or
directly), and the deletions feed shows each requester only what it could see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from measures.models import ChartResult, ChartResultDeletion
from tests.api.test_sync_contract import walk

pytestmark = pytest.mark.django_db

CHARTS = "/api/v1/chart-results/"
DELETIONS = "/api/v1/chart-result-deletions/"


def replica_pull(client, replica: dict, since) -> None:
    """One incremental run as the API description tells a client: deletions first, then changes."""
    params = {"updated_since": since.isoformat(), "page_size": 2}
    for gone in walk(client, DELETIONS, params):
        replica.pop(gone["uuid"], None)
    for row in walk(client, CHARTS, params):
        replica[row["uuid"]] = row


def test_a_chart_replica_follows_changes_and_deletions(rich_world, make_token, token_client):
    w = rich_world
    client = token_client(make_token())
    started = timezone.now() - timedelta(seconds=1)
    replica = {row["uuid"]: row for row in walk(client, CHARTS)}
    doomed = {str(u) for u in ChartResult.objects.filter(team=w.team_b).values_list("uuid", flat=True)}
    assert doomed and doomed <= set(replica)

    # A team removed with everything it had: its charts go by cascade.
    w.team_b.delete()
    # A chart deleted directly (a queryset delete, as a maintenance script would).
    national = ChartResult.objects.get(scope="national", indicator=w.indicator)
    ChartResult.objects.filter(id=national.id).delete()
    # A chart that changes: moved into the next pull by its synced_at.
    ChartResult.objects.filter(team=w.team_a, indicator=w.indicator).update(
        variation="improvement", synced_at=timezone.now()
    )

    replica_pull(client, replica, started)
    assert replica == {row["uuid"]: row for row in walk(client, CHARTS)}
    assert not doomed & set(replica) and str(national.uuid) not in replica
    gone = {row["uuid"]: row for row in walk(client, DELETIONS, {"updated_since": started.isoformat()})}
    assert doomed | {str(national.uuid)} <= set(gone)
    assert {gone[u]["team_code"] for u in doomed} == {"team-b"}
    assert gone[str(national.uuid)]["scope"] == "national" and gone[str(national.uuid)]["team_uuid"] is None


def test_the_deletions_feed_needs_a_real_updated_since_and_pages_on_ties(
    rich_world, make_token, token_client
):
    w = rich_world
    client = token_client(make_token())
    assert client.get(DELETIONS, {"updated_since": ""}).status_code == 400
    now = timezone.now()
    ChartResultDeletion.objects.bulk_create(
        ChartResultDeletion(
            scope="national",
            network=w.network,
            network_slug=w.network.slug,
            indicator_code="x",
            deleted_at=now,
        )
        for _ in range(25)
    )
    rows = walk(client, DELETIONS, {"updated_since": now.isoformat(), "page_size": 4})
    assert len(rows) == len({row["uuid"] for row in rows}) == 25


def test_deleted_charts_are_shown_only_to_who_could_see_them(
    rich_world, make_token, token_client, client_for
):
    w = rich_world
    b_charts = {str(u) for u in ChartResult.objects.filter(team=w.team_b).values_list("uuid", flat=True)}
    w.team_b.delete()

    def deleted(client) -> list[dict]:
        return walk(client, DELETIONS)

    network = {row["team_code"] for row in deleted(token_client(make_token())) if row["scope"] == "team"}
    assert network == {"team-a", "team-b"}
    region = deleted(token_client(make_token(region=w.hovedstaden)))
    assert {row["team_code"] for row in region if row["scope"] == "team"} == {"team-a"}
    assert not b_charts & {row["uuid"] for row in region}
    other = token_client(make_token(network=w.other_network))
    assert deleted(other) == []
    # A team member in a network that anonymises peers sees only the own team's deleted charts.
    viewer = deleted(client_for(w.viewer))
    assert {row["team_code"] for row in viewer} == {"team-a"}
    assert deleted(client_for(w.outsider)) == []
