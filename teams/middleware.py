"""Records API pulls by token and CSV downloads from the API in the export audit trail."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lkt.net import client_ip

from .models import ExportEvent
from .services import export_event_record


class ExportAuditMiddleware:
    """Records API pulls by token and CSV downloads from the API in the export audit trail.

    Every successful API request made with a token is a pull of data by a system; a session user's
    JSON requests are the application's own pages, so only their CSV downloads are recorded. The
    other exports (templates, reports) record themselves in their views.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 200 and request.path.startswith("/api/v1/"):
            token = getattr(request, "lkt_api_token", None)
            is_csv = request.GET.get("format") == "csv"
            if token is not None or (is_csv and request.user.is_authenticated):
                export_event_record(
                    kind=ExportEvent.Kind.API_CSV if is_csv else ExportEvent.Kind.API,
                    what=request.path.removeprefix("/api/v1/").strip("/") or "api",
                    path=request.get_full_path(),
                    client_ip=client_ip(request),
                    user=None if token is not None else request.user,
                    token=token,
                )
        return response
