from django.urls import include, path

app_name = "teams"

urlpatterns = [
    path("", include("teams.urls_tokens")),
    path("", include("teams.urls_audit")),
]
