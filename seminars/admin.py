from django.contrib import admin

from .models import (
    Attendance,
    LearningObjective,
    ProgrammeItem,
    Registration,
    Seminar,
    SeminarMaterial,
    SeminarPurpose,
)


class SeminarPurposeInline(admin.TabularInline):
    model = SeminarPurpose
    extra = 0


class LearningObjectiveInline(admin.TabularInline):
    model = LearningObjective
    extra = 0


class ProgrammeItemInline(admin.TabularInline):
    model = ProgrammeItem
    extra = 0


class SeminarMaterialInline(admin.TabularInline):
    model = SeminarMaterial
    extra = 0
    exclude = ["uploaded_by"]


@admin.register(Seminar)
class SeminarAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "kind", "number", "starts_at", "audience", "capacity"]
    list_filter = ["network", "kind", "audience"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    inlines = [SeminarPurposeInline, LearningObjectiveInline, ProgrammeItemInline, SeminarMaterialInline]


@admin.register(SeminarPurpose)
class SeminarPurposeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "seminar", "order"]
    list_filter = ["seminar__network"]
    search_fields = ["text"]


@admin.register(LearningObjective)
class LearningObjectiveAdmin(admin.ModelAdmin):
    list_display = ["__str__", "seminar", "audience", "order"]
    list_filter = ["audience", "seminar__network"]
    search_fields = ["text"]


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "seminar", "speaker"]
    list_filter = ["seminar__network"]
    search_fields = ["title", "speaker"]


@admin.register(SeminarMaterial)
class SeminarMaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "seminar", "created_at"]
    list_filter = ["seminar__network"]
    search_fields = ["title"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "seminar", "team", "status", "created_at"]
    list_filter = ["status", "seminar__network", "seminar"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["user", "seminar", "team", "recorded_at"]
    list_filter = ["seminar__network", "seminar"]
    search_fields = ["user__username", "team__name"]
