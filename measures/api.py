"""API serializers and viewsets for goals, indicators, measurements, chart results, annotations and PDSA cycles.

Measurements are served as one flat long table with a fixed column order (MEASUREMENT_COLUMNS), in
JSON pages or as one streamed CSV. Both are built from `values_list` rows plus two small lookup
tables (teams, indicators), so the CSV path never instantiates a model per row.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Context, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from lkt.api import (
    CSV_ITERATOR_CHUNK,
    ApiModelSerializer,
    UTCDateTimeField,
    region_chart_condition,
    request_token,
    visible_networks,
    visible_teams,
)
from lkt.api_viewsets import CSVListMixin, ScopedReadOnlyViewSet
from teams.access import get_team_for_token, get_team_for_user
from teams.filters import parse_month
from teams.models import Team

from .filters import (
    AnnotationFilter,
    ChartResultFilter,
    GoalFilter,
    IndicatorFilter,
    MeasurementDeletionFilter,
    MeasurementFilter,
    PDSACycleFilter,
)
from .models import (
    Annotation,
    ChartResult,
    Goal,
    Indicator,
    IndicatorVersion,
    Measurement,
    PDSACycle,
    PublicationStatus,
)
from .services.measurements import BulkValidationError, MeasurementRow, measurements_bulk_save

HistoricalMeasurement = Measurement.history.model
VISIBLE_STATUSES = [PublicationStatus.PUBLISHED, PublicationStatus.RETIRED]
VALUE_QUANTUM = Decimal("0.000001")
# Wide enough that quantizing the largest possible value (10^10 / 0.0001 x multiplier) never fails.
VALUE_CONTEXT = Context(prec=60)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM"; accepts a date or an ISO date string from stored chart data."""

    def to_representation(self, value) -> str:
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return str(value)[:7]


# ----- goals and indicators -----


class GoalSerializer(ApiModelSerializer):
    network = serializers.CharField(source="network.slug", read_only=True)

    class Meta:
        model = Goal
        fields = [
            "uuid",
            "network",
            "number",
            "title",
            "description",
            "is_balancing",
            "target_text",
            "target_value",
            "baseline_start",
            "baseline_end",
            "target_deadline",
            "status",
            "published_at",
        ]


class IndicatorVersionSerializer(ApiModelSerializer):
    class Meta:
        model = IndicatorVersion
        fields = [
            "version",
            "name",
            "definition",
            "kind",
            "numerator_definition",
            "denominator_definition",
            "unit",
            "multiplier",
            "direction",
            "chart_type",
            "whole_numbers",
            "data_source",
            "target_value",
            "change_note",
            "published_at",
        ]


class IndicatorSerializer(ApiModelSerializer):
    network = serializers.CharField(source="network.slug", read_only=True)
    goal = serializers.IntegerField(source="goal.number", read_only=True, allow_null=True, default=None)
    versions = IndicatorVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "uuid",
            "network",
            "code",
            "name",
            "goal",
            "kind",
            "definition",
            "numerator_definition",
            "denominator_definition",
            "unit",
            "multiplier",
            "direction",
            "chart_type",
            "whole_numbers",
            "data_source",
            "target_value",
            "baseline_start",
            "baseline_end",
            "target_deadline",
            "status",
            "version",
            "published_at",
            "updated_at",
            "versions",
        ]


class GoalViewSet(ScopedReadOnlyViewSet):
    """Published goals (mål) of the visible networks."""

    queryset = Goal.objects.filter(status__in=VISIBLE_STATUSES).select_related("network")
    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    network_field = "network"
    lookup_field = "uuid"


class IndicatorViewSet(ScopedReadOnlyViewSet):
    """Published (and retired) indicators with every published version of their definition."""

    queryset = (
        Indicator.objects.filter(status__in=VISIBLE_STATUSES, version__gte=1)
        .select_related("network", "goal")
        .prefetch_related("versions")
    )
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    network_field = "network"
    lookup_field = "uuid"


# ----- measurements -----

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
        )


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
    updated_at = UTCDateTimeField()


