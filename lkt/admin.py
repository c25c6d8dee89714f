"""Admin pieces that know no app (imported by the apps' admin modules)."""

from django.core.exceptions import PermissionDenied


class NoHistoryRevertMixin:
    """django-simple-history's "revert" form saves a historical row with `obj.save()`, around the
    service and without checking the change permission: its page may be shown, never posted."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin(NoHistoryRevertMixin):
    """For a model whose writes go through a service (its rules, history with the user, stale
    charts): the admin lists it and shows each row and its history, but cannot add, change,
    delete or revert. For a ModelAdmin and for inlines."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
