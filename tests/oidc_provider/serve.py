"""python -m tests.oidc_provider.serve PORT DIR REDIRECT_URI: set up and serve the test provider.

Writes DIR/client.json (client id and secret) once it is ready to serve.
"""

import json
import os
import sys
from pathlib import Path


def main() -> None:
    port, state_dir, redirect_uri = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    state_dir.mkdir(parents=True, exist_ok=True)
    os.environ["OIDC_TEST_PROVIDER_DIR"] = str(state_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    key_file = state_dir / "key.pem"
    if not key_file.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    for username, email, last_name in [
        ("anna", "anna.invited@region.example", "verified"),
        ("bent", "bent.unverified@region.example", "unverified"),
        ("carl", "carl.stranger@region.example", "verified"),
    ]:
        if not users.filter(username=username).exists():
            users.create_user(username=username, email=email, last_name=last_name, password="provider-pass-1")
    secret = "test-client-secret-0123456789"
    app, _created = Application.objects.update_or_create(
        client_id="lkt-tracker",
        defaults={
            "name": "LKT tracker",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": redirect_uri,
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
            "client_secret": secret,
            "hash_client_secret": True,
        },
    )
    (state_dir / "client.json").write_text(json.dumps({"client_id": app.client_id, "client_secret": secret}))
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True)


if __name__ == "__main__":
    main()