@extend_schema_view(
    list=extend_schema(
        description=(
            "Den flade tabel af målinger, én række pr. team, indikator og måned. `?format=csv` "
            "streamer hele den filtrerede tabel som UTF-8 CSV med samme kolonner i samme rækkefølge "
            "(uden sideinddeling). Inkrementel opdatering: hent med `updated_since` = tidspunktet for "
            "sidste hentning minus et par minutters overlap, og hent sletninger fra "
            "`/api/v1/measurement-deletions/`. Nøglen er `uuid`."
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
    ordering = ("updated_at", "id")
    csv_name = "measurements"
    csv_columns = MEASUREMENT_COLUMNS

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset()).values(*MEASUREMENT_VALUES)
        page = self.paginate_queryset(queryset)
        team_ids = {values["team_id"] for values in page}
        table = MeasurementTable(Team.objects.filter(id__in=team_ids))
        rows = [
            dict(
                zip(
                    MEASUREMENT_COLUMNS, table.row(tuple(v[name] for name in MEASUREMENT_VALUES)), strict=True
                )
            )
            for v in page
        ]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        measurement = self.get_object()
        table = MeasurementTable(Team.objects.filter(id=measurement.team_id))
        values = tuple(getattr(measurement, name) for name in MEASUREMENT_VALUES)
        values = (measurement.id, *values[1:])
        return Response(
            self.get_serializer(dict(zip(MEASUREMENT_COLUMNS, table.row(values), strict=True))).data
        )

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        table = MeasurementTable(visible_teams(self.request))
        rows = queryset.order_by(*self.ordering).values_list(*MEASUREMENT_VALUES)
        for values in rows.iterator(chunk_size=CSV_ITERATOR_CHUNK):
            yield table.row(values)


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
    ordering = ("history_date", "history_id")
    csv_name = "measurement-deletions"
    csv_columns = DELETION_COLUMNS

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(team_id__in=visible_teams(self.request).values("id"))

    def _rows(self, values_iter) -> Iterator[tuple]:
        teams = {
            t.id: t
            for t in visible_teams(self.request)
            .select_related("network")
            .only("id", "uuid", "code", "network__slug")
        }
        indicator_codes: dict[int, str] = {}
        for uuid, team_id, indicator_id, period, history_date in values_iter:
            if indicator_id not in indicator_codes:
                indicator_codes[indicator_id] = (
                    Indicator.objects.filter(id=indicator_id).values_list("code", flat=True).first() or ""
                )
            team = teams[team_id]
            yield (
                uuid,
                team.network.slug,
                team.uuid,
                team.code,
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


# ----- bulk write -----


class BulkRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=40, help_text="Indikatorens kode.")
    period = serializers.CharField(max_length=7, help_text="Måneden som ÅÅÅÅ-MM.")
    numerator = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        required=False,
        default=None,
        coerce_to_string=False,
    )
    denominator = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        required=False,
        default=None,
        coerce_to_string=False,
    )
    nothing_to_report = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        required=False,
        default=None,
        max_length=2000,
        help_text="Udelades eller null: en gemt kommentar bevares.",
    )
    expected_version = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        required=False,
        default=None,
        help_text="Den version, klienten har set (0: ingen gemt værdi). Udelades: kontrolleres ikke.",
    )

    def validate_period(self, value: str) -> date:
        try:
            return parse_month(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Rækkens nummer i listen, fra 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class BulkErrorSerializer(serializers.Serializer):
    errors = BulkRowErrorSerializer(many=True)


MAX_BULK_ROWS = 10000


class MeasurementBulkView(APIView):
    """Save a team's measurements from its own systems: all rows or none."""

    @extend_schema(
        operation_id="team_measurements_bulk",
        request=BulkRowSerializer(many=True),
        responses={
            200: BulkResultSerializer,
            400: BulkErrorSerializer,
            403: OpenApiResponse(description="Tokenet eller brugeren må ikke skrive for dette team."),
            404: OpenApiResponse(description="Teamet findes ikke eller er ikke synligt."),
        },
        description=(
            "Gemmer en liste af målinger for ét team, alt eller intet, med samme validering og "
            "versionskontrol som indtastning i browseren. Er én række ugyldig, gemmes intet, og "
            "svaret lister alle fejl. Kræver et token med skriveadgang for netop dette team, eller "
            "en bruger, der må indtaste data for teamet."
        ),
    )
    def post(self, request, team_uuid: str):
        # The URL takes any string, so a malformed id gets the API's JSON 404, not Django's HTML page.
        try:
            team_uuid = UUID(team_uuid)
        except ValueError as exc:
            raise NotFound from exc
        token = request_token(request)
        if token is not None:
            team = get_team_for_token(token, team_uuid, write=True).team
            user, source = None, f"api-token:{token.prefix}:{token.name}"[:100]
        else:
            team = get_team_for_user(request.user, team_uuid, write=True).team
            user, source = request.user, "api"
        serializer = BulkRowSerializer(
            data=request.data, many=True, max_length=MAX_BULK_ROWS, allow_empty=False
        )
        if not serializer.is_valid():
            return Response(
                {"errors": serializer_errors(serializer.errors)}, status=status.HTTP_400_BAD_REQUEST
            )
        rows = [
            MeasurementRow(
                indicator_code=item["indicator"],
                period=item["period"],
                numerator=item["numerator"],
                denominator=item["denominator"],
                comment=item["comment"],
                nothing_to_report=item["nothing_to_report"],
                expected_version=item["expected_version"],
                row_number=number,
            )
            for number, item in enumerate(serializer.validated_data, start=1)
        ]
        try:
            result = measurements_bulk_save(team=team, rows=rows, user=user, source=source)
        except BulkValidationError as exc:
            errors = [{"row": e.row_number, "field": e.field, "message": e.message} for e in exc.row_errors]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoValidationError as exc:
            errors = [{"row": None, "field": "", "message": message} for message in exc.messages]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "changed": result.changed, "unchanged": result.unchanged})


