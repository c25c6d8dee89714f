"""API filters for goals, indicators, measurements, deletions, chart results, annotations and PDSA cycles."""

from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from teams.filters import UpdatedSinceFilter, by_code_or_uuid, by_region
from teams.models import Team

from .models import (
    Annotation,
    ChartResult,
    ChartResultDeletion,
    Goal,
    Indicator,
    Measurement,
    PDSACycle,
    TeamDeletion,
)
from .months import parse_month_key

HistoricalMeasurement = Measurement.history.model


def parse_month(value: str) -> date:
    """ "2025-03" -> date(2025, 3, 1); anything else is a validation error (400)."""
    period = parse_month_key(value)
    if period is None:
        raise ValidationError(_("Angiv måneden som ÅÅÅÅ-MM, fx 2025-03."))
    return period


class MonthField(forms.CharField):
    def to_python(self, value) -> date | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return parse_month(value)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthFilter(django_filters.Filter):
    """A month as YYYY-MM, compared with a DateField holding day 1 of the month."""

    field_class = MonthField


class TeamScopedFilter(django_filters.FilterSet):
    """network (slug), team (code or UUID) and region (UUID or name) for rows owned by a team."""

    network = django_filters.CharFilter(field_name="team__network__slug", help_text="LKT'ets slug.")
    team = django_filters.CharFilter(method="filter_team", help_text="Teamets kode eller UUID.")
    region = django_filters.CharFilter(method="filter_region", help_text="Regionens UUID eller navn.")

    def filter_team(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_code_or_uuid("team__", value))

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_region("team__region__", value))


class GoalFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", help_text="LKT'ets slug.")

    class Meta:
        model = Goal
        fields = ["network"]


class IndicatorFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", help_text="LKT'ets slug.")
    code = django_filters.CharFilter(field_name="code")

    # Full refresh only (see the API description): no updated_since that could miss a change.
    class Meta:
        model = Indicator
        fields = ["network", "code"]


class MeasurementFilter(TeamScopedFilter):
    indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Indikatorens kode.")
    period_from = MonthFilter(field_name="period", lookup_expr="gte", help_text="Første måned, ÅÅÅÅ-MM.")
    period_to = MonthFilter(field_name="period", lookup_expr="lte", help_text="Sidste måned, ÅÅÅÅ-MM.")
    updated_since = UpdatedSinceFilter(
        field_name="synced_at",
        lookup_expr="gte",
        help_text=(
            "Kun rækker, hvis indhold er ændret siden (ISO 8601; sammenlignes med synced_at). "
            "Hent sletninger fra /measurement-deletions/."
        ),
    )

    class Meta:
        model = Measurement
        fields = ["network", "team", "region", "indicator", "period_from", "period_to", "updated_since"]


class MeasurementDeletionFilter(TeamScopedFilter):
    """Also finds the tombstones of a deleted team by what it was (see TeamDeletion); the view has
    already narrowed the rows to what the requester may see."""

    network = django_filters.CharFilter(method="filter_network", help_text="LKT'ets slug.")

    # Subqueries, not joins: the history's team reference may point to no team, and a join on it
    # (never promoted to an outer join, the reference is not nullable) would drop those rows.
    def filter_network(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(self._teams(network__slug=value) | self._gone(network_slug=value))

    def filter_team(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(
            self._teams(by_code_or_uuid("", value)) | self._gone(by_code_or_uuid("team_", value))
        )

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(self._teams(by_region("region__", value)) | self._gone(by_region("region__", value)))

    @staticmethod
    def _teams(*conditions: Q, **lookups) -> Q:
        return Q(team_id__in=Team.objects.filter(*conditions, **lookups).values("id"))

    @staticmethod
    def _gone(*conditions: Q, **lookups) -> Q:
        return Q(team_id__in=TeamDeletion.objects.filter(*conditions, **lookups).values("team_id"))

    indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Indikatorens kode.")
    period_from = MonthFilter(field_name="period", lookup_expr="gte", help_text="Første måned, ÅÅÅÅ-MM.")
    period_to = MonthFilter(field_name="period", lookup_expr="lte", help_text="Sidste måned, ÅÅÅÅ-MM.")
    updated_since = UpdatedSinceFilter(
        field_name="history_date", lookup_expr="gte", help_text="Kun sletninger siden (ISO 8601)."
    )
    deleted_since = UpdatedSinceFilter(
        field_name="history_date", lookup_expr="gte", help_text="Samme som updated_since."
    )

    class Meta:
        model = HistoricalMeasurement
        fields = ["network", "team", "region", "indicator", "period_from", "period_to", "updated_since"]


class ChartResultFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", help_text="LKT'ets slug.")
    scope = django_filters.ChoiceFilter(choices=ChartResult.Scope.choices)
    team = django_filters.CharFilter(method="filter_team", help_text="Teamets kode eller UUID.")
    region = django_filters.CharFilter(
        method="filter_region", help_text="Regionens UUID eller navn (teams i regionen og regionens diagram)."
    )
    indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Indikatorens kode.")
    updated_since = UpdatedSinceFilter(
        field_name="synced_at",
        lookup_expr="gte",
        help_text="Kun diagrammer, hvis indhold (beregning, forældet-markering, team-/regionsfelter) er ændret siden.",
    )

    class Meta:
        model = ChartResult
        fields = ["network", "scope", "team", "region", "indicator", "updated_since"]

    def filter_team(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_code_or_uuid("team__", value))

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_region("team__region__", value) | by_region("region__", value))


class ChartResultDeletionFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network_slug", help_text="LKT'ets slug.")
    scope = django_filters.ChoiceFilter(choices=ChartResult.Scope.choices)
    indicator = django_filters.CharFilter(field_name="indicator_code", help_text="Indikatorens kode.")
    updated_since = UpdatedSinceFilter(
        field_name="deleted_at", lookup_expr="gte", help_text="Kun sletninger siden (ISO 8601)."
    )
    deleted_since = UpdatedSinceFilter(
        field_name="deleted_at", lookup_expr="gte", help_text="Samme som updated_since."
    )

    class Meta:
        model = ChartResultDeletion
        fields = ["network", "scope", "indicator", "updated_since", "deleted_since"]


class AnnotationFilter(TeamScopedFilter):
    indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Indikatorens kode.")

    class Meta:
        model = Annotation
        fields = ["network", "team", "region", "indicator"]


class PDSACycleFilter(TeamScopedFilter):
    indicator = django_filters.CharFilter(field_name="indicators__code", distinct=True)
    status = django_filters.ChoiceFilter(choices=PDSACycle.Status.choices)

    class Meta:
        model = PDSACycle
        fields = ["network", "team", "region", "indicator", "status"]
