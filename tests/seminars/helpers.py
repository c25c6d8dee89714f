"""Seminars for the tests, relative to now so that "upcoming" and "past" stay true."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from seminars.models import Seminar
from teams.models import Network

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def make_seminar(
    network: Network,
    *,
    days: int = 30,
    starts_at: datetime | None = None,
    hours: int = 7,
    title: str = "Læringsseminar 1",
    kind: str = Seminar.Kind.LEARNING,
    **extra,
) -> Seminar:
    if starts_at is None:
        day = (timezone.now() + timedelta(days=days)).astimezone(COPENHAGEN).date()
        starts_at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=COPENHAGEN)
    return Seminar.objects.create(
        network=network,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        **extra,
    )