def serializer_errors(errors) -> list[dict]:
    """DRF's nested errors as flat {row, field, message} items, like the service's row errors.

    A list serializer reports row errors as a list (one entry per row) or, in newer DRF, as a dict
    keyed by the row's index; errors about the body as a whole come keyed by field name.
    """
    if isinstance(errors, dict):
        items = [(key + 1 if isinstance(key, int) else None, key, value) for key, value in errors.items()]
    else:
        items = [(number, number, value) for number, value in enumerate(errors, start=1)]
    flat: list[dict] = []
    for row, key, value in items:
        fields = value.items() if row is not None and isinstance(value, dict) else [(key, value)]
        for field, messages in fields:
            for message in messages if isinstance(messages, list) else [messages]:
                name = "" if field in ("non_field_errors", None) or isinstance(field, int) else str(field)
                flat.append({"row": row, "field": name, "message": str(message)})
    if not flat:
        flat.append({"row": None, "field": "", "message": gettext("Ugyldige data.")})
    return flat


# ----- chart results -----


class ChartPointSerializer(serializers.Serializer):
    period = MonthField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    y = serializers.FloatField(allow_null=True, help_text="Den plottede værdi; null for manglende måneder.")
    cl = serializers.FloatField(allow_null=True, help_text="Centerlinje.")
    lcl = serializers.FloatField(allow_null=True, help_text="Nedre kontrolgrænse (3 sigma).")
    ucl = serializers.FloatField(allow_null=True, help_text="Øvre kontrolgrænse (3 sigma).")
    lcl_95 = serializers.FloatField(allow_null=True)
    ucl_95 = serializers.FloatField(allow_null=True)
    part = serializers.IntegerField(allow_null=True, help_text="Fase (1, 2, ...).")
    baseline = serializers.BooleanField(allow_null=True)
    include = serializers.BooleanField(allow_null=True, help_text="false: udeladt punkt.")
    runs_signal = serializers.BooleanField(allow_null=True)
    sigma_signal = serializers.BooleanField(allow_null=True)
    n_teams = serializers.IntegerField(
        allow_null=True, help_text="Antal teams med data (kun regional/national)."
    )


