"""API serializers and viewsets for seminars (programme data only: no registrations, no personal data)."""

from rest_framework import serializers

from lkt.api import ApiModelSerializer
from teams.api import ScopedReadOnlyViewSet

from .filters import SeminarFilter
from .models import Seminar


class SeminarSerializer(ApiModelSerializer):
    network = serializers.CharField(source="network.slug", read_only=True)

    class Meta:
        model = Seminar
        fields = [
            "uuid",
            "network",
            "kind",
            "number",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "address",
            "online_url",
            "audience",
            "capacity",
            "updated_at",
        ]


class SeminarViewSet(ScopedReadOnlyViewSet):
    """Seminars of the visible networks."""

    queryset = Seminar.objects.select_related("network")
    serializer_class = SeminarSerializer
    filterset_class = SeminarFilter
    network_field = "network"
    lookup_field = "uuid"
    ordering = ("starts_at", "uuid")
