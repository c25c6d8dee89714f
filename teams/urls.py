from django.urls import include, path

from . import views

app_name = "teams"

urlpatterns = [
    path("lkt/<slug:slug>/", views.network_detail, name="network-detail"),
    path("teams/<uuid:team_uuid>/", views.team_detail, name="team-detail"),
    path("", include("teams.urls_tokens")),
]
