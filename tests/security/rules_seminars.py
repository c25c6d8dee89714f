"""Permission-matrix rules for the seminar URLs."""

from pathlib import Path

from django.core.files.base import ContentFile

from seminars.models import Attendance, Seminar, SeminarMaterial
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
    get_and_post,
    network,
    read_only,
)


def past_seminar(w: World) -> dict:
    """A held seminar with recorded attendance, so that a permitted delete is refused (302) and the
    seminar survives for the next role."""
    seminar = Seminar.objects.filter(network=w.network, title="Matrix").first()
    if seminar is None:
        seminar = make_seminar(w.network, days=-7, title="Matrix")
        Attendance.objects.create(seminar=seminar, user=w.viewer, team=w.team_a)
    return {"seminar_uuid": seminar.uuid}


def material_file(w: World) -> dict:
    kwargs = past_seminar(w)
    seminar = Seminar.objects.get(uuid=kwargs["seminar_uuid"])
    material = SeminarMaterial.objects.filter(seminar=seminar).exclude(file="").first()
    if material is None:
        material = SeminarMaterial.objects.create(
            seminar=seminar,
            title="Slides",
            file=ContentFile(b"%PDF-1.4 matrix", name="slides.pdf"),
            uploaded_by=w.national_lead,
        )
    return {**kwargs, "filename": Path(material.file.name).name}


NETWORK_MEMBERS_POST = expect(REDIRECT, stranger=NOT_FOUND, outsider=NOT_FOUND)
LEAD_POST = expect(FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, national_lead=REDIRECT, staff=REDIRECT)

SEMINAR_RULES: dict[str, Rule] = {
    "seminars:plan": read_only(network, NETWORK_MEMBERS_READ),
    "seminars:network-ics": read_only(network, NETWORK_MEMBERS_READ),
    "seminars:seminar-create": get_and_post(network, NETWORK_LEAD_WRITE),
    "seminars:seminar-detail": read_only(past_seminar, NETWORK_MEMBERS_READ),
    "seminars:seminar-ics": read_only(past_seminar, NETWORK_MEMBERS_READ),
    "seminars:seminar-edit": get_and_post(past_seminar, NETWORK_LEAD_WRITE),
    # An empty attendance list is a valid save (nobody came): the lead is sent back (302).
    "seminars:seminar-attendance": get_and_post(past_seminar, NETWORK_LEAD_WRITE, post=LEAD_POST),
    "seminars:seminar-delete": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    "seminars:material-add": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    "seminars:material-delete": Rule(kwargs=past_seminar, method="post", expected=LEAD_POST),
    # A real file: everyone in the network downloads it; a POST is answered as the GET.
    "seminars:material-download": read_only(material_file, NETWORK_MEMBERS_READ),
    # Everyone in the network may register themselves and cancel their own registration.
    "seminars:seminar-register": Rule(kwargs=past_seminar, method="post", expected=NETWORK_MEMBERS_POST),
    "seminars:seminar-cancel": Rule(kwargs=past_seminar, method="post", expected=NETWORK_MEMBERS_POST),
}
