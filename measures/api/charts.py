"""API serializers and viewset for stored chart results (classification, parts and points)."""

from collections.abc import Iterator

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from lkt.api import ApiModelSerializer, UTCDateTimeField
from lkt.api_viewsets import CSVListMixin
from teams.access import network_access
from teams.api import ScopedReadOnlyViewSet
from teams.api_scope import region_chart_condition, request_token, visible_networks, visible_teams

from ..filters import ChartResultDeletionFilter, ChartResultFilter
from ..models import ChartResult, ChartResultDeletion, Indicator, PublicationStatus
from ..selectors import funnels
from ..selectors.dashboards import min_pooled_teams_for, pooled_mask
from .common import MonthField


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
    n_active = serializers.IntegerField(
        allow_null=True, required=False, help_text="Antal aktive teams den måned (kun regional/national)."
    )
    provisional = serializers.BooleanField(
        allow_null=True,
        required=False,
        help_text="Foreløbig: under netværkets andel af aktive teams har indberettet; uden for grænser og signaler.",
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
    rule_set = serializers.SerializerMethodField()
    chart_drawn = serializers.SerializerMethodField()
    deviations = serializers.SerializerMethodField()
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
            "rule_set",
            "chart_drawn",
            "deviations",
            "runs_signal",
            "sigma_signal_count",
            "n_points",
            "last_period",
            "baseline_end",
            "target_national",
            "target_local",
            "computed_at",
            "is_stale",
            "synced_at",
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

    @extend_schema_field({"type": "string", "enum": ["anhoej", "mdc"]})
    def get_rule_set(self, result: ChartResult) -> str:
        """The rule set that classified the chart (network setting); charts from before rule sets: anhoej."""
        data = self._chart_data(result)
        return data.get("rule_set") or (data.get("classification") or {}).get("rule_set") or "anhoej"

    @extend_schema_field({"type": "string", "nullable": True})
    def get_chart_drawn(self, result: ChartResult) -> str | None:
        """The chart actually computed: e.g. "up" (Laney u') for a pooled u chart, "xmr_mdc" under mdc."""
        return self._chart_data(result).get("chart_drawn") or result.chart_type

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_deviations(self, result: ChartResult) -> list[str]:
        """Codes of the deviations from a reference package that apply (README, "Statistik")."""
        value = self._chart_data(result).get("deviations")
        return [str(v) for v in value] if isinstance(value, list) else []

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
        data = pooled_for_viewer(self.context.get("request"), result, self._chart_data(result), self.context)
        points = [p for p in data.get("points", []) if isinstance(p, dict)]
        return ChartPointSerializer(points, many=True).data


def pooled_for_viewer(request, result: ChartResult, data: dict, cache: dict) -> dict:
    """A pooled chart as the requester may see it: for a session user who sees peers anonymised,
    months with too few teams are hidden (the k rule for pooled charts, selectors.dashboards);
    tokens (project leadership, regional BI) and team charts are unchanged."""
    if request is None or result.scope == ChartResult.Scope.TEAM or request_token(request) is not None:
        return data
    key = ("min_pooled_teams", result.network_id)
    if key not in cache:
        network = result.network
        cache[key] = min_pooled_teams_for(network, request.user, network_access(request.user, network))
    return pooled_mask(data, cache[key])[0]


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
            "kontrolgrænser og signaler. `?format=csv` giver én række pr. punkt.\n\n"
            "**Ændringskontrakt.** Sorteret efter (`synced_at`, `uuid`) med nøglebaseret sideinddeling. "
            "`synced_at` flyttes frem ved hver ny beregning, når diagrammet markeres forældet "
            "(`is_stale`), og når team-, regions-, LKT- eller indikatorfelter i rækken ændres; hent "
            "inkrementelt med `updated_since`, og hent sletninger fra `/api/v1/chart-result-deletions/` med "
            "samme `updated_since` (et diagram slettes, når dets team, region eller indikator slettes); "
            "anvend sletninger først. Nøglen er `uuid`."
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
    ordering = ("synced_at", "uuid")
    csv_name = "chart-points"
    csv_columns = CHART_POINT_COLUMNS

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(
            Q(scope=ChartResult.Scope.TEAM, team__in=visible_teams(self.request))
            | (Q(scope=ChartResult.Scope.REGION) & region_chart_condition(self.request))
            | Q(scope=ChartResult.Scope.NATIONAL, network__in=visible_networks(self.request))
        )

    def csv_chunks(self, queryset: QuerySet) -> Iterator[bytes]:
        from .charts_export import chart_point_csv_chunks

        return chart_point_csv_chunks(self.csv_columns, queryset, self.request)

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        """The Python path (reference for the fast paths' bytes; see charts_export)."""
        cache: dict = {}
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
            data = pooled_for_viewer(self.request, result, data, cache)
            for point in data.get("points", []):
                if not isinstance(point, dict):
                    continue
                yield (
                    *head,
                    str(point.get("period", ""))[:7],
                    *(point.get(key) for key in CHART_POINT_COLUMNS[12:]),
                )


class ChartResultDeletionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="Det slettede diagramresultats uuid.")
    scope = serializers.ChoiceField(choices=ChartResult.Scope.choices)
    network = serializers.CharField(source="network_slug", help_text="LKT'ets slug.")
    indicator = serializers.CharField(source="indicator_code", help_text="Indikatorens kode.")
    team_uuid = serializers.UUIDField(allow_null=True)
    team_code = serializers.CharField(allow_blank=True)
    deleted_at = UTCDateTimeField()


