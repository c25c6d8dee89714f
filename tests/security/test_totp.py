"""Local login with optional TOTP two-factor (django-otp)."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def unthrottle(device: TOTPDevice) -> None:
    # After a wrong code the device refuses every code for a while (django-otp's throttling).
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def login(client: Client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_without_a_device_the_password_is_enough(world):
    client = Client()
    assert login(client, "viewer")["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.viewer.pk)


def test_a_user_turns_on_totp_and_then_needs_the_code(world, client_for):
    browser = client_for(world.viewer)
    page = browser.get(reverse("totp-setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=world.viewer, confirmed=False)
    assert (
        browser.post(
            reverse("totp-setup"), {"token": "000000" if current_code(device) != "000000" else "111111"}
        ).status_code
        == 200
    )
    device.refresh_from_db()
    assert not device.confirmed
    unthrottle(device)
    browser.post(reverse("totp-setup"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed

    client = Client()
    step = login(client, "viewer")
    assert step["Location"] == reverse("login-totp")
    assert "_auth_user_id" not in client.session  # not logged in after the password alone
    wrong = client.post(reverse("login-totp"), {"token": "12345"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    device.refresh_from_db()
    unthrottle(device)
    device.last_t = -1  # the code used to confirm may be the current one: allow it once more here
    device.save()
    right = client.post(reverse("login-totp"), {"token": current_code(device)})
    assert right.status_code == 302 and right["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.viewer.pk)


def test_the_code_step_expires(world):
    TOTPDevice.objects.create(user=world.viewer, name="app", confirmed=True)
    client = Client()
    login(client, "viewer")
    session = client.session
    session["lkt_totp_pending"]["until"] = time.time() - 1
    session.save()
    assert client.get(reverse("login-totp"))["Location"] == reverse("login")


def test_the_code_step_cannot_be_reached_without_the_password(world):
    TOTPDevice.objects.create(user=world.viewer, name="app", confirmed=True)
    client = Client()
    response = client.post(reverse("login-totp"), {"token": "123456"})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
