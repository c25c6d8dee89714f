"""Login protection that holds behind a reverse proxy.

Two limits, both keyed on the client's address from lkt.net.client_ip (TRUSTED_PROXIES):
- django-axes locks one username at one address after AXES_FAILURE_LIMIT failures (a person who
  forgot their password locks only themselves, only from where they are);
- this module limits failed logins from one address across all usernames
  (LOGIN_ADDRESS_FAILURE_LIMIT in LOGIN_ADDRESS_WINDOW_MINUTES), which stops password spraying: one
  common password tried against many accounts. The count lives in the shared cache
  (lkt.ratelimit), so it holds across workers.

Both answer with the same page (HTTP 429) saying what happened and when to try again.
"""

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lkt.net import client_ip
from lkt.ratelimit import Limit


def address_limit() -> Limit:
    return Limit(
        name="login-address",
        limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        window=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60,
    )


class AddressLimitBackend:
    """First in AUTHENTICATION_BACKENDS: refuses every password from an address over its limit.

    Raising PermissionDenied stops Django's authenticate() before any password is checked; axes'
    middleware then answers with the lockout page (see `lockout_response`). No get_user(): this
    backend never logs anyone in, so Django never records it as a session's backend.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None or password is None:
            return None  # not a password login (e.g. single sign-on)
        if address_limit().exceeded(client_ip(request)):
            request.login_address_blocked = True
            request.axes_locked_out = True  # read by axes.middleware.AxesMiddleware
            raise PermissionDenied
        return None


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # The signal is the one place every failed password login passes (login page, admin); the
    # count itself is a single cache increment.
    if request is not None:
        address_limit().hit(client_ip(request))


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page for a locked account or a blocked address (429)."""
    if getattr(request, "login_address_blocked", False):
        limit = address_limit()
        minutes = max(1, -(-limit.retry_after(client_ip(request)) // 60))
        context = {"reason": "address", "minutes": minutes}
    else:
        context = {"reason": "account", "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    return render(request, "registration/locked_out.html", context, status=429)
