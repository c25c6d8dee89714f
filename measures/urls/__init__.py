from django.urls import include, path

app_name = "measures"

# One URL module per area, so each area's routes sit beside its views (measures/views/<area>.py).
urlpatterns = [
    path("", include("measures.urls.entry")),
    path("", include("measures.urls.dashboards")),
    path("", include("measures.urls.definitions")),
    path("", include("measures.urls.chart_settings")),
    path("", include("measures.urls.improvement")),
]
