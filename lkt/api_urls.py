"""The REST API for regional BI tools, version 1."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from clusters.api import ClusterViewSet, MeetingViewSet, PackageViewSet
from measures.api import (
    AnnotationViewSet,
    ChartResultDeletionViewSet,
    ChartResultViewSet,
    GoalViewSet,
    IndicatorFunnelView,
    IndicatorViewSet,
    MeasurementBulkView,
    MeasurementDeletionViewSet,
    MeasurementViewSet,
    PDSACycleViewSet,
)
from seminars.api import SeminarViewSet
from teams.api import NetworkViewSet, OrganisationViewSet, TeamViewSet

app_name = "api-v1"

router = SimpleRouter()
router.register("networks", NetworkViewSet, basename="network")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("teams", TeamViewSet, basename="team")
router.register("goals", GoalViewSet, basename="goal")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("measurement-deletions", MeasurementDeletionViewSet, basename="measurement-deletion")
router.register("chart-results", ChartResultViewSet, basename="chart-result")
router.register("chart-result-deletions", ChartResultDeletionViewSet, basename="chart-result-deletion")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("pdsa-cycles", PDSACycleViewSet, basename="pdsa-cycle")
router.register("seminars", SeminarViewSet, basename="seminar")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("cluster-packages", PackageViewSet, basename="cluster-package")
router.register("cluster-meetings", MeetingViewSet, basename="cluster-meeting")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a separate file: no inline script, so it works
    # under our Content-Security-Policy (script-src 'self').
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-v1:schema"), name="docs"),
    path("indicators/<str:indicator_uuid>/funnel/", IndicatorFunnelView.as_view(), name="indicator-funnel"),
    path(
        "teams/<str:team_uuid>/measurements/bulk/",
        MeasurementBulkView.as_view(),
        name="team-measurements-bulk",
    ),
    *router.urls,
]
