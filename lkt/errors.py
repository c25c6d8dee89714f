"""The site's own 400, 403, 404 and 500 pages: in Danish, with the site's navigation.

Django's defaults are bare English ("403 Forbidden"). The 500 page is rendered with the request
(navigation, language), and falls back to a page without the database-backed navigation if that
fails too: the error may be the database itself.
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _render(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    context = {"error_title": title, "error_text": text, "status_code": status}
    return HttpResponse(loader.render_to_string("errors/error.html", context, request), status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(
        request,
        400,
        _("Forespørgslen kunne ikke forstås"),
        _(
            "Siden fik noget, den ikke kunne læse. Gå tilbage og prøv igen; fortsætter det, så kontakt supporten."
        ),
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(
        request,
        403,
        _("Du har ikke adgang"),
        _(
            "Din rolle giver ikke adgang til at se eller ændre dette. Har du brug for adgang, så kontakt "
            "teamets teamleder eller LKT'ets nationale projektledelse."
        ),
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(
        request,
        404,
        _("Siden findes ikke"),
        _("Siden findes ikke, eller du har ikke adgang til den. Tjek adressen, eller gå til forsiden."),
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    title = _("Der opstod en fejl")
    text = _(
        "Der skete en fejl hos os. Fejlen er registreret. Prøv igen om lidt; dine gemte data er ikke berørt."
    )
    try:
        return _render(request, 500, title, text)
    except Exception:  # the navigation needs the database, which may be what failed
        logger.exception("error page: could not render the 500 page with the navigation")
        return HttpResponse(
            f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><main><h1>{title}</h1><p>{text}</p><p><a href="/">{_("Gå til forsiden")}</a></p></main></body></html>',
            status=500,
        )
