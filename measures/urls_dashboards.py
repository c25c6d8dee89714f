from django.urls import path

from .views import dashboards

# The team dashboard and the network dashboard are teams:team-detail and teams:network-detail.
urlpatterns = [
    path(
        "teams/<uuid:team_uuid>/indikatorer/<uuid:indicator_uuid>/",
        dashboards.indicator_dashboard,
        name="indicator-dashboard",
    ),
    path("teams/<uuid:team_uuid>/rapport/", dashboards.team_report, name="team-report"),
    path("lkt/<slug:slug>/maal/<uuid:goal_uuid>/", dashboards.goal_dashboard, name="goal-dashboard"),
    path("lkt/<slug:slug>/rapport/", dashboards.network_report, name="network-report"),
]
