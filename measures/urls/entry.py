from django.urls import path

from ..views import entry, entry_grid

# Under the "measures" namespace (measures/urls.py).
urlpatterns = [
    path("teams/<uuid:team_uuid>/data/", entry_grid.entry_grid, name="entry-grid"),
    path("teams/<uuid:team_uuid>/data/gem/", entry.entry_save, name="entry-save"),
    path("teams/<uuid:team_uuid>/data/gem-maaned/", entry.entry_save_month, name="entry-save-month"),
    path("teams/<uuid:team_uuid>/data/historik/", entry.entry_team_history, name="entry-team-history"),
    path(
        "teams/<uuid:team_uuid>/data/historik/<uuid:indicator_uuid>/<int:year>/<int:month>/",
        entry.entry_history,
        name="entry-history",
    ),
    path("teams/<uuid:team_uuid>/data/maaned/", entry.entry_month_complete, name="entry-month-complete"),
    path("teams/<uuid:team_uuid>/data/upload/", entry.entry_upload, name="entry-upload"),
    path(
        "teams/<uuid:team_uuid>/data/upload/bekraeft/",
        entry.entry_upload_confirm,
        name="entry-upload-confirm",
    ),
    path("teams/<uuid:team_uuid>/data/skabelon/", entry.entry_template, name="entry-template"),
    path("lkt/<slug:slug>/datakomplethed/", entry.completeness, name="completeness"),
]
