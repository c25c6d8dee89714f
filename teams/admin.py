from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from lkt.admin import ReadOnlyAdminMixin

from .models import (
    ApiToken,
    ExportEvent,
    Network,
    NetworkMembership,
    OidcIdentity,
    Organisation,
    Team,
    TeamMembership,
)
from .services import user_deactivate


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sector", "parent", "region"]
    list_filter = ["kind", "sector", "region"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "region"]


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    extra = 0
    autocomplete_fields = ["user", "region", "organisation"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "lead_region",
        "start_date",
        "end_date",
        "peer_visibility",
        "spc_rule_set",
    ]
    list_filter = ["status", "lead_region", "peer_visibility", "spc_rule_set"]
    search_fields = ["name", "topic", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkMembershipInline]


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "role", "expert_role", "region"]
    list_filter = ["network", "role", "expert_role", "region"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "region", "organisation"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "network", "region", "sector", "is_cross_sector", "is_active"]
    list_filter = ["network", "region", "sector", "is_cross_sector", "is_active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["organisations"]
    inlines = [TeamMembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A team that leaves is deactivated (is_active), never deleted: deleting would cascade to its
        # measurements, whose removal BI replicas learn from the deletions feed, and that feed is
        # scoped by the team, which would then be gone.
        return False


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "profession", "is_local_project_lead"]
    list_filter = ["role", "team__network", "is_local_project_lead"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tokens are created and revoked in the product UI, where the secret is shown once."""

    list_display = [
        "name",
        "prefix",
        "network",
        "region",
        "write_team",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["network", "region"]
    search_fields = ["name", "prefix"]


@admin.register(ExportEvent)
class ExportEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit trail is written by the application, never edited."""

    list_display = ["occurred_at", "kind", "what", "user", "token", "network", "client_ip"]
    list_filter = ["kind", "network"]
    search_fields = ["what", "path", "user__username", "token__name"]


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """Staff may link an identity by hand (a provider that sends no verified e-mail, SECURITY.md)."""

    list_display = ["user", "issuer", "subject", "created_at", "last_login_at"]
    search_fields = ["user__username", "issuer", "subject"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "last_login_at"]


class OidcIdentityInline(admin.TabularInline):
    model = OidcIdentity
    extra = 0
    readonly_fields = ["created_at", "last_login_at"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LktUserAdmin(UserAdmin):
    """Django's user admin, plus: deactivating ends the user's sessions and tokens at once."""

    inlines = [*UserAdmin.inlines, OidcIdentityInline]
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:
            user_deactivate(user=obj, by=request.user)

    @admin.action(description=_("Deaktivér valgte brugere (afslutter sessioner og tokens)"))
    def deactivate(self, request, queryset) -> None:
        for user in queryset:
            user_deactivate(user=user, by=request.user)
