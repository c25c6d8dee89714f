from django.contrib import admin

from .models import ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    """Generated reports, read-only: a snapshot is a record of what was handed out."""

    list_display = ["__str__", "network", "kind", "format", "status", "data_as_of", "requested_by"]
    list_filter = ["network", "kind", "format", "status"]
    exclude = ["chart_results"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
