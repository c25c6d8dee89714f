"""Local login (username + password) with optional TOTP two-factor (django-otp).

People outside the regions' identity providers (general practitioners, patient representatives)
log in locally. Whoever has confirmed an authenticator app is asked for its six-digit code after
the password; the session is logged in only after both. Single sign-on users get their second
factor from their own provider.
"""

import time
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lkt.net import client_ip

from .login_protection import address_limit

PENDING_KEY = "lkt_totp_pending"
PENDING_SECONDS = 5 * 60


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Kode fra din godkendelsesapp"),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "class": "form-input input-width-xs",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
            }
        ),
    )


def confirmed_totp_device(user: User | AnonymousUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return settings.LOGIN_REDIRECT_URL


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if confirmed_totp_device(user) is None:
            auth_login(request, user)
            return redirect(_safe_next(request, next_url))
        # Password right, second factor to come: nothing is logged in yet.
        request.session.cycle_key()
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": next_url,
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("login-totp")
    return render(request, "registration/login.html", {"form": form, "next": next_url})


def login_totp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or pending["until"] < time.time():
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Log ind igen: der gik for lang tid, før koden blev indtastet."))
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = confirmed_totp_device(user) if user else None
    if device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        address = client_ip(request)
        if not address_limit().exceeded(address) and device.verify_token(form.cleaned_data["token"].strip()):
            request.session.pop(PENDING_KEY, None)
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return redirect(_safe_next(request, pending["next"]))
        # Wrong codes count like wrong passwords; the device also slows down after each failure.
        address_limit().hit(address)
        form.add_error("token", _("Koden er forkert eller udløbet. Prøv den næste kode fra appen."))
        status = 400
    return render(request, "registration/login_totp.html", {"form": form}, status=status)


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Turn on (or off) two-factor login with an authenticator app for one's own account."""
    if request.session.get(BACKEND_SESSION_KEY, "").endswith("LktOIDCBackend"):
        return render(request, "registration/totp_setup.html", {"sso": True})
    confirmed = confirmed_totp_device(request.user)
    form = TokenForm(request.POST or None)
    if confirmed is not None:
        if (
            request.method == "POST"
            and form.is_valid()
            and confirmed.verify_token(form.cleaned_data["token"].strip())
        ):
            confirmed.delete()
            messages.success(request, _("Totrinslogin er slået fra."))
            return redirect("totp-setup")
        if request.method == "POST":
            form.add_error("token", _("Koden er forkert eller udløbet."))
        return render(request, "registration/totp_setup.html", {"confirmed": True, "form": form})
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "app"}
    )
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(
                request, _("Totrinslogin er slået til. Næste gang beder vi om en kode fra appen.")
            )
            return redirect("totp-setup")
        form.add_error("token", _("Koden er forkert eller udløbet."))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return render(
        request,
        "registration/totp_setup.html",
        # The SVG is made here from our own data (the provisioning URL), not from user input.
        {
            "form": form,
            "qr_svg": mark_safe(svg),
            "secret": device.config_url.split("secret=")[1].split("&")[0],
        },
    )
