"""Permission-matrix rules for the reports (snapshots) and the data approval (month lock)."""

from reports.models import ReportSnapshot
from reports.services import report_snapshot_generate, report_snapshot_request
from tests.base import World

from .matrix import (
    FORBIDDEN,
    NETWORK_MEMBERS_READ,
    NOT_FOUND,
    OK,
    REDIRECT,
    Rule,
    expect,
    network,
)


def network_snapshot(w: World) -> dict:
    """A generated network report (slides: quick to make); the world's peers are anonymised, so it has
    a file with names for the leadership and an anonymised one for the teams."""
    snapshot = ReportSnapshot.objects.filter(network=w.network, kind=ReportSnapshot.Kind.NETWORK).first()
    if snapshot is None:
        snapshot = report_snapshot_request(network=w.network, user=w.national_lead, format="pptx")
        report_snapshot_generate(snapshot_id=snapshot.id)  # on_commit does not run in a test transaction
    return {"snapshot_uuid": snapshot.uuid}


def team_snapshot(w: World) -> dict:
    snapshot = ReportSnapshot.objects.filter(team=w.team_a).first()
    if snapshot is None:
        snapshot = report_snapshot_request(network=w.network, user=w.data_entry, format="pptx", team=w.team_a)
        report_snapshot_generate(snapshot_id=snapshot.id)
    return {"snapshot_uuid": snapshot.uuid}


LEAD_POST = expect(FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, national_lead=REDIRECT, staff=REDIRECT)
# The file with names: whoever sees all team names (leadership, coordinators, experts, observers).
NAMED_FILE = expect(
    OK,
    stranger=NOT_FOUND,
    outsider=NOT_FOUND,
    other_team_member=FORBIDDEN,
    viewer=FORBIDDEN,
    data_entry=FORBIDDEN,
    team_lead=FORBIDDEN,
)
# A team's report: those who may read the team (as its dashboard).
TEAM_SNAPSHOT_READ = expect(OK, stranger=NOT_FOUND, outsider=NOT_FOUND, other_team_member=NOT_FOUND)

REPORT_RULES: dict[str, Rule] = {
    "reports:network-reports": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "reports:snapshot-create": Rule(
        kwargs=network, method="post", data=lambda w: {"format": "pptx"}, expected=LEAD_POST
    ),
    "reports:month-lock": Rule(
        kwargs=network,
        method="post",
        data=lambda w: {"action": "lock", "through": "2024-06-01", "note": "Matrix"},
        expected=LEAD_POST,
    ),
    "reports:snapshot-detail": Rule(kwargs=network_snapshot, expected=NETWORK_MEMBERS_READ),
    "reports:snapshot-status": Rule(kwargs=network_snapshot, expected=NETWORK_MEMBERS_READ),
    "reports:snapshot-download": Rule(kwargs=network_snapshot, expected=NAMED_FILE),
    "reports:snapshot-download-anonymised": Rule(kwargs=network_snapshot, expected=NETWORK_MEMBERS_READ),
}

# Team reports: the same views, checked for a team A snapshot (not part of the URL-name matrix,
# which holds one rule per name).
TEAM_SNAPSHOT_RULES: dict[str, Rule] = {
    "reports:snapshot-detail": Rule(kwargs=team_snapshot, expected=TEAM_SNAPSHOT_READ),
    "reports:snapshot-download": Rule(kwargs=team_snapshot, expected=TEAM_SNAPSHOT_READ),
    "reports:snapshot-download-anonymised": Rule(
        kwargs=team_snapshot, expected=expect(NOT_FOUND, anonymous=REDIRECT)
    ),
}
