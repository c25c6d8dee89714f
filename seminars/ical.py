"""iCalendar (RFC 5545) files for seminars: one seminar, or all seminars of a network.

Times are written in Europe/Copenhagen with a VTIMEZONE, so a calendar shows 09:00 for a seminar
that starts at 09:00 Danish time, in summer (CEST) and winter (CET) alike. UIDs are the seminar's
uuid at the site's host, so a re-imported or re-fetched event updates instead of duplicating.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Seminar

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def seminar_uid(seminar: Seminar, host: str) -> str:
    return f"{seminar.uuid}@{host}"


def seminar_description(seminar: Seminar) -> str:
    """Purposes and what to prepare, as plain text (calendar apps show DESCRIPTION as text)."""
    lines: list[str] = []
    purposes = [p.text for p in seminar.purposes.all()]
    if purposes:
        lines.append(_("Formål:"))
        lines.extend(f"- {text}" for text in purposes)
    if seminar.preparation:
        if lines:
            lines.append("")
        lines.append(_("Forberedelse:"))
        lines.append(seminar.preparation)
    return "\n".join(lines)


def seminar_location(seminar: Seminar) -> str:
    parts = [part for part in (seminar.place, seminar.address) if part]
    if not parts and seminar.online_url:
        parts = [seminar.online_url]
    return ", ".join(parts)


def build_calendar(
    seminars: Iterable[Seminar],
    *,
    name: str,
    host: str,
    url_for: Callable[[Seminar], str],
    now: datetime | None = None,
) -> bytes:
    """The iCalendar bytes for the seminars; `url_for` gives the absolute URL of a seminar's page."""
    stamp = (now or timezone.now()).astimezone(ZoneInfo("UTC"))
    calendar = Calendar()
    calendar.add("prodid", "-//LKT-tracker//Seminarer//DA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Copenhagen")
    for seminar in seminars:
        event = Event()
        event.add("uid", seminar_uid(seminar, host))
        event.add("dtstamp", stamp)
        event.add("last-modified", seminar.updated_at.astimezone(ZoneInfo("UTC")))
        event.add("dtstart", seminar.starts_at.astimezone(COPENHAGEN))
        event.add("dtend", seminar.ends_at.astimezone(COPENHAGEN))
        event.add("summary", f"{seminar.network.name}: {seminar.title}")
        location = seminar_location(seminar)
        if location:
            event.add("location", location)
        description = seminar_description(seminar)
        if description:
            event.add("description", description)
        event.add("url", url_for(seminar))
        event.add("categories", [seminar.get_kind_display()])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def site_host() -> str:
    """The host part of SITE_URL, for UIDs that stay the same whichever address served the file."""
    return urlsplit(settings.SITE_URL).hostname or "lkt.local"
