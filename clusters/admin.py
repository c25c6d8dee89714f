"""The clusters app in the admin.

Set-up data with no page of its own (providers, who works for them, the clusters themselves) is
edited here, as the teams app's organisations and networks are. Everything else is written by the
product's pages through clusters.services (members, packages, groups, meetings, discussion, goals,
extracts with their practices and prescribers) and is shown here read-only, so the history keeps the
user and the rules (the 60-day deadline, all-or-nothing imports) cannot be stepped around.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models

from lkt.admin import NoHistoryRevertMixin, ReadOnlyAdminMixin

from . import services
from .models import (
    AntibioticGroup,
    Cluster,
    ClusterMembership,
    DiscussionAnswer,
    Extract,
    ExtractRow,
    Meeting,
    MeetingGoal,
    Package,
    PackageItem,
    Practice,
    Prescriber,
    Provider,
    ProviderMembership,
)


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "contact_email"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProviderMembershipInline]


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "title"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "network"]
    list_filter = ["region", "network"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


def _linked_prescriber(cluster, member) -> Prescriber | None:
    return Prescriber.objects.filter(practice__cluster=cluster, user=member).first()


class ClusterMembershipAdminForm(forms.ModelForm):
    class Meta:
        model = ClusterMembership
        fields = ["cluster", "user", "role", "practice"]

    def clean(self):
        data = super().clean()
        if self.instance.pk:  # cluster and user are read-only when changing
            data["cluster"], data["user"] = self.instance.cluster, self.instance.user
        if data.get("cluster") and data.get("user") and data.get("role"):
            try:
                services.cluster_membership_check(
                    cluster=data["cluster"],
                    member=data["user"],
                    role=data["role"],
                    practice=data.get("practice"),
                    # The doctor linked on the member page must stay in the chosen practice.
                    prescriber=_linked_prescriber(data["cluster"], data["user"]),
                    membership=ClusterMembership.objects.get(pk=self.instance.pk)
                    if self.instance.pk
                    else None,
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(NoHistoryRevertMixin, admin.ModelAdmin):
    """Staff names a cluster's first coordinator here; after that the coordinator manages the members
    on the cluster's member page. Both write through clusters.services (history with the user, the
    last coordinator kept); removing a member and linking a doctor are on the member page only."""

    form = ClusterMembershipAdminForm
    list_display = ["user", "cluster", "role", "practice"]
    list_filter = ["cluster", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a membership to another cluster or person is a removal and an addition.
        return ["cluster", "user"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            saved = services.cluster_membership_update(
                membership=obj,
                role=obj.role,
                practice=obj.practice,
                prescriber=_linked_prescriber(obj.cluster, obj.user),
                user=request.user,
            )
        else:
            saved = services.cluster_membership_add(
                cluster=obj.cluster, member=obj.user, role=obj.role, practice=obj.practice, user=request.user
            )
        obj.pk = saved.pk


@admin.register(Practice)
class PracticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Created by the extract import."""

    list_display = ["name", "code", "cluster"]
    list_filter = ["cluster"]
    search_fields = ["name", "code"]


@admin.register(Prescriber)
class PrescriberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Created by the extract import; linked to a login on the cluster's member page."""

    list_display = ["name", "code", "practice", "user"]
    list_filter = ["practice__cluster"]
    search_fields = ["name", "code"]


# A link without a scheme is read as https, as on the package form (and as Django 6 will).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class PackageItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PackageItem
    extra = 0
    formfield_overrides = HTTPS_LINKS


@admin.register(Package)
class PackageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Edited by the provider on the package pages (clusters.services.package_save)."""

    list_display = ["title", "provider", "is_published", "version", "updated_at"]
    list_filter = ["provider", "is_published"]
    search_fields = ["title", "slug"]
    inlines = [PackageItemInline]


@admin.register(PackageItem)
class PackageItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "package", "kind", "order"]
    formfield_overrides = HTTPS_LINKS
    list_filter = ["package", "kind"]


@admin.register(AntibioticGroup)
class AntibioticGroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Edited by the provider on its antibiotic-groups page."""

    list_display = ["name", "code", "provider", "atc_prefixes", "is_critically_important"]
    list_filter = ["provider", "is_critically_important"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Planned by the coordinator on the meeting pages (the extract deadline is checked there)."""

    list_display = ["cluster", "package", "kind", "date", "status"]
    list_filter = ["status", "kind", "package"]
    date_hierarchy = "date"


@admin.register(DiscussionAnswer)
class DiscussionAnswerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "meeting"]


@admin.register(MeetingGoal)
class MeetingGoalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "meeting", "level"]
    list_filter = ["level"]


@admin.register(Extract)
class ExtractAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Imported all-or-nothing by the provider (clusters.services.extract_import)."""

    list_display = ["cluster", "meeting", "granularity", "first_period", "last_period", "row_count"]
    list_filter = ["cluster", "granularity"]


@admin.register(ExtractRow)
class ExtractRowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["extract", "scope", "practice", "period"]
    list_filter = ["scope"]
    list_select_related = ["extract", "extract__cluster", "practice"]
