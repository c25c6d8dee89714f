from django.contrib import admin

from lkt.admin import ReadOnlyAdminMixin

from .models import (
    Attendance,
    LearningObjective,
    ProgrammeItem,
    Registration,
    Seminar,
    SeminarMaterial,
    SeminarPurpose,
)


class SeminarPurposeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SeminarPurpose
    extra = 0


class LearningObjectiveInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LearningObjective
    extra = 0


class ProgrammeItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProgrammeItem
    extra = 0


class SeminarMaterialInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SeminarMaterial
    extra = 0
    exclude = ["uploaded_by"]


# Read-only: seminars, their content and materials, registrations (places, waiting list) and
# attendance are written by seminars.services from the seminar pages.


@admin.register(Seminar)
class SeminarAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "network", "kind", "number", "starts_at", "audience", "capacity"]
    list_filter = ["network", "kind", "audience"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    inlines = [SeminarPurposeInline, LearningObjectiveInline, ProgrammeItemInline, SeminarMaterialInline]


@admin.register(SeminarPurpose)
class SeminarPurposeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "seminar", "order"]
    list_filter = ["seminar__network"]
    search_fields = ["text"]


@admin.register(LearningObjective)
class LearningObjectiveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "seminar", "audience", "order"]
    list_filter = ["audience", "seminar__network"]
    search_fields = ["text"]


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "seminar", "speaker"]
    list_filter = ["seminar__network"]
    search_fields = ["title", "speaker"]


@admin.register(SeminarMaterial)
class SeminarMaterialAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "seminar", "created_at"]
    list_filter = ["seminar__network"]
    search_fields = ["title"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "seminar", "team", "status", "created_at"]
    list_filter = ["status", "seminar__network", "seminar"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "seminar", "team", "recorded_at"]
    list_filter = ["seminar__network", "seminar"]
    search_fields = ["user__username", "team__name"]
