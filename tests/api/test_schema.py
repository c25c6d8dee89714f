"""The OpenAPI 3 schema is valid, served to authenticated clients, and the API keeps to it (Schemathesis)."""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lkt.wsgi import application


def generated_schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def test_the_schema_validates_as_openapi_3():
    schema = generated_schema()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document
    assert "/api/v1/measurements/" in schema["paths"]
    assert "/api/v1/teams/{team_uuid}/measurements/bulk/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_the_schema_is_served_to_a_token_and_refused_without(world, make_token, token_client, client):
    assert client.get("/api/v1/schema/").status_code == 401
    response = token_client(make_token()).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    assert json.loads(response.content)["info"]["title"] == "LKT tracker API"


@pytest.mark.django_db
def test_the_docs_page_uses_no_inline_script(world, client_for):
    response = client_for(world.viewer).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Under script-src 'self' an inline <script> would not run: every script must have a src.
    assert html.count("<script") == html.count("<script src=")
    assert "cdn" not in html.lower()
    script = client_for(world.viewer).get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


schema = schemathesis.openapi.from_dict(generated_schema())
schema.app = application


@pytest.fixture
def bi_token(rich_world, make_token) -> str:
    return make_token(write_team=rich_world.team_a, name="Schemathesis")


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly fires request_finished, which would close the test's database
    connection (and its transaction) on PostgreSQL; Django's own test client disconnects it too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# A bounded run: a few deterministic examples per operation keep the whole run well under a minute.
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, bi_token, keep_test_connection):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {bi_token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            status_code_conformance,
        ],
    )
