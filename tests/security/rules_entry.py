"""Permission-matrix rules for the data entry URLs (measures/urls/entry.py)."""

from tests.base import World

from .matrix import (
    NETWORK_MEMBERS_READ,
    OK,
    REDIRECT,
    TEAM_READ,
    TEAM_WRITE,
    Rule,
    get_and_post,
    network,
    team_a,
)

# Writes answer with a redirect back to the grid when the request does not ask for JSON.
TEAM_WRITE_POST = {role: (REDIRECT if status == OK else status) for role, status in TEAM_WRITE.items()}


def cell_history(w: World) -> dict:
    return {**team_a(w), "indicator_uuid": w.indicator.uuid, "year": 2024, "month": 3}


def cell_data(w: World) -> dict:
    return {"indicator": str(w.count_indicator.uuid), "period": "2024-03", "nothing_to_report": "on"}


ENTRY_RULES: dict[str, Rule] = {
    "measures:entry-grid": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:entry-save": Rule(kwargs=team_a, method="post", data=cell_data, expected=TEAM_WRITE_POST),
    # The grid without JavaScript: one month's row as a plain form.
    "measures:entry-save-month": Rule(
        kwargs=team_a,
        method="post",
        data=lambda w: {"month": "2024-03", "n-reassessed-2024-03": "7", "d-reassessed-2024-03": "10"},
        expected=TEAM_WRITE_POST,
    ),
    "measures:entry-team-history": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:entry-history": Rule(kwargs=cell_history, expected=TEAM_READ),
    "measures:entry-month-complete": Rule(
        kwargs=team_a,
        method="post",
        data=lambda w: {"period": "2024-03", "complete": "on"},
        expected=TEAM_WRITE_POST,
    ),
    # POST without a file: the form says what is missing (400) to those who may upload.
    "measures:entry-upload": get_and_post(
        team_a, TEAM_WRITE, post={**TEAM_WRITE, "data_entry": 400, "team_lead": 400, "staff": 400}
    ),
    "measures:entry-upload-confirm": Rule(
        kwargs=team_a, method="post", data=lambda w: {"token": "none"}, expected=TEAM_WRITE_POST
    ),
    "measures:entry-template": Rule(kwargs=team_a, expected=TEAM_READ),
    "measures:completeness": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
}
