"""The chart points (one row per point of every visible chart result) as one CSV file, written by
the database where it can.

The reference is the Python path, `ChartResultViewSet.csv_rows` through `lkt.api.stream_csv`:
each chart's `data["points"]` as Django reads it back (`json.loads` of the stored JSON), masked for
the viewer by `pooled_for_viewer`, each cell through `csv_cell`. Both fast paths give its bytes
(tests/api/test_chart_point_export.py compares them):

- PostgreSQL writes the file itself (`COPY (SELECT ...) TO STDOUT`). A point value is formatted from
  the jsonb text as Python formats what `json.loads` makes of it: a number without a decimal point
  is an int (its text), one with a point is a float (its text, which is the float's shortest repr
  as `json.dumps` wrote it, except that Python writes exponent notation below 1e-4 and from 1e16 on,
  where float8's own text, also the shortest repr, is taken); booleans `true`/`false`; text
  neutralised (`lkt.spreadsheet.sql_neutralised`); null and missing keys empty.
- Elsewhere (SQLite) a plain cursor reads the charts' columns and their JSON text, and the cells
  are made with `csv_cell` itself, many rows per csv.writer call (`lkt.api.stream_text_rows`).

The k rule for pooled charts (`selectors.dashboards.pooled_mask`) is applied in both: for a session
user who sees peers anonymised, the minimum number of teams per network is computed once in Python
(`pooled_minimums`, the same function the reference uses) and the SQL hides the same months.

The chart engine writes only numbers, booleans, text and nulls into a point: a list or an object
as a point value would be written as its jsonb text here, where the reference writes Python's text.
"""

import json
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from lkt.api import csv_cell, stream_copy, stream_text_rows
from lkt.spreadsheet import neutralise_formula, sql_neutralised
from teams.access import network_access
from teams.api_scope import request_token
from teams.models import Network, Organisation, Team

from ..models import ChartResult, Indicator
from ..selectors.dashboards import min_pooled_teams_for, pooled_mask
from .charts import CHART_POINT_COLUMNS
from .entry_export import _uuid

# The point's keys after `period`, in the CSV's order (numerator ... n_teams).
POINT_KEYS = tuple(CHART_POINT_COLUMNS[12:])
# The keys the chart engine writes as booleans (the others: numbers, or null).
BOOLEAN_KEYS = frozenset({"baseline", "include", "runs_signal", "sigma_signal"})
# What pooled_mask writes into a hidden month (the keys the CSV shows).
MASKED_CELLS = {
    "numerator": "NULL",
    "denominator": "NULL",
    "y": "NULL",
    "sigma_signal": "'false'",
    "n_teams": "NULL",
}


def pooled_minimums(request, queryset: QuerySet) -> dict[int, int]:
    """{network id: minimum teams per pooled month} for the networks of `queryset` where the
    requester sees pooled charts masked; empty for tokens (as `pooled_for_viewer` decides)."""
    if request is None or request_token(request) is not None:
        return {}
    minimums = {}
    networks = Network.objects.filter(id__in=queryset.order_by().values("network_id"))
    for network in networks:
        minimum = min_pooled_teams_for(network, request.user, network_access(request.user, network))
        if minimum:
            minimums[network.id] = minimum
    return minimums


def _exponent_sql(text: str, value: str) -> str:
    """Whether the point value `value` (jsonb) with the text `text` is a float that Python writes
    with an exponent (below 1e-4, not zero, or from 1e16 on).

    Text tests first, the type last (a key lookup, only for the few texts that pass): jsonb writes
    a number without exponent and without leading zeros, so such a float starts with "0.0000" or
    has 17 or more digits before its decimal point; a number without one is an int.
    """
    return (
        f"(({text} LIKE '0.0000%%' OR {text} LIKE '-0.0000%%' OR octet_length({text}) > 18) "
        f"AND strpos({text}, '.') > 0 "
        f"AND ((ltrim({text}, '-') LIKE '0.0000%%' AND {text} ~ '[1-9]') OR strpos(ltrim({text}, '-'), '.') > 17) "
        f"AND jsonb_typeof({value}) = 'number')"
    )


