from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from seminars.models import SeminarPurpose

from .helpers import make_seminar

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


def parse(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_a_summer_seminar_has_copenhagen_summer_time(world, client_for):
    starts = datetime(2026, 6, 16, 9, 0, tzinfo=CPH)  # CEST, UTC+2
    seminar = make_seminar(
        world.network,
        starts_at=starts,
        hours=7,
        place="Comwell Kolding",
        address="Skovbrynet 1, 6000 Kolding",
    )
    SeminarPurpose.objects.create(seminar=seminar, text="Vidensdeling og netværksdannelse", order=0)
    [event] = parse(client_for(world.viewer).get(reverse("seminars:seminar-ics", args=[seminar.uuid])))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == seminar.starts_at and end == seminar.ends_at
    assert start.utcoffset().total_seconds() == 2 * 3600
    assert (start.hour, end.hour) == (9, 16)
    assert str(event["uid"]) == f"{seminar.uuid}@127.0.0.1"
    assert str(event["location"]) == "Comwell Kolding, Skovbrynet 1, 6000 Kolding"
    assert "Vidensdeling og netværksdannelse" in str(event["description"])
    assert str(event["url"]).endswith(reverse("seminars:seminar-detail", args=[seminar.uuid]))


def test_a_winter_seminar_has_copenhagen_standard_time(world, client_for):
    starts = datetime(2026, 1, 20, 9, 30, tzinfo=CPH)  # CET, UTC+1
    seminar = make_seminar(
        world.network, starts_at=starts, hours=6, online_url="https://meet.example.org/lkt"
    )
    [event] = parse(client_for(world.viewer).get(reverse("seminars:seminar-ics", args=[seminar.uuid])))
    start = event.decoded("dtstart")
    assert start == seminar.starts_at
    assert start.utcoffset().total_seconds() == 3600
    assert start.astimezone(ZoneInfo("UTC")).hour == 8
    assert str(event["location"]) == "https://meet.example.org/lkt"


def test_the_network_feed_has_every_seminar_of_the_network_only(world, client_for):
    first = make_seminar(world.network, days=-100, title="Ledelsesseminar", kind="leadership")
    second = make_seminar(world.network, days=40, title="Læringsseminar 2")
    make_seminar(world.other_network, days=40, title="Andet netværk")
    events = parse(
        client_for(world.other_team_member).get(reverse("seminars:network-ics", args=[world.network.slug]))
    )
    assert {str(e["uid"]).split("@")[0] for e in events} == {str(first.uuid), str(second.uuid)}
    assert {e.decoded("dtstart") for e in events} == {first.starts_at, second.starts_at}


def test_the_calendar_has_a_timezone_definition(world, client_for):
    make_seminar(world.network)
    response = client_for(world.viewer).get(reverse("seminars:network-ics", args=[world.network.slug]))
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]


@pytest.mark.parametrize("role", ["outsider", "stranger"])
def test_outsiders_get_404_for_calendars(world, client_for, role):
    seminar = make_seminar(world.network)
    client = client_for(getattr(world, role))
    assert client.get(reverse("seminars:seminar-ics", args=[seminar.uuid])).status_code == 404
    assert client.get(reverse("seminars:network-ics", args=[world.network.slug])).status_code == 404
