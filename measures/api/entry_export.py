"""The flat measurement table as one CSV file, written by the database where it can.

On PostgreSQL the whole file is written by `COPY (SELECT ...) TO STDOUT`: the SELECT formats every
cell as `lkt.api.csv_cell` does for the Python path (`MeasurementTable` rows through
`lkt.api.stream_csv`, which single objects and other databases use), so the two give the same
bytes (tests/api/test_measurement_export.py compares them):

- text columns are neutralised against formula injection in SQL (`lkt.spreadsheet.sql_neutralised`,
  the same trigger characters and the same plain-number exception) and empty text is NULL;
- numbers lose trailing zeros (`trim_scale`), `value` is rounded half up to 6 decimals as
  `plotted_value` rounds it;
- times are UTC ISO 8601 with a `Z`, without fraction when it is zero, as `iso_datetime` writes them;
- booleans are `true`/`false`, months `YYYY-MM`, organisations sorted by code point and joined by "; ".

Elsewhere (SQLite) a plain cursor reads the same filtered rows and a precomputed team and indicator
table fills in the rest, many rows per csv.writer call (`lkt.api.stream_text_rows`).

JSON pages on PostgreSQL are written by the database too (`measurement_json_page`), with the
serializer's fields and values (not its exact number text: 610 where Python writes 610.0).

Permission scoping, filters and order are the viewset's own queryset: its SQL is the inner query.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from lkt.api import decimal_text, iso_datetime, session_settings
from lkt.spreadsheet import neutralise_formula, sql_neutralised
from teams.models import Organisation, Team

from ..models import Indicator
from .entry import MEASUREMENT_VALUES, plotted_value

# The inner query's columns (MEASUREMENT_VALUES without the sequential id).
INNER = MEASUREMENT_VALUES[1:]


# The session settings the SQL below formats with (`SET LOCAL` in the transaction of each query):
# the text of a date and a timestamp is ISO whatever the server's default DateStyle.
SESSION = {"DateStyle": "ISO, MDY"}


def _utc_text(column: str) -> str:
    """A timestamp's UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": computed once per row as a column of
    a fenced subquery (OFFSET 0), since `_iso_sql` reads it twice and PostgreSQL would compute an
    expression written twice twice (a twentieth of the CSV's time, for the two timestamps)."""
    return f"({column} AT TIME ZONE 'UTC')::text"


def _iso_sql(column: str, text: str) -> str:
    """iso_datetime in SQL: UTC, a T, six fraction digits or none when they are zero, and a Z.

    `text` is the column's `_utc_text`, which drops trailing zeros of the fraction ("...:05.12");
    only those rows (about one in ten) go through to_char, which costs several times more than the
    text and a replace.
    """
    return (
        f"CASE WHEN octet_length({text}) IN (19, 26) THEN replace({text}, ' ', 'T') || 'Z' "
        f"ELSE to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') END"
    )


def _utc_texts(alias: str) -> str:
    """The UTC texts of a row's two timestamps, as columns of its fenced subquery."""
    return f"{_utc_text(f'{alias}.updated_at')} AS updated_text, {_utc_text(f'{alias}.synced_at')} AS synced_text"


# "YYYY-MM" of a date (day 1 of its month): the first 7 characters of its ISO text.
PERIOD_SQL = "left(m.period::text, 7)"


def _same(expression: str) -> str:
    return expression


def _lookups(teams: QuerySet, text) -> tuple[str, list]:
    """The WITH clause of the visible teams (`vt`) and their networks' indicators (`vi`), their
    text columns passed through `text` (formula neutralisation for CSV, nothing for JSON)."""
    teams_sql, teams_params = teams.order_by().values("id").query.sql_with_params()
    team = Team._meta.db_table
    through = Team.organisations.through._meta.db_table
    organisation = Organisation._meta.db_table
    network = Team._meta.get_field("network").related_model._meta.db_table
    indicator = Indicator._meta.db_table
    organisations = (
        f"(SELECT coalesce(string_agg(o.name, '; ' ORDER BY o.name COLLATE \"C\"), '') FROM {through} tor "
        f"JOIN {organisation} o ON o.id = tor.organisation_id WHERE tor.team_id = t.id)"
    )
    sql = f"""
        WITH vt AS (
            SELECT t.id, t.uuid, t.network_id,
                {text("n.slug")} AS network,
                {text("t.code")} AS code,
                {text("t.name")} AS name,
                {text("r.name")} AS region,
                {text("org.names")} AS organisations,
                concat('"network":', to_json(n.slug), ',"team_uuid":"', t.uuid, '","team_code":',
                    to_json(t.code), ',"team_name":', to_json(t.name), ',"region":', to_json(r.name),
                    ',"organisations":', to_json(org.names)) AS json
            FROM {team} t
            JOIN {network} n ON n.id = t.network_id
            LEFT JOIN {organisation} r ON r.id = t.region_id
            CROSS JOIN LATERAL (SELECT {organisations} AS names) org
            WHERE t.id IN ({teams_sql})
        ),
        vi AS (
            SELECT i.id, i.multiplier,
                {text("i.code")} AS code,
                {text("i.unit")} AS unit,
                to_json(i.code)::text AS code_json,
                to_json(i.unit)::text AS unit_json,
                i.denominator_definition ~ '[^[:space:]]' AS has_denominator
            FROM {indicator} i
            WHERE i.network_id IN (SELECT network_id FROM vt)
        )
    """
    return sql, list(teams_params)


# `plotted_value` in SQL: numerator / denominator x multiplier rounded half up to 6 decimals (the
# dividend gets 30 decimals so the quotient is exact far past the 6th), or the numerator alone.
VALUE_SQL = """
    CASE
        WHEN m.numerator IS NULL THEN NULL
        WHEN NOT m.i_has_denominator THEN m.numerator
        WHEN m.denominator IS NULL OR m.denominator = 0 THEN NULL
        ELSE round(round(m.numerator * m.i_multiplier, 30) / m.denominator, 6)
    END
"""


def _rows_from(inner: QuerySet) -> tuple[str, list]:
    """FROM the viewset's filtered rows (a values_list of INNER) with their team and indicator
    fields, in keyset order. The order is taken in a subquery of plain columns and the cells are
    formatted above it: sorting the formatted rows instead spills wide rows to disk (PostgreSQL
    computes the select list before a Sort); a plain projection over the subquery keeps its order."""
    sql, params = inner.query.sql_with_params()
    columns = ", ".join(INNER)
    return (
        f"""FROM (
            SELECT m.*, vt.network AS t_network, vt.uuid AS t_uuid, vt.code AS t_code,
                vt.name AS t_name, vt.region AS t_region, vt.organisations AS t_organisations,
                vi.code AS i_code, vi.unit AS i_unit, vi.multiplier AS i_multiplier,
                vi.has_denominator AS i_has_denominator, vt.json AS t_json, vi.code_json AS i_code_json,
                vi.unit_json AS i_unit_json, {_utc_texts("m")}
            FROM ({sql}) AS m({columns})
            JOIN vt ON vt.id = m.team_id
            JOIN vi ON vi.id = m.indicator_id
            ORDER BY m.synced_at, m.uuid
            OFFSET 0
        ) m""",
        list(params),
    )


def _sql(queryset: QuerySet, teams: QuerySet) -> tuple[str, list]:
    """The SELECT whose COPY is the CSV body; raises EmptyResultSet when nothing can match.

    Shaped like the floor it is measured against: the rows come in keyset order from the
    (synced_at, uuid) index, so nothing is sorted, and each team's and indicator's cells are
    formatted once, in LATERAL subqueries that PostgreSQL memoizes by id (OFFSET 0 keeps them from
    being flattened into a per-row computation). The viewset's queryset already holds only
    visible teams' rows; `teams` is not needed here.
    """
    inner_sql, inner_params = queryset.order_by().values_list(*INNER).query.sql_with_params()
    text = sql_neutralised
    team = Team._meta.db_table
    through = Team.organisations.through._meta.db_table
    organisation = Organisation._meta.db_table
    network = Team._meta.get_field("network").related_model._meta.db_table
    indicator = Indicator._meta.db_table
    columns = ", ".join(INNER)
    value = VALUE_SQL.replace("m.i_has_denominator", "i.has_denominator").replace(
        "m.i_multiplier", "i.multiplier"
    )
    sql = f"""
        SELECT m.uuid, t.network, t.uuid, t.code, t.name, t.region, t.organisations, i.code,
            m.indicator_version, {PERIOD_SQL},
            trim_scale(m.numerator), trim_scale(m.denominator), trim_scale({value}),
            i.unit,
            m.nothing_to_report::text,
            {text("m.comment")},
            m.version,
            {_iso_sql("m.updated_at", "m.updated_text")},
            {_iso_sql("m.synced_at", "m.synced_text")}
        FROM (
            SELECT x.*, {_utc_texts("x")}
            FROM ({inner_sql}) AS x({columns})
            ORDER BY x.synced_at, x.uuid
            OFFSET 0
        ) m
        CROSS JOIN LATERAL (
            SELECT t.uuid, {text("n.slug")} AS network, {text("t.code")} AS code,
                {text("t.name")} AS name, {text("r.name")} AS region, {text("org.names")} AS organisations
            FROM {team} t
            JOIN {network} n ON n.id = t.network_id
            LEFT JOIN {organisation} r ON r.id = t.region_id
            CROSS JOIN LATERAL (
                SELECT coalesce(string_agg(o.name, '; ' ORDER BY o.name COLLATE "C"), '') AS names
                FROM {through} tor JOIN {organisation} o ON o.id = tor.organisation_id
                WHERE tor.team_id = t.id
            ) org
            WHERE t.id = m.team_id
            OFFSET 0
        ) t
        CROSS JOIN LATERAL (
            SELECT {text("i.code")} AS code, {text("i.unit")} AS unit, i.multiplier,
                i.denominator_definition ~ '[^[:space:]]' AS has_denominator
            FROM {indicator} i
            WHERE i.id = m.indicator_id
            OFFSET 0
        ) i
        ORDER BY m.synced_at, m.uuid
    """
    return sql, list(inner_params)


def measurement_json_page(page: QuerySet, teams: QuerySet) -> list[str]:
    """One JSON page written by PostgreSQL: each row as a JSON object's text.

    `page` is the keyset page's query (KeysetPagination.page_queryset of a values_list of INNER).
    Each object has MeasurementSerializer's fields in its order with the same values (numbers as
    JSON numbers, times as UTCDateTimeField writes them); tests/api/test_measurement_export.py
    compares them. The text is concatenated, with the team's fields encoded once per team (`vt.json`):
    row_to_json or json_build_object per row cost several times more.
    """
    try:
        lookups, lookup_params = _lookups(teams, _same)
        rows, row_params = _rows_from(page)
    except EmptyResultSet:
        return []
    # One concat() call per row: a chain of `||` copies the growing text at every step.
    sql = f"""{lookups}
        SELECT concat('{{"uuid":"', m.uuid, '",', m.t_json,
            ',"indicator":', m.i_code_json,
            ',"indicator_version":', m.indicator_version,
            ',"period":"', {PERIOD_SQL},
            '","numerator":', coalesce(m.numerator::float8::text, 'null'),
            ',"denominator":', coalesce(m.denominator::float8::text, 'null'),
            ',"value":', coalesce(({VALUE_SQL})::float8::text, 'null'),
            ',"unit":', m.i_unit_json,
            ',"nothing_to_report":', m.nothing_to_report::text,
            ',"comment":', to_json(m.comment),
            ',"version":', m.version,
            ',"updated_at":"', {_iso_sql("m.updated_at", "m.updated_text")},
            '","synced_at":"', {_iso_sql("m.synced_at", "m.synced_text")}, '"}}')
        {rows}
        ORDER BY m.synced_at, m.uuid
    """
    with transaction.atomic(), connection.cursor() as cursor:
        session_settings(cursor, SESSION)
        cursor.execute(sql, [*lookup_params, *row_params])
        return [row[0] for row in cursor.fetchall()]


def measurement_copy_sql(queryset: QuerySet, teams: QuerySet) -> tuple[str, list] | None:
    """(sql, params) for COPY, or None when the selection is empty by construction."""
    try:
        return _sql(queryset, teams)
    except EmptyResultSet:
        return None


def _text(value) -> str:
    return neutralise_formula(value) if value else ""


class _Lookup:
    """Team and indicator cells, formatted once per team and indicator, for the SQLite fast path."""

    def __init__(self, teams: QuerySet[Team]):
        self.teams: dict[int, tuple[str, ...]] = {}
        network_ids = set()
        for team in teams.select_related("network", "region").prefetch_related("organisations"):
            self.teams[team.id] = (
                _text(team.network.slug),
                str(team.uuid),
                _text(team.code),
                _text(team.name),
                _text(team.region.name if team.region else ""),
                _text("; ".join(sorted(o.name for o in team.organisations.all()))),
            )
            network_ids.add(team.network_id)
        self.indicators = {
            indicator.id: (indicator, _text(indicator.code), _text(indicator.unit))
            for indicator in Indicator.objects.filter(network_id__in=network_ids)
        }


def _number(value) -> str:
    """A stored decimal as `decimal_text` writes it, from what SQLite returns (int, float or text).

    The field keeps 4 decimals and 14 digits, so the nearest 4-decimal text of the float is the value.
    """
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4f}" if isinstance(value, float) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(f"{value:.4f}")
    return Decimal(value)


