"""API serializers and viewsets for goals and indicators (with their published versions)."""

from rest_framework import serializers

from lkt.api import ApiModelSerializer
from teams.api import ScopedReadOnlyViewSet

from ..filters import GoalFilter, IndicatorFilter
from ..models import Goal, Indicator, IndicatorVersion
from .common import VISIBLE_STATUSES


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
    shown_decimals = serializers.IntegerField(
        read_only=True,
        help_text="Decimals values are shown with: `decimals`, or the default when it is null.",
    )

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
            "decimals",
            "shown_decimals",
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
    shown_decimals = serializers.IntegerField(
        read_only=True,
        help_text="Decimals values are shown with: `decimals`, or the default when it is null.",
    )

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
            "decimals",
            "shown_decimals",
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
