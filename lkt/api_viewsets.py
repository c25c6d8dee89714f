"""The CSV list mixin of the REST API's viewsets (the scoped base viewset is teams.api.ScopedReadOnlyViewSet)."""

from collections.abc import Iterator

from django.db.models import QuerySet
from rest_framework import renderers

from .api import CSVRenderer, csv_stream_response, stream_csv


class CSVListMixin:
    """`?format=csv` streams the whole filtered table (no pagination) in constant memory.

    The viewset defines `csv_name`, `csv_columns` and `csv_rows(queryset)` yielding tuples in
    the order of `csv_columns`, or overrides `csv_chunks(queryset)` to give the file's bytes.
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
            return csv_stream_response(self.csv_name, self.csv_chunks(queryset))
        return super().list(request, *args, **kwargs)

    def csv_chunks(self, queryset: QuerySet) -> Iterator[bytes]:
        """The file's bytes; a viewset whose database can write the CSV itself overrides this."""
        return stream_csv(self.csv_columns, self.csv_rows(queryset))

    def csv_rows(self, queryset: QuerySet) -> Iterator[tuple]:
        raise NotImplementedError
