from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from lkt.admin import NoHistoryRevertMixin, ReadOnlyAdminMixin
from teams.admin import TeamAdmin
from teams.models import Team

from .models import (
    Annotation,
    ChartResult,
    ChartResultDeletion,
    ChartSettings,
    ChartStaleMark,
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
    MonthLock,
    PDSACycle,
    PhaseBreak,
    RefusedMeasurement,
    ReminderSent,
    TeamDeletion,
)
from .services.charts import team_region_move
from .services.entry import (
    MeasurementBusy,
    MeasurementConflict,
    measurement_delete,
    measurement_errors,
    measurement_refuse_if_locked,
    measurement_save,
)

# Every model but Measurement is read-only here: their writes go through services (the versioning
# of published indicators, the chart settings' rules, stale charts, history with the user), which
# the product's pages call. Measurement edits are routed through the entry services below.


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "network", "status", "target_deadline"]
    list_filter = ["network", "status", "is_balancing"]
    search_fields = ["title", "description"]


class IndicatorVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IndicatorVersion
    extra = 0
    fields = ["version", "name", "published_at", "published_by", "change_note"]
    readonly_fields = fields


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "network", "kind", "chart_type", "direction", "status", "version"]
    list_filter = ["network", "kind", "chart_type", "direction", "status"]
    search_fields = ["code", "name", "definition"]
    inlines = [IndicatorVersionInline]


@admin.register(IndicatorDraft)
class IndicatorDraftAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Pending next versions of published indicators; edited and published on the expert pages."""

    list_display = ["indicator", "updated_by", "updated_at"]
    list_filter = ["indicator__network"]
    search_fields = ["indicator__code", "name"]


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Published definitions are never edited (made by services.definitions.indicator_publish)."""

    list_display = ["indicator", "version", "published_at", "published_by"]
    list_filter = ["indicator__network"]
    search_fields = ["indicator__code", "name"]


class MeasurementAdminForm(forms.ModelForm):
    """Admin edits are validated by the same rules as the grid and the upload."""

    user = None  # set per request by MeasurementAdmin.get_form
    # The version the page showed: a value changed by someone else since is refused (409), not overwritten.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    class Meta:
        model = Measurement
        fields = [
            "team",
            "indicator",
            "period",
            "numerator",
            "denominator",
            "nothing_to_report",
            "comment",
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
            if not errors and self.instance.pk:
                # A locked month is refused here, as a form error (a 500 from save_model would lose
                # the input); the refusal is kept in RefusedMeasurement like on every other path.
                try:
                    measurement_refuse_if_locked(
                        measurement=self.instance,
                        numerator=data.get("numerator"),
                        denominator=data.get("denominator"),
                        nothing_to_report=data.get("nothing_to_report", False),
                        comment=data.get("comment", ""),
                        user=self.user,
                        source="admin",
                    )
                except MeasurementConflict as refused:
                    self.add_error(None, refused.messages)
        return data


@admin.register(Measurement)
class MeasurementAdmin(NoHistoryRevertMixin, SimpleHistoryAdmin):
    # No revert: it would save a historical row around the service (no version check, no stale
    # charts); an admin re-enters the old value instead.

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
    list_filter = [
        "indicator__network",
        "indicator",
        "needs_checking",
        "entered_after_lock",
        "nothing_to_report",
        "period",
    ]
    search_fields = ["team__name", "team__code", "indicator__code", "comment"]
    date_hierarchy = "period"
    readonly_fields = ["version", "entered_by", "created_at", "updated_at"]
    autocomplete_fields = ["team", "indicator"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def delete_view(self, request, object_id, extra_context=None):
        # A value in a locked month cannot be deleted: say so on the change page instead.
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "POST":
            try:
                measurement_refuse_if_locked(
                    measurement=obj,
                    numerator=None,
                    denominator=None,
                    nothing_to_report=False,
                    comment="",
                    user=request.user,
                    source="admin",
                    deleting=True,
                )
            except MeasurementConflict as refused:
                self.message_user(request, refused.messages[0], level=messages.ERROR)
                return redirect(reverse("admin:measures_measurement_change", args=[obj.pk]))
        # Without the admin's own transaction (see changeform_view).
        try:
            return self._delete_view(request, object_id, extra_context)
        except (MeasurementConflict, MeasurementBusy) as refusal:
            return self._refusal_response(request, refusal)

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
            expected_version=form.cleaned_data.get("expected_version") if change else None,
            user=request.user,
            source="admin",
        )
        obj.pk, obj.version = saved.pk, saved.version

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Without the admin's own transaction: the service is atomic, and a refused value must
        # stay in RefusedMeasurement after the refusal, which the admin's rollback would undo.
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except (MeasurementConflict, MeasurementBusy) as refusal:
            return self._refusal_response(request, refusal)

    def _refusal_response(self, request, refusal) -> TemplateResponse:
        conflict = refusal if isinstance(refusal, MeasurementConflict) else None
        return TemplateResponse(
            request,
            "admin/measures/measurement/refused.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Værdien er ikke gemt"),
                "message": refusal.messages[0],
                "stored": conflict.as_dict()["stored"] if conflict else None,
            },
            status=409 if conflict else 503,
        )

    def delete_model(self, request, obj) -> None:
        measurement_delete(measurement=obj, expected_version=obj.version, user=request.user, source="admin")

    def delete_queryset(self, request, queryset) -> None:
        for measurement in queryset.select_related("team", "indicator"):
            try:
                measurement_delete(
                    measurement=measurement,
                    expected_version=measurement.version,
                    user=request.user,
                    source="admin",
                )
            except MeasurementConflict as refused:
                self.message_user(request, refused.messages[0], level=messages.ERROR)


