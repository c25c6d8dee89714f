from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from teams.admin import TeamAdmin
from teams.models import Team

from .models import (
    Annotation,
    ChartResult,
    ChartSettings,
    DriverDiagram,
    DriverNode,
    ExcludedPoint,
    Goal,
    Indicator,
    IndicatorDraft,
    IndicatorVersion,
    LocalTarget,
    Measurement,
    MonthCompletion,
    PDSACycle,
    PhaseBreak,
    RefusedMeasurement,
    ReminderSent,
)
from .services.charts import team_region_move
from .services.entry import measurement_delete, measurement_errors, measurement_save


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


@admin.register(IndicatorDraft)
class IndicatorDraftAdmin(SimpleHistoryAdmin):
    """Pending next versions of published indicators; published from the expert pages, not here."""

    list_display = ["indicator", "updated_by", "updated_at"]
    list_filter = ["indicator__network"]
    search_fields = ["indicator__code", "name"]


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(admin.ModelAdmin):
    """Published definitions are never edited."""

    list_display = ["indicator", "version", "published_at", "published_by"]
    list_filter = ["indicator__network"]
    search_fields = ["indicator__code", "name"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MeasurementAdminForm(forms.ModelForm):
    """Admin edits are validated by the same rules as the grid and the upload."""

    class Meta:
        model = Measurement
        fields = [
            "team", "indicator", "period", "numerator", "denominator", "nothing_to_report", "comment",
            "needs_checking",
        ]

    def clean(self):
        data = super().clean()
        team = data.get("team") or getattr(self.instance, "team", None)
        indicator = data.get("indicator") or getattr(self.instance, "indicator", None)
        period = data.get("period") or self.instance.period
        if team and indicator and period:
            errors = measurement_errors(
                team=team,
                indicator=indicator,
                period=period,
                numerator=data.get("numerator"),
                denominator=data.get("denominator"),
                nothing_to_report=data.get("nothing_to_report", False),
                comment=data.get("comment", ""),
            )
            for name, messages in errors.items():
                self.add_error(name if name in self.fields else None, messages)
        return data


@admin.register(Measurement)
class MeasurementAdmin(SimpleHistoryAdmin):
    form = MeasurementAdminForm
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

    def get_readonly_fields(self, request, obj=None):
        # The cell a value belongs to is fixed once stored; a wrong cell is deleted and re-entered.
        if obj is not None:
            return [*self.readonly_fields, "team", "indicator", "period"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        # Through the service like every other write: version check, history with the user, stale charts.
        saved = measurement_save(
            team=obj.team,
            indicator=obj.indicator,
            period=obj.period,
            numerator=obj.numerator,
            denominator=obj.denominator,
            comment=obj.comment,
            nothing_to_report=obj.nothing_to_report,
            needs_checking=obj.needs_checking,
            expected_version=obj.version if change else None,
            user=request.user,
            source="admin",
        )
        obj.pk, obj.version = saved.pk, saved.version

    def delete_model(self, request, obj) -> None:
        measurement_delete(measurement=obj, expected_version=obj.version, user=request.user, source="admin")

    def delete_queryset(self, request, queryset) -> None:
        for measurement in queryset.select_related("team", "indicator"):
            measurement_delete(
                measurement=measurement, expected_version=measurement.version, user=request.user, source="admin"
            )


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


@admin.register(RefusedMeasurement)
class RefusedMeasurementAdmin(admin.ModelAdmin):
    """Saves refused because they started from an old version: kept so nothing typed is lost."""

    list_display = ["team", "indicator", "period", "numerator", "denominator", "attempted_by", "attempted_at", "source"]
    list_filter = ["indicator__network", "source"]
    search_fields = ["team__name", "indicator__code", "comment"]
    readonly_fields = [f.name for f in RefusedMeasurement._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


# The teams app is the base and never imports measures; its Team admin is extended here so that a
# team moved between regions recomputes both regions' charts at once.
admin.site.unregister(Team)


@admin.register(Team)
class TeamWithChartsAdmin(TeamAdmin):
    def save_model(self, request, obj, form, change):
        new_region = obj.region
        if change and "region" in form.changed_data:
            obj.region_id = Team.objects.values_list("region_id", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            moved = team_region_move(team=obj, region=new_region, user=request.user)
            obj.region = moved.region
            return
        super().save_model(request, obj, form, change)
