"""API serializers and viewsets for the flat measurement table and measurement deletions.

Measurements are served as one flat long table with a fixed column order (MEASUREMENT_COLUMNS), in
JSON pages or as one streamed CSV. Both are built from `values_list` rows plus two small lookup
tables (teams, indicators), so the CSV path never instantiates a model per row.
"""

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from lkt.api import CSV_ITERATOR_CHUNK, UTCDateTimeField, iso_datetime
from lkt.api_viewsets import CSVListMixin
from teams.api import ScopedReadOnlyViewSet
from teams.api_scope import request_token, visible_teams
from teams.models import Team

from ..filters import MeasurementDeletionFilter, MeasurementFilter
from ..models import Indicator, Measurement, TeamDeletion
from ..months import month_key
from .common import MonthField

HistoricalMeasurement = Measurement.history.model
VALUE_QUANTUM = Decimal("0.000001")
# Wide enough that quantizing the largest possible value (10^10 / 0.0001 x multiplier) never fails.
# Half up, as PostgreSQL's round() does: the CSV written by COPY rounds in SQL (entry_export).
VALUE_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


MEASUREMENT_COLUMNS = [
    "uuid",
    "network",
    "team_uuid",
    "team_code",
    "team_name",
    "region",
    "organisations",
    "indicator",
    "indicator_version",
    "period",
    "numerator",
    "denominator",
    "value",
    "unit",
    "nothing_to_report",
    "comment",
    "version",
    "updated_at",
    "synced_at",
]
MEASUREMENT_VALUES = (
    "id",
    "uuid",
    "team_id",
    "indicator_id",
    "indicator_version",
    "period",
    "numerator",
    "denominator",
    "nothing_to_report",
    "comment",
    "version",
    "updated_at",
    "synced_at",
)


def plotted_value(
    indicator: Indicator, numerator: Decimal | None, denominator: Decimal | None
) -> Decimal | None:
    value = indicator.value(numerator, denominator)
    if value is None:
        return None
    return value.quantize(VALUE_QUANTUM, context=VALUE_CONTEXT)


class MeasurementTable:
    """Turns `MEASUREMENT_VALUES` tuples into rows in the order of `MEASUREMENT_COLUMNS`."""

    def __init__(self, teams: QuerySet[Team]):
        self.teams: dict[int, tuple] = {}
        network_ids = set()
        for team in teams.select_related("network", "region").prefetch_related("organisations"):
            organisations = "; ".join(sorted(o.name for o in team.organisations.all()))
            self.teams[team.id] = (
                team.network.slug,
                team.uuid,
                team.code,
                team.name,
                team.region.name,
                organisations,
            )
            network_ids.add(team.network_id)
        self.indicators = {i.id: i for i in Indicator.objects.filter(network_id__in=network_ids)}

    def row(self, values: tuple) -> tuple:
        (
            _id,
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
        ) = values
        network, team_uuid, team_code, team_name, region, organisations = self.teams[team_id]
        indicator = self.indicators[indicator_id]
        return (
            uuid,
            network,
            team_uuid,
            team_code,
            team_name,
            region,
            organisations,
            indicator.code,
            indicator_version,
            f"{period:%Y-%m}",
            numerator,
            denominator,
            plotted_value(indicator, numerator, denominator),
            indicator.unit,
            nothing_to_report,
            comment,
            version,
            updated_at,
            synced_at,
        )


def _json_time(value: datetime | None) -> str | None:
    """As UTCDateTimeField writes it: ISO 8601 in UTC with a Z."""
    return None if value is None else iso_datetime(value)


def _json_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _json_keys(row: str) -> list[str]:
    """The keyset values of a page's last row, read back from its JSON (exact to the microsecond)."""
    values = json.loads(row)
    return [values["synced_at"], values["uuid"]]


class MeasurementJSONTable:
    """JSON rows of the flat table from `MEASUREMENT_VALUES[1:]` tuples, as MeasurementSerializer
    would write them (tests/api/test_measurement_export.py compares the two), without a serializer
    per row: team and indicator fields are looked up, formatted once."""

    def __init__(self, teams: QuerySet[Team]):
        self.teams: dict[int, tuple] = {}
        network_ids = set()
        for team in teams.select_related("network", "region").prefetch_related("organisations"):
            self.teams[team.id] = (
                team.network.slug,
                str(team.uuid),
                team.code,
                team.name,
                team.region.name,
                "; ".join(sorted(o.name for o in team.organisations.all())),
            )
            network_ids.add(team.network_id)
        self.indicators = {
            i.id: (i, i.code, i.unit) for i in Indicator.objects.filter(network_id__in=network_ids)
        }

    def row(self, values: tuple) -> dict:
        (
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
        ) = values
        network, team_uuid, team_code, team_name, region, organisations = self.teams[team_id]
        indicator, code, unit = self.indicators[indicator_id]
        return {
            "uuid": str(uuid),
            "network": network,
            "team_uuid": team_uuid,
            "team_code": team_code,
            "team_name": team_name,
            "region": region,
            "organisations": organisations,
            "indicator": code,
            "indicator_version": indicator_version,
            "period": month_key(period),
            "numerator": _json_number(numerator),
            "denominator": _json_number(denominator),
            "value": _json_number(plotted_value(indicator, numerator, denominator)),
            "unit": unit,
            "nothing_to_report": nothing_to_report,
            "comment": comment,
            "version": version,
            "updated_at": _json_time(updated_at),
            "synced_at": _json_time(synced_at),
        }


