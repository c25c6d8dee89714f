"""List endpoints make a fixed number of queries, whatever the number of rows on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "measurements",
    "teams",
    "indicators",
    "chart-results",
    "annotations",
    "pdsa-cycles",
    "organisations",
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_list_does_not_query_per_row(rich_world, make_token, token_client, endpoint):
    client = token_client(make_token())
    client.get("/api/v1/networks/")  # the token's first use records last_used_at: one UPDATE, once
    one = count_queries(client, f"/api/v1/{endpoint}/?page_size=1")
    many = count_queries(client, f"/api/v1/{endpoint}/?page_size=500")
    assert many == one, f"/{endpoint}/: {one} queries for one row, {many} for a full page"
    assert many <= 12
