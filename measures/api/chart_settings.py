"""API serializers and viewsets for annotations and PDSA cycles of the visible teams."""

from rest_framework import serializers

from lkt.api import ApiModelSerializer
from teams.api import ScopedReadOnlyViewSet

from ..filters import AnnotationFilter, PDSACycleFilter
from ..models import Annotation, PDSACycle


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
    ordering = ("uuid",)


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
    ordering = ("uuid",)