class MeasurementSerializer(serializers.Serializer):
    """One row of the flat measurement table (numbers with a decimal point, times in UTC)."""

    uuid = serializers.UUIDField()
    network = serializers.CharField(help_text="LKT'ets slug.")
    team_uuid = serializers.UUIDField()
    team_code = serializers.CharField()
    team_name = serializers.CharField()
    region = serializers.CharField()
    organisations = serializers.CharField(help_text="Teamets organisationer, adskilt af '; '.")
    indicator = serializers.CharField(help_text="Indikatorens kode.")
    indicator_version = serializers.IntegerField(help_text="Den definition, værdien blev indtastet under.")
    period = MonthField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    value = serializers.FloatField(
        allow_null=True, help_text="tæller / nævner x multiplikator (6 decimaler)."
    )
    unit = serializers.CharField()
    nothing_to_report = serializers.BooleanField()
    comment = serializers.CharField()
    version = serializers.IntegerField(help_text="Send som expected_version ved skrivning.")
    updated_at = UTCDateTimeField(help_text="Hvornår værdien sidst blev ændret.")
    synced_at = UTCDateTimeField(
        help_text=(
            "Synkroniseringstidspunkt: flyttes frem ved enhver ændring af rækkens indhold, også af felter "
            "fra team, region, organisationer, LKT og indikator (fx et nyt navn eller en ny version)."
        )
    )


@extend_schema_view(
    list=extend_schema(
        description=(
            "Den flade tabel af målinger, én række pr. team, indikator og måned. `?format=csv` "
            "streamer hele den filtrerede tabel som UTF-8 CSV med samme kolonner i samme rækkefølge "
            "(uden sideinddeling). Sorteret efter (`synced_at`, `uuid`); siderne følger en nøgle "
            "(keyset), så de tåler vilkårligt mange rækker med samme tidspunkt og skrivninger mellem "
            "siderne.\n\n**Ændringskontrakt.** Enhver ændring af det, en række viser, flytter dens "
            "`synced_at` frem i samme transaktion: værdien selv, og felter fra teamet (kode, navn, "
            "region, organisationer), LKT'et (slug) og indikatoren (kode, enhed, og multiplikator og "
            "nævner, som `value` regnes med; fx når en ny version offentliggøres). Inkrementel "
            "opdatering: hent med `updated_since` = starttidspunktet for sidste hentning minus et par "
            "minutters overlap, og hent sletninger fra `/api/v1/measurement-deletions/` med samme "
            "`updated_since`; anvend sletninger først. Nøglen er `uuid`. En klient med et regionsafgrænset "
            "token henter alt igen, hvis et team flytter til en anden region."
        ),
        responses={
            200: MeasurementSerializer(many=True),
            400: OpenApiResponse(description="Ugyldigt filter."),
        },
    )
)
class MeasurementViewSet(CSVListMixin, ScopedReadOnlyViewSet):
    queryset = Measurement.objects.all()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    team_field = "team"
    lookup_field = "uuid"
    ordering = ("synced_at", "uuid")
    csv_name = "measurements"
    csv_columns = MEASUREMENT_COLUMNS

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return super().list(request, *args, **kwargs)
        # Tuples and a precomputed team and indicator table, no serializer per row: the fields and
        # their formats are MeasurementSerializer's (the schema), written by MeasurementJSONTable.
        queryset = self.filter_queryset(self.get_queryset()).values_list(*MEASUREMENT_VALUES[1:])
        if connection.vendor == "postgresql":
            return self._postgresql_page(queryset)
        page = self.paginate_queryset(queryset)
        table = MeasurementJSONTable(Team.objects.filter(id__in={values[1] for values in page}))
        return self.get_paginated_response([table.row(values) for values in page])

    def _postgresql_page(self, queryset: QuerySet) -> HttpResponse:
        """The page written as JSON by PostgreSQL (entry_export.measurement_json_page); Python only
        joins the rows and adds `next`, so a page costs little more than its query."""
        from .entry_export import measurement_json_page

        paginator = self.paginator
        page = paginator.page_queryset(queryset, self.request, view=self)
        rows = paginator.page_rows(measurement_json_page(page, visible_teams(self.request)), _json_keys)
        body = "".join(
            ['{"next":', json.dumps(paginator.get_next_link()), ',"results":[', ",".join(rows), "]}"]
        )
        return HttpResponse(body.encode("utf-8"), content_type="application/json")

    def retrieve(self, request, *args, **kwargs):
        measurement = self.get_object()
        table = MeasurementTable(Team.objects.filter(id=measurement.team_id))
        values = tuple(getattr(measurement, name) for name in MEASUREMENT_VALUES)
        values = (measurement.id, *values[1:])
        return Response(
            self.get_serializer(dict(zip(MEASUREMENT_COLUMNS, table.row(values), strict=True))).data
        )

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        """The Python path (reference for the COPY path's bytes; see entry_export)."""
        table = MeasurementTable(visible_teams(self.request))
        rows = queryset.order_by(*self.ordering).values_list(*MEASUREMENT_VALUES)
        for values in rows.iterator(chunk_size=CSV_ITERATOR_CHUNK):
            yield table.row(values)

    def csv_chunks(self, queryset: QuerySet) -> Iterator[bytes]:
        from .entry_export import measurement_csv_chunks

        return measurement_csv_chunks(self.csv_columns, queryset, visible_teams(self.request))


