from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("lkt/<slug:slug>/rapporter/", views.network_reports, name="network-reports"),
    path("lkt/<slug:slug>/rapporter/ny/", views.snapshot_create, name="snapshot-create"),
    path("lkt/<slug:slug>/datagodkendelse/", views.month_lock, name="month-lock"),
    path("rapporter/<uuid:snapshot_uuid>/", views.snapshot_detail, name="snapshot-detail"),
    path("rapporter/<uuid:snapshot_uuid>/status/", views.snapshot_status, name="snapshot-status"),
    path("rapporter/<uuid:snapshot_uuid>/hent/", views.snapshot_download_named, name="snapshot-download"),
    path(
        "rapporter/<uuid:snapshot_uuid>/hent/anonymiseret/",
        views.snapshot_download_anonymised,
        name="snapshot-download-anonymised",
    ),
]