def _time(value) -> str:
    """SQLite stores Django's aware datetimes as naive UTC text: "2025-01-02 03:04:05[.123456]"."""
    if isinstance(value, str) and len(value) in (19, 26) and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return iso_datetime(value)


def _uuid(value) -> str:
    text = str(value)
    if len(text) == 32:  # SQLite stores a UUIDField as 32 hex digits
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def measurement_text_rows(queryset: QuerySet, teams: QuerySet) -> Iterator[list[str]]:
    """CSV cells of the filtered rows, read with a plain cursor (no model, no Django converters)."""
    try:
        sql, params = queryset.order_by("synced_at", "uuid").values_list(*INNER).query.sql_with_params()
    except EmptyResultSet:
        return
    lookup = _Lookup(teams)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            for (
                uuid,
                team_id,
                indicator_id,
                indicator_version,
                period,
                numerator,
                denominator,
                nothing_to_report,
                comment,
                version,
                updated_at,
                synced_at,
            ) in rows:
                indicator, code, unit = lookup.indicators[indicator_id]
                value = plotted_value(indicator, _decimal(numerator), _decimal(denominator))
                yield [
                    _uuid(uuid),
                    *lookup.teams[team_id],
                    code,
                    str(indicator_version),
                    str(period)[:7],
                    _number(numerator),
                    _number(denominator),
                    "" if value is None else decimal_text(value),
                    unit,
                    "true" if nothing_to_report else "false",
                    _text(comment),
                    str(version),
                    _time(updated_at),
                    _time(synced_at),
                ]


def measurement_csv_chunks(header: list[str], queryset: QuerySet, teams: QuerySet) -> Iterator[bytes]:
    """The CSV file in chunks: COPY on PostgreSQL, the plain-cursor fast path elsewhere."""
    from lkt.api import stream_copy, stream_text_rows

    if connection.vendor == "postgresql":
        query = measurement_copy_sql(queryset, teams)
        if query is None:
            return stream_text_rows(header, [])
        return stream_copy(header, *query, settings=SESSION)
    return stream_text_rows(header, measurement_text_rows(queryset, teams))


__all__ = ["measurement_copy_sql", "measurement_csv_chunks", "measurement_json_page", "measurement_text_rows"]
