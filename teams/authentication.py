"""API token authentication for regional BI tools.

A request with `Authorization: Token <token>` (or `Bearer <token>`) is authenticated as the token:
`request.auth` is the ApiToken and `request.user` an AnonymousUser, so no code path can mistake a
token for a person. Visibility then follows `Team.objects.visible_to_token` (see teams.api_scope).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from lkt.net import client_ip
from lkt.ratelimit import Limit

from .models import ApiToken
from .services import TOKEN_PREFIX, api_token_authenticate

KEYWORDS = {b"token", b"bearer"}
# Query parameters that clients commonly (and wrongly) use for credentials.
CREDENTIAL_PARAMETERS = {"token", "access_token", "api_key", "apikey", "key", "auth", "authorization"}


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request) -> tuple[AnonymousUser, ApiToken] | None:
        refuse_token_in_query_string(request)
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no token: session authentication may still apply
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Ugyldig Authorization-header."))
        address = client_ip(request)
        limit = bad_token_limit()
        if limit.exceeded(address):
            # Before the lookup: an address that keeps guessing learns nothing, not even "wrong".
            raise exceptions.Throttled(
                wait=limit.retry_after(address),
                detail=str(_("For mange forsøg med ugyldige tokens fra din adresse; vent og prøv igen.")),
            )
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError as exc:
            limit.hit(address)
            raise exceptions.AuthenticationFailed(_("Ugyldigt token.")) from exc
        token = api_token_authenticate(raw)
        if token is None:
            limit.hit(address)
            # One message for unknown, revoked and expired: the caller learns nothing more.
            raise exceptions.AuthenticationFailed(_("Ugyldigt, udløbet eller tilbagekaldt token."))
        # For the audit trail (teams.middleware.ExportAuditMiddleware), which sees Django's request.
        request._request.lkt_api_token = token
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return 'Token realm="api"'


def bad_token_limit() -> Limit:
    """Failed token attempts per client address (API_BAD_TOKEN_LIMIT in API_BAD_TOKEN_WINDOW_MINUTES)."""
    return Limit(
        name="api-bad-token",
        limit=settings.API_BAD_TOKEN_LIMIT,
        window=settings.API_BAD_TOKEN_WINDOW_MINUTES * 60,
    )


def refuse_token_in_query_string(request) -> None:
    """Refuse credentials in the URL: URLs end up in proxy logs, browser history and Referer headers."""
    for name, values in request.query_params.lists():
        if name.lower() in CREDENTIAL_PARAMETERS or any(v.startswith(f"{TOKEN_PREFIX}_") for v in values):
            raise exceptions.AuthenticationFailed(
                _("Tokens må kun sendes i Authorization-headeren, aldrig i adressen.")
            )


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "teams.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API-token fra LKT-trackeren: `Authorization: Bearer lkt_...` "
            "(eller `Token lkt_...`). Aldrig i adressen.",
        }