class ChartPartSerializer(serializers.Serializer):
    part = serializers.IntegerField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    first_period = MonthField(allow_null=True)
    last_period = MonthField(allow_null=True)
    n_obs = serializers.IntegerField(allow_null=True)
    n_useful = serializers.IntegerField(allow_null=True)
    longest_run = serializers.IntegerField(allow_null=True)
    longest_run_max = serializers.IntegerField(allow_null=True)
    n_crossings = serializers.IntegerField(allow_null=True)
    n_crossings_min = serializers.IntegerField(allow_null=True)
    runs_signal = serializers.BooleanField(allow_null=True)
    sigma_signal = serializers.IntegerField(allow_null=True)
    cl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)


class ChartResultSerializer(ApiModelSerializer):
    network = serializers.CharField(source="network.slug", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    team_uuid = serializers.UUIDField(source="team.uuid", read_only=True, allow_null=True, default=None)
    team_code = serializers.CharField(source="team.code", read_only=True, allow_null=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    region = serializers.SerializerMethodField()
    last_period = MonthField(allow_null=True)
    indicator_version = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()
    classification_reason = serializers.SerializerMethodField()
    baseline_end = serializers.SerializerMethodField()
    target_national = serializers.SerializerMethodField()
    target_local = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    points = serializers.SerializerMethodField()

    class Meta:
        model = ChartResult
        fields = [
            "uuid",
            "scope",
            "network",
            "indicator",
            "indicator_version",
            "team_uuid",
            "team_code",
            "team_name",
            "region",
            "chart_type",
            "unit",
            "direction",
            "variation",
            "assurance",
            "classification_reason",
            "runs_signal",
            "sigma_signal_count",
            "n_points",
            "last_period",
            "baseline_end",
            "target_national",
            "target_local",
            "computed_at",
            "is_stale",
            "engine_version",
            "parts",
            "points",
        ]

    def _chart_data(self, result: ChartResult) -> dict:
        return result.data if isinstance(result.data, dict) else {}

    def get_region(self, result: ChartResult) -> str | None:
        if result.region_id:
            return result.region.name
        if result.team_id:
            return result.team.region.name
        return None

    def get_indicator_version(self, result: ChartResult) -> int | None:
        value = self._chart_data(result).get("indicator_version")
        return value if isinstance(value, int) else None

    def get_unit(self, result: ChartResult) -> str | None:
        return self._chart_data(result).get("unit")

    def get_direction(self, result: ChartResult) -> str | None:
        return self._chart_data(result).get("direction")

    def get_classification_reason(self, result: ChartResult) -> str | None:
        classification = self._chart_data(result).get("classification")
        return classification.get("reason") if isinstance(classification, dict) else None

    @extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "nullable": True})
    def get_baseline_end(self, result: ChartResult) -> str | None:
        value = self._chart_data(result).get("baseline_end")
        return str(value)[:7] if value else None

    def _target(self, result: ChartResult, key: str) -> float | None:
        targets = self._chart_data(result).get("targets")
        value = targets.get(key) if isinstance(targets, dict) else None
        return float(value) if isinstance(value, int | float) else None

    def get_target_national(self, result: ChartResult) -> float | None:
        return self._target(result, "national")

    def get_target_local(self, result: ChartResult) -> float | None:
        return self._target(result, "local")

    @extend_schema_field(ChartPartSerializer(many=True))
    def get_parts(self, result: ChartResult) -> list[dict]:
        parts = [p for p in self._chart_data(result).get("parts", []) if isinstance(p, dict)]
        return ChartPartSerializer(parts, many=True).data

    @extend_schema_field(ChartPointSerializer(many=True))
    def get_points(self, result: ChartResult) -> list[dict]:
        points = [p for p in self._chart_data(result).get("points", []) if isinstance(p, dict)]
        return ChartPointSerializer(points, many=True).data


