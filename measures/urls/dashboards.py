from django.urls import path

from ..views import dashboards

# The start page ("home") is routed in lkt/urls.py, outside the namespace.
urlpatterns = [
    path("lkt/<slug:slug>/", dashboards.network_dashboard, name="network-dashboard"),
    path(
        "lkt/<slug:slug>/smaa-diagrammer/",
        dashboards.network_small_multiples,
        name="network-small-multiples",
    ),
    path("teams/<uuid:team_uuid>/", dashboards.team_dashboard, name="team-dashboard"),
    path(
        "teams/<uuid:team_uuid>/indikatorer/<uuid:indicator_uuid>/",
        dashboards.indicator_dashboard,
        name="indicator-dashboard",
    ),
    path("teams/<uuid:team_uuid>/rapport/", dashboards.team_report, name="team-report"),
    path("lkt/<slug:slug>/maal/<uuid:goal_uuid>/", dashboards.goal_dashboard, name="goal-dashboard"),
    path("lkt/<slug:slug>/rapport/", dashboards.network_report, name="network-report"),
]
