"""Settings read from the environment fail loudly on values they cannot mean."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "lkt" / "settings.py"


def load_settings(monkeypatch, **env: str) -> dict:
    # Run the settings module afresh, as a new process would, with exactly this environment.
    for name in ("BEHIND_PROXY", "TRUSTED_PROXIES", "SECRET_KEY", "ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_no_trusted_proxy_by_default(monkeypatch):
    values = load_settings(monkeypatch)
    assert values["TRUSTED_PROXIES"] == 0
    assert "SECURE_PROXY_SSL_HEADER" not in values


def test_a_trusted_proxy_makes_x_forwarded_proto_decide_the_scheme(monkeypatch):
    values = load_settings(monkeypatch, TRUSTED_PROXIES="1")
    assert values["TRUSTED_PROXIES"] == 1
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("raw", ["-1", "true", "yes", "1.5", "11"])
def test_a_bad_number_of_proxies_is_refused(monkeypatch, raw):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        load_settings(monkeypatch, TRUSTED_PROXIES=raw)


def test_the_old_boolean_setting_is_refused_with_a_pointer_to_the_new_one(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        load_settings(monkeypatch, BEHIND_PROXY="1")