def _cell_sql(text: str, value: str, *, boolean: bool = False) -> str:
    """csv_cell of a point value: `text` its text (a jsonb_to_record text column: NULL for a JSON
    null or a missing key, true/false, the number's or the string's own text), `value` the jsonb.

    A number's text is never changed by neutralisation (it cannot start with a trigger other than
    "-", and then it is a plain number), so every text goes through it, as csv_cell's strings do.
    Most texts need neither and are their own cell: NULL, a text that starts with a letter (true,
    false; no trigger is above "@") and a text of at most 18 bytes that starts with a digit 1-9 (no
    trigger, no exponent). Those are told by a null test and one or two comparisons of the first
    character's code, cheaper than the LIKE tests and an IN list (one call per listed value).

    The two tests are disjoint and give the same cell, so their order changes no cell, only how
    many calls a cell takes: a `boolean` key's (true, false) tests the letter first (one call), a
    number's tests the digit first (three calls instead of four).
    """
    full = (
        f"CASE WHEN {_exponent_sql(text, value)} THEN ({text})::float8::text ELSE {sql_neutralised(text)} END"
    )
    letter = f"WHEN ascii({text}) > 64 THEN {text}"
    digit = f"WHEN ascii({text}) BETWEEN 49 AND 57 AND octet_length({text}) <= 18 THEN {text}"
    first, second = (letter, digit) if boolean else (digit, letter)
    return f"CASE WHEN {text} IS NULL THEN NULL {first} {second} ELSE {full} END"


def _period_sql(text: str, value: str) -> str:
    """csv_cell(str(point.get("period", ""))[:7]): "None" for a JSON null, "True"/"False" for booleans.

    A period as the engine writes it ("2025-06-01") starts with a digit 1-9 and is short: its cell is
    its first 7 characters (no trigger, no exponent, not empty); only other texts take the long way.
    """
    python_text = (
        f"CASE WHEN {text} IS NULL THEN CASE WHEN jsonb_typeof({value}) = 'null' THEN 'None' END "
        f"WHEN {text} IN ('true', 'false') AND jsonb_typeof({value}) = 'boolean' THEN initcap({text}) "
        f"WHEN {_exponent_sql(text, value)} THEN left(({text})::float8::text, 7) "
        f"ELSE left({text}, 7) END"
    )
    return (
        f"CASE WHEN ascii({text}) BETWEEN 49 AND 57 AND octet_length({text}) <= 18 THEN left({text}, 7) "
        f"ELSE {sql_neutralised(f'({python_text})')} END"
    )


def _sql(queryset: QuerySet, minimums: dict[int, int]) -> tuple[str, list]:
    """The SELECT whose COPY is the CSV body; raises EmptyResultSet when nothing can match.

    The charts are read and their cells formatted in a subquery in keyset order (plain columns
    sorted, then the head cells above them); each chart's points are expanded beside it in array
    order, and the final ORDER BY only orders the points within a chart (an incremental sort).
    `jsonb_to_record` takes a point's values apart as text in one pass (a key looked up per use
    costs several times more); the jsonb value itself is looked up only where the text cannot tell
    (`_exponent_sql`, a null period, the k rule's team counts for masked viewers).
    """
    inner_sql, inner_params = queryset.order_by().values("id").query.sql_with_params()
    chart = ChartResult._meta.db_table
    network = Network._meta.db_table
    team = Team._meta.db_table
    organisation = Organisation._meta.db_table
    indicator = Indicator._meta.db_table
    text = sql_neutralised
    networks = list(minimums)
    limits = [minimums[n] for n in networks]
    n_teams = "(e.p -> 'n_teams')"
    masked = (
        f"(c.k IS NOT NULL AND c.scope <> '{ChartResult.Scope.TEAM.value}' AND CASE jsonb_typeof({n_teams}) "
        f"WHEN 'number' THEN v.n_teams::numeric < c.k "
        f"WHEN 'boolean' THEN v.n_teams::boolean::int < c.k ELSE false END)"
    )
    cells = []
    for key in POINT_KEYS:
        cell = _cell_sql(f"v.{key}", f"(e.p -> '{key}')", boolean=key in BOOLEAN_KEYS)
        # Without a minimum (a token, or no network where the viewer sees peers anonymised) no
        # month is masked, and the test would run for every cell of every point for nothing.
        if key in MASKED_CELLS and minimums:
            cell = f"CASE WHEN {masked} THEN {MASKED_CELLS[key]} ELSE {cell} END"
        cells.append(cell)
    record = ", ".join(f"{key} text" for key in ("period", *POINT_KEYS))
    sql = f"""
        SELECT c.uuid, c.scope_text, c.network, c.indicator, c.team_uuid, c.team_code, c.team_name,
            c.region, c.chart_type, c.variation, c.assurance,
            {_period_sql("v.period", "(e.p -> 'period')")},
            {", ".join(cells)}
        FROM (
            SELECT c.uuid, c.scope, c.synced_at, c.data, mk.k,
                {text("c.scope")} AS scope_text, {text("n.slug")} AS network, {text("i.code")} AS indicator,
                t.uuid AS team_uuid, {text("t.code")} AS team_code, {text("t.name")} AS team_name,
                {text("CASE WHEN c.region_id IS NOT NULL THEN r.name ELSE tr.name END")} AS region,
                {text("c.chart_type")} AS chart_type, {text("c.variation")} AS variation,
                {text("c.assurance")} AS assurance
            FROM {chart} c
            JOIN {network} n ON n.id = c.network_id
            JOIN {indicator} i ON i.id = c.indicator_id
            LEFT JOIN {team} t ON t.id = c.team_id
            LEFT JOIN {organisation} r ON r.id = c.region_id
            LEFT JOIN {organisation} tr ON tr.id = t.region_id
            LEFT JOIN unnest(%s::bigint[], %s::integer[]) AS mk(network_id, k) ON mk.network_id = c.network_id
            WHERE c.id IN ({inner_sql})
            ORDER BY c.synced_at, c.uuid
            OFFSET 0
        ) c
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(c.data -> 'points') = 'array' THEN c.data -> 'points' ELSE '[]' END
        ) WITH ORDINALITY AS e(p, ord)
        CROSS JOIN LATERAL jsonb_to_record(e.p) AS v({record})
        WHERE jsonb_typeof(e.p) = 'object'
        ORDER BY c.synced_at, c.uuid, e.ord
    """
    return sql, [networks, limits, *inner_params]


