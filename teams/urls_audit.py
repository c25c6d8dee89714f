from django.urls import path

from . import views_audit

urlpatterns = [
    path("lkt/<slug:slug>/eksportlog/", views_audit.export_log, name="export-log"),
]