CHART_POINT_COLUMNS = [
    "chart_uuid",
    "scope",
    "network",
    "indicator",
    "team_uuid",
    "team_code",
    "team_name",
    "region",
    "chart_type",
    "variation",
    "assurance",
    "period",
    "numerator",
    "denominator",
    "y",
    "cl",
    "lcl",
    "ucl",
    "part",
    "baseline",
    "include",
    "runs_signal",
    "sigma_signal",
    "n_teams",
]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Gemte diagramresultater (seriediagram/kontroldiagram) pr. team x indikator, pr. region og "
            "nationalt: klassifikation (variation, målopfyldelse), faser og alle punkter med centerlinje, "
            "kontrolgrænser og signaler. `?format=csv` giver én række pr. punkt."
        ),
        responses={
            200: ChartResultSerializer(many=True),
            400: OpenApiResponse(description="Ugyldigt filter."),
        },
    )
)
class ChartResultViewSet(CSVListMixin, ScopedReadOnlyViewSet):
    queryset = ChartResult.objects.filter(computed_at__isnull=False).select_related(
        "network", "indicator", "team__region", "region"
    )
    serializer_class = ChartResultSerializer
    filterset_class = ChartResultFilter
    lookup_field = "uuid"
    ordering = ("id",)
    csv_name = "chart-points"
    csv_columns = CHART_POINT_COLUMNS

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(
            Q(scope=ChartResult.Scope.TEAM, team__in=visible_teams(self.request))
            | (Q(scope=ChartResult.Scope.REGION) & region_chart_condition(self.request))
            | Q(scope=ChartResult.Scope.NATIONAL, network__in=visible_networks(self.request))
        )

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        for result in queryset.order_by(*self.ordering).iterator(chunk_size=200):
            region = result.region or (result.team.region if result.team else None)
            head = (
                result.uuid,
                result.scope,
                result.network.slug,
                result.indicator.code,
                result.team.uuid if result.team else None,
                result.team.code if result.team else None,
                result.team.name if result.team else None,
                region.name if region else None,
                result.chart_type,
                result.variation,
                result.assurance,
            )
            data = result.data if isinstance(result.data, dict) else {}
            for point in data.get("points", []):
                if not isinstance(point, dict):
                    continue
                yield (
                    *head,
                    str(point.get("period", ""))[:7],
                    *(point.get(key) for key in CHART_POINT_COLUMNS[12:]),
                )


# ----- annotations and PDSA cycles -----


class AnnotationSerializer(ApiModelSerializer):
    network = serializers.CharField(source="team.network.slug", read_only=True)
    team_uuid = serializers.UUIDField(source="team.uuid", read_only=True)
    team_code = serializers.CharField(source="team.code", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Annotation
        fields = [
            "uuid",
            "network",
            "team_uuid",
            "team_code",
            "indicator",
            "date",
            "kind",
            "text",
            "created_at",
        ]


class AnnotationViewSet(ScopedReadOnlyViewSet):
    """Notes on teams' charts (interventions, events)."""

    queryset = Annotation.objects.select_related("team__network", "indicator")
    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    team_field = "team"
    lookup_field = "uuid"
    ordering = ("id",)


class PDSACycleSerializer(ApiModelSerializer):
    network = serializers.CharField(source="team.network.slug", read_only=True)
    team_uuid = serializers.UUIDField(source="team.uuid", read_only=True)
    team_code = serializers.CharField(source="team.code", read_only=True)
    change_idea = serializers.CharField(
        source="change_idea.text", read_only=True, allow_null=True, default=None
    )
    indicators = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = PDSACycle
        fields = [
            "uuid",
            "network",
            "team_uuid",
            "team_code",
            "title",
            "change_idea",
            "objective",
            "question",
            "prediction",
            "plan",
            "do_notes",
            "study_notes",
            "act_notes",
            "decision",
            "status",
            "start_date",
            "end_date",
            "indicators",
            "created_at",
            "updated_at",
        ]


class PDSACycleViewSet(ScopedReadOnlyViewSet):
    """PDSA cycles (tests of change) of the visible teams."""

    queryset = PDSACycle.objects.select_related("team__network", "change_idea").prefetch_related("indicators")
    serializer_class = PDSACycleSerializer
    filterset_class = PDSACycleFilter
    team_field = "team"
    lookup_field = "uuid"
    ordering = ("updated_at", "id")