def _text(value) -> str:
    return neutralise_formula(str(value)) if value else ""


def chart_point_text_rows(queryset: QuerySet, minimums: dict[int, int]) -> Iterator[list[str]]:
    """CSV cells of the points, read with a plain cursor: the chart's columns and its JSON text,
    no model per chart; cells by `csv_cell` as in the reference."""
    columns = (
        "uuid",
        "scope",
        "network__slug",
        "indicator__code",
        "team__uuid",
        "team__code",
        "team__name",
        "region_id",
        "region__name",
        "team__region__name",
        "chart_type",
        "variation",
        "assurance",
        "network_id",
        "data",
    )
    try:
        sql, params = queryset.order_by("synced_at", "uuid").values_list(*columns).query.sql_with_params()
    except EmptyResultSet:
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(500):
            for (
                uuid,
                scope,
                network,
                indicator,
                team_uuid,
                team_code,
                team_name,
                region_id,
                region_name,
                team_region_name,
                chart_type,
                variation,
                assurance,
                network_id,
                data,
            ) in rows:
                data = json.loads(data) if isinstance(data, str) else data
                if not isinstance(data, dict):
                    continue
                if scope != ChartResult.Scope.TEAM and network_id in minimums:
                    data = pooled_mask(data, minimums[network_id])[0]
                head = [
                    _uuid(uuid),
                    _text(scope),
                    _text(network),
                    _text(indicator),
                    _uuid(team_uuid) if team_uuid else "",
                    _text(team_code),
                    _text(team_name),
                    _text(region_name if region_id is not None else team_region_name),
                    _text(chart_type),
                    _text(variation),
                    _text(assurance),
                ]
                for point in data.get("points", []):
                    if not isinstance(point, dict):
                        continue
                    yield [
                        *head,
                        csv_cell(str(point.get("period", ""))[:7]),
                        *(csv_cell(point.get(key)) for key in POINT_KEYS),
                    ]


def chart_point_csv_chunks(header: list[str], queryset: QuerySet, request) -> Iterator[bytes]:
    """The CSV file in chunks: COPY on PostgreSQL, the plain-cursor fast path elsewhere."""
    minimums = pooled_minimums(request, queryset)
    if connection.vendor == "postgresql":
        try:
            sql, params = _sql(queryset, minimums)
        except EmptyResultSet:
            return stream_text_rows(header, [])
        return stream_copy(header, sql, params)
    return stream_text_rows(header, chart_point_text_rows(queryset, minimums))


__all__ = ["chart_point_csv_chunks", "chart_point_text_rows", "pooled_minimums"]
