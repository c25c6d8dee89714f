"""The BI change contract: keyset pages that never break on ties, and carried fields that move rows.

A BI client pulls `/measurements/` page by page and later `?updated_since=...`; these tests walk
the API as such a client does (through `next`, never by building URLs).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from measures.models import Measurement
from measures.services.definitions import indicator_publish, indicator_update

pytestmark = pytest.mark.django_db

URL = "/api/v1/measurements/"


def walk(client, url, params=None, between_pages=None) -> list[dict]:
    """Every row of every page, following `next`; `between_pages(page_number)` may write."""
    rows, pages = [], 0
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        pages += 1
        assert pages < 1000, "the next link repeats"
        if not body["next"]:
            return rows
        if between_pages:
            between_pages(pages)
        response = client.get(body["next"])


def bulk_rows(world, count: int) -> None:
    """`count` extra stored values of team A, all with one synced_at (as one bulk UPDATE leaves them)."""
    Measurement.objects.bulk_create(
        [
            Measurement(
                team=world.team_a,
                indicator=world.indicator,
                period=date(1600 + i // 12, i % 12 + 1, 1),
                numerator=Decimal(i),
                denominator=Decimal(1000),
                indicator_version=1,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    Measurement.objects.update(synced_at=timezone.now())


def test_5000_rows_on_one_timestamp_are_each_served_exactly_once(world, make_token, token_client):
    bulk_rows(world, 5000)
    client = token_client(make_token())
    rows = walk(client, URL, {"page_size": 100})
    uuids = [r["uuid"] for r in rows]
    assert len(uuids) == len(set(uuids)) == Measurement.objects.count()
    incremental = walk(client, URL, {"page_size": 1000, "updated_since": "2000-01-01T00:00:00Z"})
    assert sorted(r["uuid"] for r in incremental) == sorted(uuids)


def test_every_cursor_gives_the_same_page_in_both_keyset_forms(world):
    """The UNION page (PostgreSQL) and the OR-ed prefixes (the fallback) are the ordered slice after
    the cursor, for every cursor among ties: 300 rows on three times, pages of 7."""
    from django.db.models.functions import Now

    from lkt.api import KeysetPagination

    bulk_rows(world, 300)
    Measurement.objects.filter(id__in=Measurement.objects.order_by("uuid").values("id")[:100]).update(
        synced_at=Now() + timedelta(seconds=1)
    )
    Measurement.objects.filter(id__in=Measurement.objects.order_by("-uuid").values("id")[:100]).update(
        synced_at=Now() - timedelta(seconds=1)
    )
    pager = KeysetPagination()
    pager.fields, pager.size = ("synced_at", "uuid"), 7
    ordered = Measurement.objects.values_list("synced_at", "uuid").order_by(*pager.fields)
    rows = list(ordered)
    assert len({synced_at for synced_at, _uuid in rows}) >= 3
    union = connection.features.supports_slicing_ordering_in_compound
    for i, cursor in enumerate(rows):
        expected = rows[i + 1 : i + 1 + 8]
        assert list(ordered.filter(pager._after(list(cursor)))[:8]) == expected, i
        if union:
            assert list(pager._after_union(ordered, list(cursor))) == expected, i


def test_writes_between_pages_are_not_lost(world, make_token, token_client):
    bulk_rows(world, 1200)
    client = token_client(make_token())
    order = list(Measurement.objects.order_by("synced_at", "uuid").values_list("uuid", flat=True))
    served_first, not_yet_served = order[10], order[-10]
    created: list[str] = []

    def write(page: int) -> None:
        if page != 1:
            return
        for uuid in (served_first, not_yet_served):
            m = Measurement.objects.get(uuid=uuid)
            m.numerator += 1
            m.version += 1
            m.save()
        new = Measurement.objects.create(
            team=world.team_b,
            indicator=world.indicator,
            period=date(1500, 6, 1),
            numerator=Decimal(5),
            denominator=Decimal(10),
            indicator_version=1,
        )
        created.append(str(new.uuid))

    rows = walk(client, URL, {"page_size": 100}, between_pages=write)
    latest = {r["uuid"]: r for r in rows}  # a client applies rows in order: the last one wins
    stored = {str(m.uuid): m for m in Measurement.objects.all()}
    assert set(latest) == set(stored)
    for uuid, m in stored.items():
        assert latest[uuid]["version"] == m.version, uuid
    assert created[0] in latest
    # The row changed before it was served is served once, with its new value.
    assert [r["uuid"] for r in rows].count(str(not_yet_served)) == 1


def test_an_invalid_cursor_is_a_404_and_an_empty_updated_since_a_400(world, make_token, token_client):
    client = token_client(make_token())
    assert client.get(URL, {"cursor": "not-a-cursor"}).status_code == 404
    assert client.get(URL, {"updated_since": ""}).status_code == 400
    assert client.get("/api/v1/chart-results/", {"updated_since": "  "}).status_code == 400


def test_publishing_a_new_indicator_version_moves_its_rows(world, make_token, token_client):
    client = token_client(make_token())
    since = timezone.now()
    assert walk(client, URL, {"updated_since": since.isoformat()}) == []
    indicator_update(
        indicator=world.indicator,
        user=world.expert,
        unit="DDD pr. 1000 sengedage",
        multiplier=Decimal("1000"),
    )
    indicator_publish(indicator=world.indicator, user=world.expert, change_note="Ny enhed")
    rows = walk(client, URL, {"updated_since": since.isoformat()})
    ddd = Measurement.objects.filter(indicator=world.indicator).count()
    assert len(rows) == ddd
    assert {r["unit"] for r in rows} == {"DDD pr. 1000 sengedage"}
    assert rows[0]["value"] == pytest.approx(rows[0]["numerator"] / rows[0]["denominator"] * 1000)
    # Moving rows adds no history: nobody changed a value.
    assert not Measurement.history.filter(history_date__gte=since).exists()


def test_renaming_or_moving_a_team_moves_its_rows(world, make_token, token_client):
    client = token_client(make_token())
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.indicator,
        period=date(2024, 1, 1),
        numerator=Decimal(5),
        denominator=Decimal(10),
        indicator_version=1,
    )
    since = timezone.now()
    world.team_a.name = "Nyt navn"
    world.team_a.save()
    rows = walk(client, URL, {"updated_since": since.isoformat()})
    assert {r["team_name"] for r in rows} == {"Nyt navn"}
    assert len(rows) == Measurement.objects.filter(team=world.team_a).count()

    since = timezone.now()
    world.team_a.responsible_leader = "Ny leder"  # not served: nothing moves
    world.team_a.save()
    assert walk(client, URL, {"updated_since": since.isoformat()}) == []

    world.team_a.region = world.midtjylland
    world.team_a.save()
    rows = walk(client, URL, {"updated_since": since.isoformat()})
    assert {r["region"] for r in rows} == {world.midtjylland.name}

    since = timezone.now()
    world.hospital_b.name = "Omdøbt hospital"
    world.hospital_b.save()
    rows = walk(client, URL, {"updated_since": since.isoformat()})
    assert {r["team_code"] for r in rows} == {world.team_b.code}
    assert {r["organisations"] for r in rows} == {"Omdøbt hospital"}

    since = timezone.now()
    world.team_b.organisations.add(world.hospital_a)
    rows = walk(client, URL, {"updated_since": since.isoformat()})
    assert {r["team_code"] for r in rows} == {world.team_b.code}


def test_deletions_are_paged_by_time_and_uuid(world, make_token, token_client):
    client = token_client(make_token())
    since = timezone.now() - timedelta(seconds=1)
    Measurement.objects.filter(team=world.team_a).delete()
    rows = walk(
        client, "/api/v1/measurement-deletions/", {"updated_since": since.isoformat(), "page_size": 5}
    )
    assert len(rows) == len({r["uuid"] for r in rows}) == 24
