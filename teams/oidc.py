"""Single sign-on with the regions' and municipalities' identity providers (OpenID Connect).

mozilla-django-oidc runs the authorization-code flow with PKCE (OIDC_USE_PKCE) and verifies the
ID token's signature against the provider's JWKS and the nonce. This backend adds what a product
with several providers and locally managed roles needs:

- users are matched on (issuer, subject) only (teams.models.OidcIdentity): an e-mail address can
  be reassigned or edited at the provider, the pair cannot;
- the e-mail is used once, at the first login of an INVITED user (an active account a national lead
  created, that has never logged in and has no identity yet), and only when the provider marks it
  verified; nothing else creates or links an account;
- the issuer and audience of the ID token are checked (the library checks neither);
- roles never come from the provider: no claim is read for memberships, staff or groups.
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import OidcIdentity

log = logging.getLogger(__name__)


class LktOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, ValueError) as exc:
            # A refused code (wrong PKCE verifier, replay), an unreachable provider or a bad answer:
            # a failed login with the failure page, never a server error.
            log.warning("SSO: the provider refused or failed the token exchange: %s", exc)
            return None

    def get_or_create_user(self, access_token, id_token, payload):
        issuer, subject = payload.get("iss"), payload.get("sub")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if issuer != settings.OIDC_OP_ISSUER or self.OIDC_RP_CLIENT_ID not in audiences or not subject:
            log.warning("SSO: ID token for another issuer or client refused (iss=%s)", issuer)
            return None
        identity = OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        if identity is not None:
            if not identity.user.is_active:
                return None
            OidcIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
            return identity.user
        return self._link_invited_user(access_token, id_token, payload, issuer, subject)

    def _link_invited_user(self, access_token, id_token, payload, issuer: str, subject: str):
        claims = {**payload, **(self.get_userinfo(access_token, id_token, payload) or {})}
        email = (claims.get("email") or "").strip()
        # Only a boolean true: some providers send "false" as a string.
        if not email or claims.get("email_verified") is not True:
            log.info("SSO: first login without a verified e-mail refused (iss=%s)", issuer)
            return None
        invited = list(
            get_user_model()
            .objects.filter(
                email__iexact=email, is_active=True, last_login__isnull=True, oidc_identities__isnull=True
            )
            .distinct()[:2]
        )
        if len(invited) != 1:
            log.info("SSO: no single invited user for this e-mail (iss=%s)", issuer)
            return None
        OidcIdentity.objects.create(
            user=invited[0], issuer=issuer, subject=subject, last_login_at=timezone.now()
        )
        return invited[0]

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


@require_GET
def sso_login(request: HttpRequest) -> HttpResponse:
    """Start the flow (redirect to the provider); 404 when single sign-on is not configured."""
    if not settings.OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    if not settings.OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationCallbackView.as_view()(request)
