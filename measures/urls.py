from django.urls import include, path

app_name = "measures"

# One URL module per area, so each area's routes sit beside its views (measures/views/<area>.py).
urlpatterns = [
    path("", include("measures.urls_entry")),
    path("", include("measures.urls_dashboards")),
    path("", include("measures.urls_expert")),
    path("", include("measures.urls_chart_settings")),
]
