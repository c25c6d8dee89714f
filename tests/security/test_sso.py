"""Single sign-on against a real OpenID Connect provider: the whole authorization-code flow with PKCE.

The provider is django-oauth-toolkit with OIDC, started in its own process (tests/oidc_provider);
the LKT tracker (the relying party) talks to it over HTTP for the token, the JWKS and userinfo,
and the test plays the browser between the two.
"""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from teams.models import OidcIdentity
from tests.base import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/login/sso/callback/"


def free_port() -> int:
    for port in range(8160, 8170):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8160-8169")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider process; yields its base URL, discovery document and client credentials."""
    state = tmp_path_factory.mktemp("oidc-provider")
    port = free_port()
    log = (state / "provider.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(port), str(state), CALLBACK],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the test provider did not start:\n" + (state / "provider.log").read_text()
                )
            try:
                discovery = requests.get(f"{base}/o/.well-known/openid-configuration", timeout=2).json()
                break
            except (requests.ConnectionError, ValueError):
                time.sleep(0.3)
        client = json.loads((state / "client.json").read_text())
        yield {"base": base, "discovery": discovery, **client}
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def sso(settings, provider):
    discovery = provider["discovery"]
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = provider["client_id"]
    settings.OIDC_RP_CLIENT_SECRET = provider["client_secret"]
    settings.OIDC_OP_ISSUER = discovery["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "teams.oidc.LktOIDCBackend"]
    return provider


def provider_session(provider, username: str) -> requests.Session:
    """A browser session at the provider, signed in as `username`."""
    session = requests.Session()
    login = f"{provider['base']}/login/"
    session.get(login, timeout=10)
    response = session.post(
        login,
        data={
            "username": username,
            "password": "provider-pass-1",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def sign_in(provider, username: str, rp: Client | None = None, tamper_verifier: bool = False):
    """Run the flow: RP -> provider (authorize) -> RP callback. Returns the RP client and the callback's answer."""
    rp = rp or Client()
    start = rp.get(reverse("sso-login"))
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider["discovery"]["authorization_endpoint"])
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["response_type"] == ["code"] and "nonce" in query
    browser = provider_session(provider, username)
    answer = browser.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    redirect = answer.headers["Location"]
    assert redirect.startswith(CALLBACK)
    if tamper_verifier:
        session = rp.session
        for value in session["oidc_states"].values():
            value["code_verifier"] = "x" * 64
        session.save()
    callback = rp.get(redirect.removeprefix("http://testserver"))
    return rp, callback


def test_an_invited_user_signs_in_and_is_linked_by_issuer_and_subject(sso):
    anna = make_user("anna-lkt", email="Anna.Invited@region.example")
    rp, callback = sign_in(sso, "anna")
    assert callback.status_code == 302 and callback["Location"] == "/"
    assert rp.session["_auth_user_id"] == str(anna.pk)
    identity = OidcIdentity.objects.get(user=anna)
    assert identity.issuer == sso["discovery"]["issuer"] and identity.subject
    # Roles never come from the provider, whatever it sends.
    anna.refresh_from_db()
    assert not anna.is_staff and not anna.is_superuser
    assert not anna.network_memberships.exists() and not anna.team_memberships.exists()

    # Later logins match on (issuer, subject) only: the e-mail may change on either side.
    anna.email = "anna.new@elsewhere.example"
    anna.save()
    rp2, callback = sign_in(sso, "anna")
    assert rp2.session["_auth_user_id"] == str(anna.pk)
    assert OidcIdentity.objects.filter(user=anna).count() == 1


def test_an_unverified_email_does_not_link_an_account(sso):
    make_user("bent-lkt", email="bent.unverified@region.example")
    rp, callback = sign_in(sso, "bent")
    assert callback["Location"] == "/login/?sso=fejl"
    assert "_auth_user_id" not in rp.session
    assert not OidcIdentity.objects.exists()
    page = rp.get(callback["Location"])
    assert "lykkedes ikke" in page.content.decode()


def test_an_account_that_has_been_used_is_not_taken_over_by_email(sso):
    from django.utils import timezone

    carl = make_user("carl-lkt", email="carl.stranger@region.example")
    get_user_model().objects.filter(pk=carl.pk).update(last_login=timezone.now())
    rp, callback = sign_in(sso, "carl")
    assert callback["Location"] == "/login/?sso=fejl"
    assert not OidcIdentity.objects.exists()


def test_nobody_is_created_from_a_login(sso):
    count = get_user_model().objects.count()
    rp, callback = sign_in(sso, "carl")
    assert callback["Location"] == "/login/?sso=fejl"
    assert get_user_model().objects.count() == count


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(sso):
    make_user("anna-lkt", email="anna.invited@region.example")
    rp, callback = sign_in(sso, "anna", tamper_verifier=True)
    assert callback["Location"] == "/login/?sso=fejl"  # the token endpoint said invalid_grant
    assert "_auth_user_id" not in rp.session
    assert not OidcIdentity.objects.exists()


def test_a_deactivated_user_cannot_sign_in(sso):
    anna = make_user("anna-lkt", email="anna.invited@region.example")
    sign_in(sso, "anna")
    from teams.services import user_deactivate

    user_deactivate(user=anna)
    rp, callback = sign_in(sso, "anna")
    assert "_auth_user_id" not in rp.session


def test_without_configuration_the_sso_urls_do_not_exist(settings):
    settings.OIDC_ENABLED = False
    assert Client().get(reverse("sso-login")).status_code == 404
    assert Client().get(reverse("sso-callback")).status_code == 404
