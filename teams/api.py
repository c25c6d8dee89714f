"""API serializers and viewsets for networks, organisations and teams, and the scoped base viewset.

Every read viewset of every app derives from `ScopedReadOnlyViewSet`, whose `get_queryset` restricts
the rows once, by the token (`Team.objects.visible_to_token`) or the session user
(`Team.objects.visible_to`). No viewset filters for permissions on its own.
"""

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from lkt.api import ApiModelSerializer

from .api_scope import visible_networks, visible_teams
from .filters import NetworkFilter, OrganisationFilter, TeamFilter
from .models import Network, Organisation, Team


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only viewset whose queryset is restricted once to what the token or user may see.

    Set `team_field` to the path of the owning team, or `network_field` to the owning network.
    """

    team_field: str | None = None
    network_field: str | None = None
    # Keyset pagination order (lkt.api.KeysetPagination): the last field is unique, never a sequential id.
    ordering: tuple[str, ...] = ("uuid",)
    # Any segment reaches the view, so a malformed id gets the API's JSON 404, not Django's HTML page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet:
        return self.restrict(super().get_queryset())

    def restrict(self, queryset: QuerySet) -> QuerySet:
        if self.team_field:
            return queryset.filter(**{f"{self.team_field}__in": visible_teams(self.request)})
        if self.network_field:
            return queryset.filter(**{f"{self.network_field}__in": visible_networks(self.request)})
        raise NotImplementedError("set team_field or network_field")


class NetworkSerializer(ApiModelSerializer):
    lead_region = serializers.CharField(source="lead_region.name", read_only=True)

    class Meta:
        model = Network
        fields = [
            "uuid",
            "slug",
            "name",
            "topic",
            "status",
            "lead_region",
            "co_lead",
            "start_date",
            "end_date",
            "approved_on",
            "peer_visibility",
            "reporting_deadline_day",
            "updated_at",
        ]


class OrganisationSerializer(ApiModelSerializer):
    parent_uuid = serializers.UUIDField(source="parent.uuid", read_only=True, allow_null=True, default=None)
    region_uuid = serializers.UUIDField(source="region.uuid", read_only=True, allow_null=True, default=None)
    region = serializers.CharField(source="region.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Organisation
        fields = ["uuid", "name", "short_name", "kind", "sector", "parent_uuid", "region_uuid", "region"]


class TeamSerializer(ApiModelSerializer):
    network = serializers.CharField(source="network.slug", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    region_uuid = serializers.UUIDField(source="region.uuid", read_only=True)
    organisations = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = [
            "uuid",
            "network",
            "code",
            "name",
            "region",
            "region_uuid",
            "organisations",
            "sector",
            "is_cross_sector",
            "is_active",
            "created_at",
        ]

    def get_organisations(self, team: Team) -> list[str]:
        return [organisation.name for organisation in team.organisations.all()]


class NetworkViewSet(ScopedReadOnlyViewSet):
    """Learning and quality teams (LKT) the token or user belongs to."""

    queryset = Network.objects.select_related("lead_region")
    serializer_class = NetworkSerializer
    filterset_class = NetworkFilter
    lookup_field = "slug"
    ordering = ("slug",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(id__in=visible_networks(self.request).values("id"))


class OrganisationViewSet(ScopedReadOnlyViewSet):
    """Organisations of the visible teams and the organisations above them (hospital, region)."""

    queryset = Organisation.objects.select_related("parent", "region")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "uuid"
    ordering = ("uuid",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        teams = visible_teams(self.request)
        ids = set(Organisation.objects.filter(teams__in=teams).values_list("id", flat=True))
        ids |= set(teams.values_list("region_id", flat=True))
        # Walk up to the regions; the tree is a handful of levels deep.
        frontier = set(ids)
        while frontier:
            parents = set(
                Organisation.objects.filter(id__in=frontier, parent__isnull=False).values_list(
                    "parent_id", flat=True
                )
            )
            frontier = parents - ids
            ids |= frontier
        return queryset.filter(id__in=ids)


class TeamViewSet(ScopedReadOnlyViewSet):
    """Improvement teams, by name: the token's network or region, or the teams the user may see by name."""

    queryset = Team.objects.select_related("network", "region").prefetch_related("organisations")
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    lookup_field = "uuid"
    ordering = ("uuid",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(id__in=visible_teams(self.request).values("id"))
