"""Refuse to serve production with the example configuration's secrets.

Checked when the web app and the Celery processes start (lkt/wsgi.py, lkt/celery.py), not when the
settings load: build steps such as `collectstatic` in the image run with a throwaway key and must
keep working. With DEBUG on (the embedded development set-up) nothing is checked.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The placeholders of .env.example and the Dockerfile's build step, and the development key.
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me-to-a-long-random-string",
        "another-long-random-string",
        "build-only",
        "dev-only-insecure-key-do-not-use-in-production",
    }
)
MIN_SECRET_LENGTH = 32
HOW_TO_MAKE_ONE = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def serving_problems() -> list[str]:
    """What stops this configuration from serving with DEBUG off; empty when it may serve."""
    if settings.DEBUG:
        return []
    problems = []
    for name in ("SECRET_KEY", "API_TOKEN_HASH_KEY"):
        value = getattr(settings, name, "") or ""
        if name == "API_TOKEN_HASH_KEY" and value == settings.SECRET_KEY:
            continue  # the default: SECRET_KEY's verdict covers it
        if value in PLACEHOLDER_SECRETS:
            problems.append(f"{name} is the example placeholder {value!r}: {HOW_TO_MAKE_ONE}")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters: {HOW_TO_MAKE_ONE}")
    return problems


def refuse_unsafe_serving() -> None:
    problems = serving_problems()
    if problems:
        raise ImproperlyConfigured("Refusing to serve with DEBUG=0: " + "; ".join(problems))
