"""Production settings, login lockout, session length, CSRF and security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "lkt.example.dk",
        "DATABASE_URL": f"sqlite:///{ROOT / 'unused-deploy-check.sqlite3'}",
    }
    # Production never runs with the browser tests' async override (tests/browser/conftest.py).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "lkt.example.dk"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_sessions_last_a_working_day_not_two_weeks():
    assert settings.SESSION_COOKIE_AGE <= 10 * 60 * 60


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(world):
    client = Client()
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "viewer", "password": "wrong"})
    response = client.post(url, {"username": "viewer", "password": "test-password-123"})
    assert response.status_code in {403, 429}
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_works_with_the_right_password(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "viewer", "password": "test-password-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.viewer.pk)


@pytest.mark.django_db
def test_forms_refuse_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "viewer", "password": "test-password-123"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_pages_carry_security_headers(world, client_for):
    response = client_for(world.viewer).get(reverse("home"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "http" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
