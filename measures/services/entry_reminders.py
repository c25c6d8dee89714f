"""Monthly reporting reminders: after a network's deadline, e-mail the teams that have not reported.

Only due months are reminded (measures.selectors.entry.due_window): between an active
network's start and end, for the indicators due in that month; a network in preparation, paused or
closed, and an indicator published this month, never cause a reminder.

"Not reported" for a month: the team has neither a measurement (a value or "intet at indberette")
of any indicator due that month, nor marked the month complete. A team
that has entered part of its data is not reminded: the data entry page shows what is missing.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from teams.models import Network, Team, TeamMembership

from ..models import Measurement, MonthCompletion, ReminderSent
from ..months import month_start, previous_month
from ..selectors.definitions import published_indicators
from ..selectors.entry import due_indicators, reporting_deadline

logger = logging.getLogger(__name__)


def reminder_period_due(*, network: Network, today: date) -> date | None:
    """The month whose reminder is due on `today` (the previous month once its deadline has passed)."""
    period = previous_month(month_start(today))
    if today <= reporting_deadline(network, period):
        return None
    if not network.has_reporting_obligation or not network.first_period <= period <= network.last_period:
        return None
    return period


def teams_not_reported(*, network: Network, period: date) -> QuerySet[Team]:
    """Active teams without a measurement of an indicator due in `period` or a month completion.

    No team when no indicator is due in `period`.
    """
    due = due_indicators(network, list(published_indicators(network=network)), period)
    if not due:
        return Team.objects.none()
    measured = Measurement.objects.filter(team=OuterRef("pk"), period=period, indicator__in=due)
    completed = MonthCompletion.objects.filter(team=OuterRef("pk"), period=period)
    return (
        Team.objects.filter(network=network, is_active=True)
        .exclude(Exists(measured))
        .exclude(Exists(completed))
        .order_by("id")
    )


def reminder_recipients(*, team: Team) -> list[str]:
    """E-mail addresses of the people who enter the team's data: data entry members and team leads."""
    return sorted(
        set(
            TeamMembership.objects.filter(
                team=team,
                role__in=[TeamMembership.Role.DATA_ENTRY, TeamMembership.Role.TEAM_LEAD],
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def reminder_send(*, team: Team, period: date) -> bool:
    """Send the reminder for one team and month unless it was already sent; True if sent now.

    The ReminderSent row is inserted first (its unique constraint is the claim), then the mail is
    sent: two jobs at once, or the job run twice, send one mail. A failed send removes the row so
    the next run tries again.
    """
    recipients = reminder_recipients(team=team)
    if not recipients:
        return False
    try:
        with transaction.atomic():
            reminder = ReminderSent.objects.create(team=team, period=period, recipients=", ".join(recipients))
    except IntegrityError:
        return False
    network = team.network
    context = {
        "team": team,
        "network": network,
        "period": period,
        "deadline": reporting_deadline(network, period),
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("measures/entry_reminder_email_subject.txt", context).split())
        body = render_to_string("measures/entry_reminder_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # SMTP errors come in many types; all mean "not sent"
        logger.exception("reminders: could not send the reminder to team %s for %s", team.id, period)
        reminder.delete()
        return False
    return True


def reminders_send_due(*, today: date | None = None) -> int:
    """For every active network past its deadline, remind the teams that have not reported last month."""
    today = today or timezone.localdate()
    sent = 0
    for network in Network.objects.filter(status=Network.Status.ACTIVE).order_by("id"):
        period = reminder_period_due(network=network, today=today)
        if period is None:
            continue
        for team in teams_not_reported(network=network, period=period).select_related("network"):
            sent += reminder_send(team=team, period=period)
    return sent