@extend_schema_view(
    list=extend_schema(
        description=(
            "Sletninger af diagramresultater (tombstones). En inkrementel klient henter dem med "
            "`updated_since` og sletter diagrammerne med samme `uuid` før ændringerne fra "
            "`/api/v1/chart-results/`. Sorteret efter (`deleted_at`, `uuid`) med nøglebaseret "
            "sideinddeling."
        ),
        responses={
            200: ChartResultDeletionSerializer(many=True),
            400: OpenApiResponse(description="Ugyldigt filter."),
        },
    )
)
class ChartResultDeletionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ChartResultDeletion.objects.all()
    serializer_class = ChartResultDeletionSerializer
    filterset_class = ChartResultDeletionFilter
    ordering = ("deleted_at", "uuid")

    def get_queryset(self) -> QuerySet:
        """The tombstones of charts the requester could see, from the ids they keep (the team or
        region may be gone): a token by its network and region, a user as ChartResultViewSet."""
        queryset = super().get_queryset()
        token = request_token(self.request)
        if token is not None:
            queryset = queryset.filter(network_id=token.network_id)
            if token.region_id is not None:
                queryset = queryset.filter(Q(scope=ChartResult.Scope.NATIONAL) | Q(region_id=token.region_id))
            return queryset
        return queryset.filter(
            Q(scope=ChartResult.Scope.TEAM, team__in=visible_teams(self.request))
            | (Q(scope=ChartResult.Scope.REGION) & region_chart_condition(self.request))
            | Q(scope=ChartResult.Scope.NATIONAL, network__in=visible_networks(self.request))
        )


class IndicatorFunnelView(APIView):
    """The funnel plot of one indicator over the last 3, 6 or 12 complete months, as data."""

    @extend_schema(
        operation_id="indicator_funnel",
        parameters=[],
        responses={
            200: OpenApiResponse(
                description=(
                    "Tragtdiagram (FunnelPlotR-modeller): netværkets niveau (`target`), phi og tau², om "
                    "grænserne er justeret (`adjusted`), en `note` (`few_units`, `no_overdispersion`, "
                    "`degenerate`), ét element pr. team (værdi, nævner, grænser ved teamets nævner, `flag`: "
                    "`high_outlier`/`low_outlier` uden for 99,8 %, `high_warning`/`low_warning` uden for 95 %) "
                    "og kurven (`curve`). `?months=3|6|12` (standard 12). Teams vises som brugeren eller "
                    'tokenet må se dem (anonymiserede teams som "Team A"); skjulte teams indgår kun i '
                    "niveauet og grænserne."
                )
            ),
            404: OpenApiResponse(
                description="Indikatoren findes ikke, er ikke synlig eller har ikke et tragtdiagram."
            ),
        },
    )
    def get(self, request, indicator_uuid: str):
        try:
            indicator = Indicator.objects.select_related("network").get(
                uuid=indicator_uuid,
                status=PublicationStatus.PUBLISHED,
                network__in=visible_networks(request),
            )
        except (Indicator.DoesNotExist, ValueError, DjangoValidationError) as exc:
            raise NotFound from exc
        if funnels.funnel_model(indicator) is None:
            raise NotFound("Indikatoren har ikke et tragtdiagram (kun p-, p'-, u- og u'-indikatorer).")
        try:
            months = int(request.query_params.get("months", funnels.DEFAULT_FUNNEL_MONTHS))
        except ValueError:
            months = 0
        if months not in funnels.FUNNEL_MONTHS:
            raise ValidationError({"months": "3, 6 eller 12."})
        network = indicator.network
        token = request_token(request)
        if token is not None:
            view = funnels.network_funnel(
                network=network,
                indicator=indicator,
                user=None,
                access=None,
                months=months,
                labels=funnels.named_labels(visible_teams(request).filter(network=network)),
            )
        else:
            view = funnels.network_funnel(
                network=network,
                indicator=indicator,
                user=request.user,
                access=network_access(request.user, network),
                months=months,
            )
        payload = {
            "network": network.slug,
            "indicator": indicator.code,
            "periods": [] if view is None else [p.isoformat()[:7] for p in view.periods],
            "reference": "FunnelPlotR 0.6.0 (PR: proportions, SR/SHMI: rates)",
            "funnel": None if view is None else view.chart.to_dict(),
            "own": [] if view is None else sorted(view.own_labels),
            "outliers_text": [] if view is None else view.outliers_text,
        }
        return Response(payload)
