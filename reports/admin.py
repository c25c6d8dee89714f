from django.contrib import admin

from lkt.admin import ReadOnlyAdminMixin

from .models import ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Generated reports, read-only (no add, change or delete): a snapshot is the record of what was
    handed out, and its stored bytes are what every later download serves."""

    list_display = ["__str__", "network", "kind", "format", "status", "data_as_of", "requested_by"]
    list_filter = ["network", "kind", "format", "status"]
    exclude = ["chart_results"]
