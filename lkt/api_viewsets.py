"""Base viewsets of the REST API.

Every read viewset derives from `ScopedReadOnlyViewSet`, whose `get_queryset` restricts the rows
once, by the token (`Team.objects.visible_to_token`) or the session user (`Team.objects.visible_to`).
No viewset filters for permissions on its own.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from rest_framework import renderers, viewsets

from .api import CSVRenderer, csv_response, visible_networks, visible_teams


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only viewset whose queryset is restricted once to what the token or user may see.

    Set `team_field` to the path of the owning team, or `network_field` to the owning network.
    """

    team_field: str | None = None
    network_field: str | None = None
    # Keyset pagination order (lkt.api.KeysetPagination): the last field is unique, never a sequential id.
    ordering: tuple[str, ...] = ("uuid",)
    # Any segment reaches the view, so a malformed id gets the API's JSON 404, not Django's HTML page.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet:
        return self.restrict(super().get_queryset())

    def restrict(self, queryset: QuerySet) -> QuerySet:
        if self.team_field:
            return queryset.filter(**{f"{self.team_field}__in": visible_teams(self.request)})
        if self.network_field:
            return queryset.filter(**{f"{self.network_field}__in": visible_networks(self.request)})
        raise NotImplementedError("set team_field or network_field")


class CSVListMixin:
    """`?format=csv` streams the whole filtered table (no pagination) in constant memory.

    The viewset defines `csv_name`, `csv_columns` and `csv_rows(queryset)` yielding tuples in
    the order of `csv_columns`.
    """

    csv_name: str = ""
    csv_columns: list[str] = []

    def get_renderers(self):
        if getattr(self, "action", None) == "list":
            return [renderers.JSONRenderer(), CSVRenderer()]
        return [renderers.JSONRenderer()]

    def handle_exception(self, exc):
        # Errors are always JSON, also when the client asked for CSV: a BI tool must be able to
        # tell an error from an empty table.
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            queryset = self.filter_queryset(self.get_queryset())
            return csv_response(self.csv_name, self.csv_columns, self.csv_rows(queryset))
        return super().list(request, *args, **kwargs)

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        raise NotImplementedError
