from django.contrib import admin
from django.db.models import F
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Annotation,
    ChartResult,
    ChartSettings,
    DriverDiagram,
    DriverNode,
    ExcludedPoint,
    Goal,
    Indicator,
    IndicatorVersion,
    LocalTarget,
    Measurement,
    MonthCompletion,
    PDSACycle,
    PhaseBreak,
    ReminderSent,
)
from .pipeline import chart_series_mark_stale


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "network", "status", "target_deadline"]
    list_filter = ["network", "status", "is_balancing"]
    search_fields = ["title", "description"]


class IndicatorVersionInline(admin.TabularInline):
    model = IndicatorVersion
    extra = 0
    fields = ["version", "name", "published_at", "published_by", "change_note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "network", "kind", "chart_type", "direction", "status", "version"]
    list_filter = ["network", "kind", "chart_type", "direction", "status"]
    search_fields = ["code", "name", "definition"]
    inlines = [IndicatorVersionInline]


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(admin.ModelAdmin):
    """Published definitions are never edited."""

    list_display = ["indicator", "version", "published_at", "published_by"]
    list_filter = ["indicator__network"]
    search_fields = ["indicator__code", "name"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Measurement)
class MeasurementAdmin(SimpleHistoryAdmin):
    list_display = [
        "team",
        "indicator",
        "period",
        "numerator",
        "denominator",
        "nothing_to_report",
        "needs_checking",
        "version",
        "updated_at",
    ]
    list_filter = ["indicator__network", "indicator", "needs_checking", "nothing_to_report", "period"]
    search_fields = ["team__name", "team__code", "indicator__code", "comment"]
    date_hierarchy = "period"
    readonly_fields = ["version", "entered_by", "created_at", "updated_at"]
    autocomplete_fields = ["team", "indicator"]

    def save_model(self, request, obj, form, change) -> None:
        # Admin edits are writes like any other: bump the lock version and mark charts stale.
        obj.entered_by = request.user
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db()
        chart_series_mark_stale(team=obj.team, indicator=obj.indicator)

    def delete_model(self, request, obj) -> None:
        team, indicator = obj.team, obj.indicator
        super().delete_model(request, obj)
        chart_series_mark_stale(team=team, indicator=indicator)


@admin.register(MonthCompletion)
class MonthCompletionAdmin(SimpleHistoryAdmin):
    list_display = ["team", "period", "completed_by", "completed_at"]
    list_filter = ["team__network", "period"]
    search_fields = ["team__name"]


@admin.register(ChartSettings)
class ChartSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["team", "indicator", "baseline_end", "updated_by", "updated_at"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name"]


@admin.register(PhaseBreak)
class PhaseBreakAdmin(SimpleHistoryAdmin):
    list_display = ["team", "indicator", "period", "label"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name", "label"]


@admin.register(ExcludedPoint)
class ExcludedPointAdmin(SimpleHistoryAdmin):
    list_display = ["team", "indicator", "period", "reason"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name", "reason"]


@admin.register(LocalTarget)
class LocalTargetAdmin(SimpleHistoryAdmin):
    list_display = ["team", "indicator", "value", "deadline", "set_by"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name"]


class DriverNodeInline(admin.TabularInline):
    model = DriverNode
    extra = 0
    fields = ["kind", "code", "text", "parent", "order"]


@admin.register(DriverDiagram)
class DriverDiagramAdmin(SimpleHistoryAdmin):
    list_display = ["title", "network", "team", "updated_at"]
    list_filter = ["network"]
    search_fields = ["title", "team__name"]
    inlines = [DriverNodeInline]


@admin.register(DriverNode)
class DriverNodeAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "diagram", "kind", "parent", "order"]
    list_filter = ["kind", "diagram__network"]
    search_fields = ["text", "code"]


@admin.register(PDSACycle)
class PDSACycleAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "status", "decision", "start_date", "end_date"]
    list_filter = ["status", "decision", "team__network"]
    search_fields = ["title", "objective", "team__name"]
    filter_horizontal = ["indicators"]


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = ["date", "team", "indicator", "kind", "text"]
    list_filter = ["kind", "team__network"]
    search_fields = ["text", "team__name"]


@admin.register(ChartResult)
class ChartResultAdmin(admin.ModelAdmin):
    """Computed by the chart jobs; shown for diagnosis only."""

    list_display = ["__str__", "scope", "chart_type", "variation", "assurance", "is_stale", "computed_at"]
    list_filter = ["scope", "network", "variation", "assurance", "is_stale"]
    search_fields = ["team__name", "indicator__code"]
    readonly_fields = [f.name for f in ChartResult._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["team", "period", "sent_at"]
    list_filter = ["period", "team__network"]
    search_fields = ["team__name"]
    readonly_fields = ["team", "period", "sent_at", "recipients"]
