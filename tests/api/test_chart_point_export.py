"""The fast chart-point CSV (COPY on PostgreSQL, a plain cursor elsewhere) gives what the Python path
gives, byte for byte, for every viewer: the reference is `ChartResultViewSet.csv_rows` through
`stream_csv` (the CSV list mixin's own `csv_chunks`), served to the same request.

The stored points are chosen to hit every formatting rule: floats that Python writes with an
exponent, integral floats, ints, booleans, nulls and missing keys, formula triggers and plain
numbers as text, odd periods, entries that are not points; pooled months that the k rule hides
from a viewer who sees peers anonymised; a team name with a formula trigger.
"""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from lkt.api import stream_text_rows
from lkt.api_viewsets import CSVListMixin
from measures.api.charts import CHART_POINT_COLUMNS, ChartResultViewSet
from measures.api.charts_export import chart_point_text_rows, pooled_minimums
from measures.charts import chart_results_recompute_stale
from measures.models import ChartResult

pytestmark = pytest.mark.django_db

URL = reverse("api-v1:chart-result-list")

ODD_POINTS = [
    {"period": "2024-01-01", "y": 1e-05, "cl": 1.5e-07, "lcl": -0.0, "ucl": 70.0, "numerator": 1 / 3},
    {"period": "2024-02-01", "y": 1e16, "cl": 1.5e16, "lcl": 10**17, "ucl": 123456789012345.6},
    {"period": "2024-03-01", "y": -1e-05, "cl": 0.0001, "lcl": 0.00012, "ucl": -2.5e-300, "part": 2},
    {"period": "2024-04-01", "y": "=HYPERLINK(1)", "cl": "-12.5", "lcl": "", "ucl": "+cmd", "baseline": True},
    {"period": "2024-05-01", "include": False, "runs_signal": None, "sigma_signal": "@x", "n_teams": 0},
    {"period": None, "y": 3},
    {"period": 202406, "y": 4.25},
    {"period": True},
    {"y": 5},
    {"period": "=2024-07-01 et langt tekstfelt", "denominator": 12.5},
    "ikke et punkt",
    7,
]


@pytest.fixture
def charts(world):
    world.team_a.name = "=Afdeling A"
    world.team_a.save()
    chart_results_recompute_stale(network=world.network)
    team_chart = ChartResult.objects.filter(team=world.team_a, computed_at__isnull=False).first()
    team_chart.data = {**team_chart.data, "points": [*team_chart.data.get("points", []), *ODD_POINTS]}
    team_chart.save()
    national = ChartResult.objects.filter(
        network=world.network, scope=ChartResult.Scope.NATIONAL, computed_at__isnull=False
    ).first()
    points = national.data.get("points", [])
    # Pooled months with 1 to 5 teams (and one with n_teams as a float): the k rule hides some.
    for i, point in enumerate(points[:6]):
        point["n_teams"] = [1, 2, 3, 4, 5, 2.0][i]
    national.data = {**national.data, "points": points}
    national.save()
    # A chart whose data holds no list of points, and one whose data is not an object.
    other = ChartResult.objects.filter(computed_at__isnull=False).exclude(id__in=[team_chart.id, national.id])
    ChartResult.objects.filter(id=other[0].id).update(data={"points": {"period": "2024-01-01"}})
    ChartResult.objects.filter(id=other[1].id).update(data=[1, 2])
    return world


def _bodies(client, monkeypatch, params=None) -> tuple[bytes, bytes]:
    """(fast path, Python path) for the same request."""
    params = {"format": "csv", **(params or {})}
    fast = b"".join(client.get(URL, params).streaming_content)
    with monkeypatch.context() as patch:
        patch.setattr(ChartResultViewSet, "csv_chunks", CSVListMixin.csv_chunks)
        reference = b"".join(client.get(URL, params).streaming_content)
    return fast, reference


def _rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def test_a_token_gets_the_python_paths_bytes(charts, make_token, token_client, monkeypatch):
    import measures.api.charts_export as charts_export

    copies = []
    real_copy = charts_export.stream_copy
    monkeypatch.setattr(charts_export, "stream_copy", lambda *a, **k: copies.append(a) or real_copy(*a, **k))
    fast, reference = _bodies(token_client(make_token()), monkeypatch)
    assert len(copies) == (connection.vendor == "postgresql")
    assert fast == reference
    rows = _rows(fast)
    odd = [row for row in rows if row["team_name"] == "'=Afdeling A" and row["period"].startswith("2024-0")]
    assert {"1e-05", "1.5e-07", "-1e-05", "70.0", "'=HYPERLINK(1)", "-12.5"} <= {
        value for row in odd for value in row.values()
    }
    assert {row["period"] for row in rows} >= {"None", "True", "202406", "'=2024-0", ""}
    # A token sees pooled months whatever their number of teams.
    assert any(row["scope"] == "national" and row["n_teams"] == "1" for row in rows)


@pytest.mark.parametrize("params", [{"scope": "national"}, {"scope": "team"}, {"scope": "region"}])
def test_filtered_exports_are_byte_identical(charts, make_token, token_client, monkeypatch, params):
    fast, reference = _bodies(token_client(make_token()), monkeypatch, params)
    assert fast == reference


def test_a_region_token_gets_the_python_paths_bytes(charts, make_token, token_client, monkeypatch):
    fast, reference = _bodies(token_client(make_token(region=charts.midtjylland)), monkeypatch)
    assert fast == reference


@pytest.mark.parametrize("who", ["team_lead", "other_team_member", "national_lead", "stranger"])
def test_session_users_get_the_python_paths_bytes(charts, client_for, monkeypatch, who):
    fast, reference = _bodies(client_for(getattr(charts, who)), monkeypatch)
    assert fast == reference


def test_anonymised_viewers_do_not_see_small_pooled_months(charts, client_for, monkeypatch):
    fast, reference = _bodies(client_for(charts.team_lead), monkeypatch, {"scope": "national"})
    assert fast == reference
    rows = _rows(fast)
    assert rows
    # team_lead has a team in the network: a pooled month needs 4 teams (3 besides their own).
    small = [row for row in rows if row["n_teams"] == "" and row["y"] == ""]
    assert len(small) >= 4
    assert all(row["sigma_signal"] == "false" and row["numerator"] == "" for row in small)
    assert {row["n_teams"] for row in rows} & {"1", "2", "3", "2.0"} == set()


def _plain_cursor_chunks(view, queryset):
    return stream_text_rows(
        CHART_POINT_COLUMNS, chart_point_text_rows(queryset, pooled_minimums(view.request, queryset))
    )


@pytest.mark.parametrize("who", ["token", "team_lead", "national_lead"])
def test_the_plain_cursor_path_is_byte_identical_to_the_python_path(
    charts, make_token, token_client, client_for, monkeypatch, who
):
    client = token_client(make_token()) if who == "token" else client_for(getattr(charts, who))
    _fast, reference = _bodies(client, monkeypatch)
    monkeypatch.setattr(ChartResultViewSet, "csv_chunks", _plain_cursor_chunks)
    assert b"".join(client.get(URL, {"format": "csv"}).streaming_content) == reference
