"""Permission-matrix rules for the seminar URLs."""

from seminars.models import Attendance, Seminar
from tests.base import World
from tests.seminars.helpers import make_seminar

from .matrix import (
    FORBIDDEN,
    NETWORK_LEAD_WRITE,
    NETWORK_MEMBERS_READ,
    NOT_FOUND,
    REDIRECT,
    Rule,
    expect,
    network,
)


def past_seminar(w: World) -> dict:
    """A held seminar with recorded attendance, so that a permitted delete is refused (302) and the
    seminar survives for the next role."""
    seminar = Seminar.objects.filter(network=w.network, title="Matrix").first()
    if seminar is None:
        seminar = make_seminar(w.network, days=-7, title="Matrix")
        Attendance.objects.create(seminar=seminar, user=w.viewer, team=w.team_a)
    return {"seminar_uuid": seminar.uuid}


NETWORK_MEMBERS_POST = expect(REDIRECT, stranger=NOT_FOUND, outsider=NOT_FOUND)
LEAD_POST = expect(FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, national_lead=REDIRECT, staff=REDIRECT)

SEMINAR_RULES: dict[str, Rule] = {
    "seminars:plan": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "seminars:network-ics": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "seminars:seminar-create": Rule(kwargs=network, expected=NETWORK_LEAD_WRITE),
    "seminars:seminar-detail": Rule(kwargs=past_seminar, expected=NETWORK_MEMBERS_READ),
    "seminars:seminar-ics": Rule(kwargs=past_seminar, expected=NETWORK_MEMBERS_READ),
    "seminars:seminar-edit": Rule(kwargs=past_seminar, expected=NETWORK_LEAD_WRITE),
    "seminars:seminar-attendance": Rule(kwargs=past_seminar, expected=NETWORK_LEAD_WRITE),
    "seminars:seminar-delete": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    "seminars:material-add": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    "seminars:material-delete": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    # No such file: members get 404 too; tests/seminars/test_views_plan.py downloads a real one.
    "seminars:material-download": Rule(
        kwargs=lambda w: {**past_seminar(w), "filename": "slides.pdf"}, expected=expect(NOT_FOUND)
    ),
    # Everyone in the network may register themselves and cancel their own registration.
    "seminars:seminar-register": Rule(kwargs=past_seminar, method="post", expected=NETWORK_MEMBERS_POST),
    "seminars:seminar-cancel": Rule(kwargs=past_seminar, method="post", expected=NETWORK_MEMBERS_POST),
}
