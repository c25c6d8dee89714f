"""Shared pieces of the REST API that know no app: serializer fields, pagination, CSV, the schema hook.

Who may see what (token scope, permission, throttling, the scoped base viewset) is in
teams.api_scope and teams.api: this module is imported by every app and imports none.
The CSV list mixin is in lkt.api_viewsets. This module is named in REST_FRAMEWORK settings, which
DRF imports while `rest_framework.views` itself is being imported, so it must not import DRF's
views, generics or viewsets.
"""

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, models
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .spreadsheet import neutralise_formula

CSV_CHUNK_BYTES = 64 * 1024
COPY_WORK_MEM = "64MB"
CSV_ITERATOR_CHUNK = 2000


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC with a Z: the API is locale-neutral, whatever TIME_ZONE the site runs in."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(*args, **kwargs)


class ApiModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }


class KeysetPagination(BasePagination):
    """Keyset ("seek") pagination on the viewset's `ordering`, whose last field is unique (a UUID).

    The cursor is opaque to clients: the ordering values of the last row served, base64-encoded.
    The next page is `WHERE (a, b) > (last_a, last_b)`, so it cannot break on ties however many
    rows share a timestamp (DRF's CursorPagination counts an offset among ties and fails past
    its cap), rows written between pages are never skipped when they sort after the cursor, and
    a row is never served twice within one walk unless it changed in between (then it comes
    again with its new values, which is what an incremental client wants).
    """

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 5000
    cursor_query_param = "cursor"
    ordering: tuple[str, ...] = ("uuid",)

    def get_ordering(self, view) -> tuple[str, ...]:
        return tuple(getattr(view, "ordering", None) or self.ordering)

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return min(max(size, 1), self.max_page_size)

    def _encode(self, values: list) -> str:
        text = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _decode(self, cursor: str, model) -> list:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            raw = json.loads(text)
            if not isinstance(raw, list) or len(raw) != len(self.fields):
                raise ValueError
            return [
                model._meta.get_field(name).to_python(value)
                for name, value in zip(self.fields, raw, strict=True)
            ]
        except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, DjangoValidationError) as exc:
            raise NotFound(gettext("Ugyldig cursor.")) from exc

    def _after(self, values: list) -> Q:
        """(f1, f2, ...) > (v1, v2, ...) as OR-ed prefixes, AND f1 >= v1 (an index condition that
        starts the scan at the cursor's f1). The page's filter where a database cannot order and
        limit each part of a UNION (SQLite); see `_after_union` for why not elsewhere."""
        condition = Q()
        for i, name in enumerate(self.fields):
            step = Q(**{f"{name}__gt": values[i]})
            for prior, value in zip(self.fields[:i], values[:i], strict=True):
                step &= Q(**{prior: value})
            condition |= step
        if len(self.fields) > 1:
            condition = Q(**{f"{self.fields[0]}__gte": values[0]}) & condition
        return condition

    def _after_union(self, queryset, values: list):
        """The page after the cursor as a UNION ALL of one ordered, limited query per prefix:
        (f1 > v1) and (f1 = v1 AND f2 > v2), for two fields. Each is a plain range on the
        (f1, f2, ...) index that PostgreSQL estimates from its statistics and can read from the
        cursor on, stopping after a page (on a small table it may as well read the table).

        Neither single condition does that for every table. Rows that share f1 (a rename moves
        `synced_at` of every row it touches to the same instant) defeat the OR-ed prefixes: f1 >= v1
        starts the scan at the first of them and each page reads again what the pages before it
        served. A row comparison, (f1, f2) > (v1, v2), is one index condition, but PostgreSQL
        estimates it from f1 alone: with every row on one f1 it expects one row, joins by hash and
        sorts everything after the cursor. The page queries of one walk through the 200-team
        network's 70,000 measurements (14 pages of 5,000), every row on one synced_at: 298 ms with
        the OR, 754 ms with the row comparison, 111 ms with this UNION; with distinct times 83, 45
        and 55 ms. `bench/scale_bench.py` prints the walk with the UNION and with the OR ("keyset
        pages"), as built and after a rename.
        """
        size = self.size + 1
        parts = []
        for i, name in enumerate(self.fields):
            prefix = dict(zip(self.fields[:i], values[:i], strict=True))
            parts.append(queryset.filter(**prefix, **{f"{name}__gt": values[i]})[:size])
        return parts[0].union(*parts[1:], all=True).order_by(*self.fields)[:size]

    def page_queryset(self, queryset, request, view=None):
        """The page's query, not run: ordered, after the cursor, and one row more than the page
        (the extra row says whether there is a next page). Close the page with `page_rows`."""
        self.request = request
        self.fields = self.get_ordering(view)
        self.size = self.get_page_size(request)
        queryset = queryset.order_by(*self.fields)
        cursor = request.query_params.get(self.cursor_query_param)
        if not cursor:
            return queryset[: self.size + 1]
        values = self._decode(cursor, queryset.model)
        if len(self.fields) > 1 and connections[queryset.db].features.supports_slicing_ordering_in_compound:
            return self._after_union(queryset, values)
        return queryset.filter(self._after(values))[: self.size + 1]

    def page_rows(self, rows: list, keys) -> list:
        """The page's rows from what `page_queryset` gave; `keys(row)` are the row's ordering values."""
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        self.last_values = keys(rows[-1]) if rows else None
        return rows

    def paginate_queryset(self, queryset, request, view=None) -> list:
        page = self.page_queryset(queryset, request, view)
        self.positions = {name: i for i, name in enumerate(getattr(page, "_fields", None) or ())}
        return self.page_rows(list(page), lambda row: [self._value(row, name) for name in self.fields])

    def _value(self, row, name: str):
        if isinstance(row, dict):
            return row[name]
        if isinstance(row, tuple):  # a values_list() queryset: the names are its fields
            return row[self.positions[name]]
        return getattr(row, name)

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last_values is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(self.last_values))

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last page. Follow it as it is.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from `next`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (1-{self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class CSVRenderer(renderers.BaseRenderer):
    """text/csv; lists stream from `CSVListMixin`, so this only renders single objects and errors."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        rows = [row for row in rows if isinstance(row, dict)]
        if not rows:
            return b""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        write_csv_row(writer, buffer, list(rows[0]))
        for row in rows:
            write_csv_row(writer, buffer, [csv_cell(value) for value in row.values()])
        return buffer.getvalue().encode("utf-8")


def write_csv_row(writer, buffer: io.StringIO, cells: list[str]) -> None:
    """One row ending in "\n" whose fields with a CR or LF are quoted.

    Python's csv quotes only the characters of its line terminator: with "\n" alone a comment
    holding a bare carriage return would be written unquoted and break the row in a spreadsheet.
    So the writer ends rows in "\r\n" (quoting both) and the row's own terminator becomes "\n".
    """
    writer.writerow(cells)
    buffer.seek(buffer.tell() - 2)
    buffer.write("\n")
    buffer.truncate()


def csv_cell(value) -> str:
    """Locale-neutral text for a CSV cell: decimal point, ISO dates, empty for None; text that a
    spreadsheet would run as a formula gets a leading apostrophe (lkt.spreadsheet)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise_formula("; ".join(str(item) for item in value))
    if isinstance(value, int | float):
        return str(value)
    return neutralise_formula(str(value))


def decimal_text(value: Decimal) -> str:
    """610.0000 -> "610", 12.5000 -> "12.5"; never exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def iso_datetime(value: datetime) -> str:
    """UTC ISO 8601 with a Z, as the JSON responses write it."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def stream_csv(header: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """Encode rows as UTF-8 CSV in chunks of about 64 KiB; memory stays flat whatever the row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    write_csv_row(writer, buffer, header)
    for row in rows:
        write_csv_row(writer, buffer, [csv_cell(value) for value in row])
        if buffer.tell() >= CSV_CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def stream_text_rows(header: list[str], rows: Iterable[Iterable[str]]) -> Iterator[bytes]:
    """Like `stream_csv` for rows whose cells are already CSV text (`csv_cell` applied by the caller),
    written many rows per call: the fast path where the database cannot write the CSV itself.

    Rows end in "\n" as in `stream_csv`; the few with a carriage return in a cell go through
    `write_csv_row`, which quotes it.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    fast = csv.writer(buffer, lineterminator="\n")
    write_csv_row(writer, buffer, header)
    batch: list = []
    for row in rows:
        if any("\r" in cell for cell in row):
            fast.writerows(batch)
            batch.clear()
            write_csv_row(writer, buffer, row)
            continue
        batch.append(row)
        if len(batch) >= 500:
            fast.writerows(batch)
            batch.clear()
            if buffer.tell() >= CSV_CHUNK_BYTES:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    fast.writerows(batch)
    yield buffer.getvalue().encode("utf-8")


def session_settings(cursor, settings: dict[str, str]) -> None:
    """`SET LOCAL` each setting for the rest of the cursor's transaction (one round trip)."""
    if settings:
        calls = ", ".join("set_config(%s, %s, true)" for _ in settings)
        cursor.execute(f"SELECT {calls}", [item for pair in settings.items() for item in pair])


def stream_copy(
    header: list[str], sql: str, params: Sequence, settings: dict[str, str] | None = None
) -> Iterator[bytes]:
    """The rows of a PostgreSQL `sql` as CSV written by the database itself (`COPY ... TO STDOUT`),
    in chunks of about 64 KiB, after the same header line as `stream_csv`.

    COPY's CSV quotes what Python's writer quotes (delimiter, quote, CR, LF) and ends rows in "\n";
    the query must give every cell as `csv_cell` would (text neutralised and NULL for empty text:
    COPY writes an empty string as `""`). A client that goes away mid-stream closes the generator:
    psycopg cancels the COPY and the transaction around it rolls back, so the connection stays usable.
    """
    from django.db import connection, transaction

    buffer = io.StringIO()
    write_csv_row(csv.writer(buffer, lineterminator="\r\n"), buffer, header)
    chunk = bytearray(buffer.getvalue().encode("utf-8"))
    # In a transaction (a savepoint inside another): a cancelled COPY is an error the transaction
    # must roll back, or an enclosing transaction would be unusable after a client went away.
    with transaction.atomic(), connection.cursor() as cursor:
        # The export's one sort (its order) in memory: at the default 4 MB it spills to disk.
        session_settings(cursor, {"work_mem": COPY_WORK_MEM, **(settings or {})})
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            # psycopg gives COPY data a row at a time: gathered into chunks of CSV_CHUNK_BYTES.
            for data in copy:
                chunk += data
                if len(chunk) >= CSV_CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
    yield bytes(chunk)


def csv_response(filename_stem: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    return csv_stream_response(filename_stem, stream_csv(header, rows))


def csv_stream_response(filename_stem: str, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    # The file name names the table and the day only, never a team: it must not leak an anonymised team.
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="lkt-{filename_stem}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


ERROR_RESPONSES = {
    "400": ("ValidationErrors", "Ugyldige parametre (fx et filter): felt -> liste af fejl."),
    "401": ("ErrorDetail", "Mangler, ugyldigt, udløbet eller tilbagekaldt token, eller token i adressen."),
    "403": ("ErrorDetail", "Ingen adgang til handlingen (fx skrivning med et læsetoken)."),
    "404": ("ErrorDetail", "Findes ikke eller er ikke synlig for tokenet/brugeren; ugyldig cursor."),
    "429": ("ErrorDetail", "For mange forespørgsler med dette token; vent og prøv igen."),
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular hook: document the error answers every operation can give, so clients
    (and Schemathesis) know them; operations that describe an error themselves keep theirs."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    schemas["ValidationErrors"] = {"type": "object", "additionalProperties": True}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status_code, (component, description) in ERROR_RESPONSES.items():
                if status_code in responses:
                    continue
                responses[status_code] = {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                    },
                }
    return result
