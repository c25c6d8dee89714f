"""Permission-matrix rules for the REST API (/api/v1/) and the API token pages.

Anonymous requests to the API get 401 (token authentication answers first). Session users get
200 on lists; the rows are restricted by visibility (tested row by row in tests/api/test_scope.py).
"""

from datetime import date, timedelta

from django.utils import timezone

from measures.models import Annotation, ChartResult, Measurement, PDSACycle
from seminars.models import Seminar
from teams.services import api_token_create
from tests.base import World

from .matrix import (
    FORBIDDEN,
    NETWORK_LEAD_WRITE,
    NOT_FOUND,
    OK,
    REDIRECT,
    TEAM_WRITE,
    UNAUTHORIZED,
    Rule,
    expect,
    network,
    read_only,
)

API_READ = expect(OK, anonymous=UNAUTHORIZED)
API_NETWORK_READ = expect(OK, anonymous=UNAUTHORIZED, stranger=NOT_FOUND, outsider=NOT_FOUND)
API_TEAM_A_READ = expect(
    OK, anonymous=UNAUTHORIZED, stranger=NOT_FOUND, outsider=NOT_FOUND, other_team_member=NOT_FOUND
)
# The matrix posts a form-encoded body; the bulk endpoint takes JSON only, so an allowed user gets
# 415 after the access check (the JSON writes are tested in tests/api/test_bulk_write.py).
UNSUPPORTED_MEDIA_TYPE = 415
API_TEAM_WRITE = {
    **TEAM_WRITE,
    "anonymous": UNAUTHORIZED,
    "data_entry": UNSUPPORTED_MEDIA_TYPE,
    "team_lead": UNSUPPORTED_MEDIA_TYPE,
    "staff": UNSUPPORTED_MEDIA_TYPE,
}


def uuid_of(obj) -> dict:
    return {"uuid": obj.uuid}


def chart_result(w: World) -> dict:
    result = ChartResult.objects.create(
        scope="team",
        network=w.network,
        indicator=w.indicator,
        team=w.team_a,
        chart_type="run",
        computed_at=timezone.now(),
        is_stale=False,
    )
    return uuid_of(result)


def seminar(w: World) -> dict:
    now = timezone.now()
    return uuid_of(
        Seminar.objects.create(
            network=w.network,
            kind="learning",
            title="Matrix",
            starts_at=now,
            ends_at=now + timedelta(hours=2),
        )
    )


def api_token(w: World) -> dict:
    token, _raw = api_token_create(
        network=w.network, name="Matrix", region=None, write_team=None, expires_at=None, user=w.staff
    )
    return {"slug": w.network.slug, "token_uuid": token.uuid}


LIST_NAMES = [
    "network",
    "organisation",
    "team",
    "goal",
    "indicator",
    "measurement",
    "measurement-deletion",
    "chart-result",
    "chart-result-deletion",
    "annotation",
    "pdsa-cycle",
    "seminar",
]

API_RULES: dict[str, Rule] = {
    **{f"api-v1:{name}-list": Rule(expected=API_READ) for name in LIST_NAMES},
    "api-v1:schema": Rule(expected=API_READ),
    "api-v1:docs": Rule(expected=API_READ),
    "api-v1:network-detail": Rule(kwargs=network, expected=API_NETWORK_READ),
    "api-v1:organisation-detail": Rule(kwargs=lambda w: uuid_of(w.hospital_a), expected=API_TEAM_A_READ),
    "api-v1:team-detail": Rule(kwargs=lambda w: uuid_of(w.team_a), expected=API_TEAM_A_READ),
    "api-v1:goal-detail": Rule(kwargs=lambda w: uuid_of(w.goal), expected=API_NETWORK_READ),
    "api-v1:indicator-detail": Rule(kwargs=lambda w: uuid_of(w.indicator), expected=API_NETWORK_READ),
    "api-v1:measurement-detail": Rule(
        kwargs=lambda w: uuid_of(Measurement.objects.filter(team=w.team_a).first()), expected=API_TEAM_A_READ
    ),
    "api-v1:chart-result-detail": Rule(kwargs=chart_result, expected=API_TEAM_A_READ),
    "api-v1:annotation-detail": Rule(
        kwargs=lambda w: uuid_of(Annotation.objects.create(team=w.team_a, date=date(2024, 6, 1), text="x")),
        expected=API_TEAM_A_READ,
    ),
    "api-v1:pdsa-cycle-detail": Rule(
        kwargs=lambda w: uuid_of(
            PDSACycle.objects.create(team=w.team_a, title="x", start_date=date(2024, 5, 1))
        ),
        expected=API_TEAM_A_READ,
    ),
    "api-v1:seminar-detail": Rule(kwargs=seminar, expected=API_NETWORK_READ),
    # The funnel of a p indicator; world.indicator is a run chart and has none (404 for everyone).
    "api-v1:indicator-funnel": Rule(
        kwargs=lambda w: {"indicator_uuid": w.count_indicator.uuid}, expected=API_NETWORK_READ
    ),
    "api-v1:team-measurements-bulk": Rule(
        kwargs=lambda w: {"team_uuid": w.team_a.uuid}, method="post", expected=API_TEAM_WRITE
    ),
    "teams:api-tokens": read_only(network, NETWORK_LEAD_WRITE),
    # The export audit trail: national leads and staff only (teams/views_audit.py).
    "teams:export-log": read_only(network, NETWORK_LEAD_WRITE),
    "teams:api-token-create": Rule(
        kwargs=network, method="post", data=lambda w: {"name": "Matrix"}, expected=NETWORK_LEAD_WRITE
    ),
    "teams:api-token-revoke": Rule(
        kwargs=api_token,
        method="post",
        expected=expect(
            FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, national_lead=REDIRECT, staff=REDIRECT
        ),
    ),
}