DELETION_COLUMNS = ["uuid", "network", "team_uuid", "team_code", "indicator", "period", "deleted_at"]


class MeasurementDeletionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="Den slettede målings uuid.")
    network = serializers.CharField()
    team_uuid = serializers.UUIDField()
    team_code = serializers.CharField()
    indicator = serializers.CharField()
    period = MonthField()
    deleted_at = UTCDateTimeField()


@extend_schema_view(
    list=extend_schema(
        description=(
            "Sletninger af målinger (tombstones) fra målingernes historik. En inkrementel klient "
            "henter dem med `updated_since` og sletter rækkerne med samme `uuid`. Anvend sletninger "
            "før ændringer: en måned, der er slettet og indtastet igen, har et nyt uuid."
        ),
        responses={
            200: MeasurementDeletionSerializer(many=True),
            400: OpenApiResponse(description="Ugyldigt filter."),
        },
    )
)
class MeasurementDeletionViewSet(CSVListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = HistoricalMeasurement.objects.filter(history_type="-")
    serializer_class = MeasurementDeletionSerializer
    filterset_class = MeasurementDeletionFilter
    ordering = ("history_date", "uuid")
    csv_name = "measurement-deletions"
    csv_columns = DELETION_COLUMNS

    def _deleted_teams(self) -> QuerySet[TeamDeletion]:
        """Deleted teams whose measurements' tombstones the requester sees: a token's, by the network
        and region the team was in (as the chart deletions feed); a user sees teams that exist only."""
        token = request_token(self.request)
        if token is None:
            return TeamDeletion.objects.none()
        gone = TeamDeletion.objects.filter(network_id=token.network_id)
        if token.region_id is not None:
            gone = gone.filter(region_id=token.region_id)
        return gone

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .filter(
                Q(team_id__in=visible_teams(self.request).values("id"))
                | Q(team_id__in=self._deleted_teams().values("team_id"))
            )
        )

    def _rows(self, values_iter) -> Iterator[tuple]:
        # team id -> (network slug, team uuid, team code), for existing and deleted teams alike.
        teams = {
            t.id: (t.network.slug, t.uuid, t.code)
            for t in visible_teams(self.request)
            .select_related("network")
            .only("id", "uuid", "code", "network__slug")
        }
        for gone in self._deleted_teams().only("team_id", "network_slug", "team_uuid", "team_code"):
            teams.setdefault(gone.team_id, (gone.network_slug, gone.team_uuid, gone.team_code))
        indicator_codes: dict[int, str] = {}
        for uuid, team_id, indicator_id, period, history_date in values_iter:
            if indicator_id not in indicator_codes:
                indicator_codes[indicator_id] = (
                    Indicator.objects.filter(id=indicator_id).values_list("code", flat=True).first() or ""
                )
            network_slug, team_uuid, team_code = teams[team_id]
            yield (
                uuid,
                network_slug,
                team_uuid,
                team_code,
                indicator_codes[indicator_id],
                f"{period:%Y-%m}",
                history_date,
            )

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        values = [(h.uuid, h.team_id, h.indicator_id, h.period, h.history_date) for h in page]
        rows = [dict(zip(DELETION_COLUMNS, row, strict=True)) for row in self._rows(values)]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        values = queryset.order_by(*self.ordering).values_list(
            "uuid", "team_id", "indicator_id", "period", "history_date"
        )
        return self._rows(values.iterator(chunk_size=CSV_ITERATOR_CHUNK))
