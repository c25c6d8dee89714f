"""REST API of the clusters app: clusters, packages, meetings and cluster/practice-level indicators.

Never prescriber figures, for anyone (they are personal data about doctors and stay in the HTML pages
inside the cluster). Tokens of the cluster's LKT (narrowed to their region) and the roles
clusters.access names see their clusters; practices are named for tokens and outside roles and
anonymised ("Praksis A") for members of the cluster, except their own practice.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from lkt.api import ApiModelSerializer
from teams.api import ScopedReadOnlyViewSet
from teams.api_scope import request_token

from . import indicators as ind
from .access import cluster_access, practice_labels
from .filters import ClusterFilter, MeetingFilter, PackageFilter
from .models import Cluster, Extract, Meeting, Package, PackageItem, Practice
from .selectors import extract_frame, group_defs


def visible_clusters(request) -> QuerySet[Cluster]:
    token = request_token(request)
    if token is not None:
        return Cluster.objects.visible_to_token(token)
    return Cluster.objects.visible_to(request.user)


class ClusterSerializer(ApiModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)
    network = serializers.CharField(source="network.slug", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Cluster
        fields = ["uuid", "slug", "name", "region", "network", "created_at"]


class PackageItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PackageItem
        fields = ["kind", "order", "text", "url", "actor"]


class PackageSerializer(ApiModelSerializer):
    provider = serializers.CharField(source="provider.name", read_only=True)
    items = PackageItemSerializer(many=True, read_only=True)

    class Meta:
        model = Package
        fields = [
            "uuid",
            "slug",
            "title",
            "subtitle",
            "provider",
            "revised_on",
            "introduction",
            "why_important",
            "what_to_expect",
            "method",
            "duration_minutes",
            "price",
            "provider_text",
            "contact_email",
            "contact_text",
            "extract_lead_days",
            "follow_up_min_months",
            "goal_levels",
            "items",
            "updated_at",
        ]


class MeetingSerializer(ApiModelSerializer):
    cluster = serializers.CharField(source="cluster.slug", read_only=True)
    package = serializers.CharField(source="package.slug", read_only=True)
    follows = serializers.UUIDField(source="follows.uuid", read_only=True, allow_null=True, default=None)
    extract_deadline = serializers.DateField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "uuid",
            "cluster",
            "package",
            "kind",
            "follows",
            "date",
            "status",
            "extract_deadline",
            "extract_requested_on",
            "comparison",
            "updated_at",
        ]


class ClusterViewSet(ScopedReadOnlyViewSet):
    """GP clusters (praksisklynger) the token or user may see."""

    queryset = Cluster.objects.select_related("region", "network")
    serializer_class = ClusterSerializer
    filterset_class = ClusterFilter
    lookup_field = "slug"
    ordering = ("slug",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(id__in=visible_clusters(self.request).values("id"))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def indicators(self, request, slug=None):
        """Monthly indicators of the cluster and each practice from the latest extract: prescriptions (J01), person-years,
        prescriptions per 1,000 listed patients per year (crude), shares of penicillin V and of critically important groups."""
        cluster = self.get_object()
        extract = Extract.objects.filter(cluster=cluster).order_by("-uploaded_at").first()
        if extract is None:
            return Response({"cluster": cluster.slug, "extract": None, "rows": []})
        provider_id = extract.meeting.package.provider_id if extract.meeting_id else None
        groups = group_defs(provider_id) if provider_id else []
        frame = extract_frame([extract], with_prescribers=False)
        series = ind.monthly(ind.with_groups(frame, groups)) if not frame.empty else frame
        practices = list(Practice.objects.filter(cluster=cluster))
        if request_token(request) is not None:
            names = {p.id: (p.name, p.code, str(p.uuid)) for p in practices}
        else:
            access = cluster_access(request.user, cluster)
            labels = practice_labels(access, practices)
            # Anonymised practices carry no code or UUID: they would identify the practice.
            names = {
                p.id: (
                    labels[p.id].label,
                    p.code if labels[p.id].is_named else None,
                    str(p.uuid) if labels[p.id].is_named else None,
                )
                for p in practices
            }
        rows = []
        for record in series.itertuples(index=False):
            unit = str(record.unit)
            if unit.startswith("prescriber:"):
                continue
            label, code, uuid = (None, None, None)
            if unit.startswith("practice:"):
                label, code, uuid = names[int(unit.split(":")[1])]
            scope = unit.split(":")[0]
            rows.append(
                {
                    "scope": scope,
                    "practice": label,
                    "practice_code": code,
                    "practice_uuid": uuid,
                    "period": record.period.date().isoformat(),
                    "prescriptions": _number(record.prescriptions),
                    "person_years": _number(record.person_years),
                    "rate_per_1000_per_year": _number(record.rate),
                    "share_penicillin_v": _number(record.narrow_share),
                    "share_critically_important": _number(record.critical_share),
                }
            )
        return Response({"cluster": cluster.slug, "extract": str(extract.uuid), "crude": True, "rows": rows})


def _number(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else round(value, 6)


class PackageViewSet(ScopedReadOnlyViewSet):
    """Published cluster packages (klyngepakker)."""

    queryset = Package.objects.select_related("provider").prefetch_related("items")
    serializer_class = PackageSerializer
    filterset_class = PackageFilter
    lookup_field = "slug"
    ordering = ("slug",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(is_published=True)


class MeetingViewSet(ScopedReadOnlyViewSet):
    """Cluster meetings of the visible clusters, with the extract deadline (no discussion, no goals)."""

    queryset = Meeting.objects.select_related("cluster", "package", "follows")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    lookup_field = "uuid"
    ordering = ("id",)

    def restrict(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(cluster__in=visible_clusters(self.request))