@admin.register(MonthCompletion)
class MonthCompletionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["team", "period", "completed_by", "completed_at"]
    list_filter = ["team__network", "period"]
    search_fields = ["team__name"]


@admin.register(ChartSettings)
class ChartSettingsAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["team", "indicator", "baseline_end", "updated_by", "updated_at"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name"]


@admin.register(PhaseBreak)
class PhaseBreakAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["team", "indicator", "period", "label"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name", "label"]


@admin.register(ExcludedPoint)
class ExcludedPointAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["team", "indicator", "period", "reason"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name", "reason"]


@admin.register(LocalTarget)
class LocalTargetAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["team", "indicator", "value", "deadline", "set_by"]
    list_filter = ["indicator__network", "indicator"]
    search_fields = ["team__name"]


class DriverNodeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DriverNode
    extra = 0
    fields = ["kind", "code", "text", "parent", "order"]


@admin.register(DriverDiagram)
class DriverDiagramAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "network", "team", "updated_at"]
    list_filter = ["network"]
    search_fields = ["title", "team__name"]
    inlines = [DriverNodeInline]


@admin.register(DriverNode)
class DriverNodeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "diagram", "kind", "parent", "order"]
    list_filter = ["kind", "diagram__network"]
    search_fields = ["text", "code"]


@admin.register(PDSACycle)
class PDSACycleAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "team", "status", "decision", "start_date", "end_date"]
    list_filter = ["status", "decision", "team__network"]
    search_fields = ["title", "objective", "team__name"]
    filter_horizontal = ["indicators"]


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "team", "indicator", "kind", "text"]
    list_filter = ["kind", "team__network"]
    search_fields = ["text", "team__name"]


@admin.register(ChartResult)
class ChartResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Computed by the chart jobs; shown for diagnosis only."""

    list_display = ["__str__", "scope", "chart_type", "variation", "assurance", "is_stale", "computed_at"]
    list_filter = ["scope", "network", "variation", "assurance", "is_stale"]
    search_fields = ["team__name", "indicator__code"]


@admin.register(ChartResultDeletion)
class ChartResultDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tombstones of deleted chart results: the API's deletions feed for BI replicas."""

    list_display = ["uuid", "scope", "network_slug", "indicator_code", "team_code", "deleted_at"]
    list_filter = ["scope"]


@admin.register(TeamDeletion)
class TeamDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What is kept of a team deleted outside the admin: its measurements' tombstones are served by it."""

    list_display = ["team_code", "network_slug", "team_uuid", "deleted_at"]


@admin.register(ChartStaleMark)
class ChartStaleMarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Queued stale marks of pooled charts; a long queue means the sweep is not running."""

    list_display = ["id", "indicator_id", "region_id", "created_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["team", "period", "sent_at"]
    list_filter = ["period", "team__network"]
    search_fields = ["team__name"]


@admin.register(RefusedMeasurement)
class RefusedMeasurementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Saves refused because they started from an old version: kept so nothing typed is lost."""

    list_display = [
        "team",
        "indicator",
        "period",
        "numerator",
        "denominator",
        "attempted_by",
        "attempted_at",
        "source",
    ]
    list_filter = ["indicator__network", "source"]
    search_fields = ["team__name", "indicator__code", "comment"]

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


@admin.register(MonthLock)
class MonthLockAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Data approval per network; locked and unlocked on the network's reports page (history kept)."""

    list_display = ["network", "locked_through", "note", "changed_by", "changed_at"]
