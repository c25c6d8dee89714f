"""A team's chart settings (baseline, phase breaks, excluded points) and annotations.

Phase breaks and excluded points are keyed by their month ("2025-01"), never by a sequential id.
"""

from django.urls import path

from ..views import chart_settings

_SERIES = "teams/<uuid:team_uuid>/indikatorer/<uuid:indicator_uuid>"

urlpatterns = [
    path(f"{_SERIES}/indstillinger/", chart_settings.chart_settings_edit, name="chart-settings"),
    path(f"{_SERIES}/faseskift/", chart_settings.phase_break_add, name="phase-break-add"),
    path(
        f"{_SERIES}/faseskift/<str:period>/slet/",
        chart_settings.phase_break_remove,
        name="phase-break-remove",
    ),
    path(f"{_SERIES}/udeladte/", chart_settings.excluded_point_add, name="excluded-point-add"),
    path(
        f"{_SERIES}/udeladte/<str:period>/slet/",
        chart_settings.excluded_point_remove,
        name="excluded-point-remove",
    ),
    path("teams/<uuid:team_uuid>/kommentarer/", chart_settings.annotation_create, name="annotation-create"),
    path(
        "teams/<uuid:team_uuid>/kommentarer/<uuid:annotation_uuid>/slet/",
        chart_settings.annotation_delete,
        name="annotation-delete",
    ),
]
