"""Monthly reporting reminders: who gets one, when, and never twice for the same team and month."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from measures.models import Measurement, MonthCompletion, ReminderSent
from measures.services.entry_reminders import reminder_period_due, reminders_send_due, teams_not_reported
from measures.tasks import reporting_reminders_task
from teams.models import Network
from tests.base import build_world, month

# Team A has data for 2024-01..2025-12; team B has none. Deadline day 10 of the following month.
AFTER_DEADLINE = date(2024, 6, 11)


@pytest.mark.django_db
def test_it_reminds_only_after_the_deadline(world):
    assert reminder_period_due(network=world.network, today=date(2024, 6, 10)) is None
    assert reminder_period_due(network=world.network, today=AFTER_DEADLINE) == month(2024, 5)
    assert reminder_period_due(network=world.network, today=date(2024, 1, 20)) is None  # before the start
    assert reminders_send_due(today=date(2024, 6, 10)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_reminds_the_data_entry_members_of_teams_that_have_not_reported(world):
    assert list(teams_not_reported(network=world.network, period=month(2024, 5))) == [world.team_b]
    assert reminders_send_due(today=AFTER_DEADLINE) == 1
    [message] = mail.outbox
    assert message.to == ["b@example.org"]
    assert "maj 2024" in message.subject
    assert "Akutafdelingen, Testhospital Vest" in message.body
    assert "10.06.2024" in message.body
    assert ReminderSent.objects.get().team == world.team_b


@pytest.mark.django_db
def test_it_reminds_each_team_once_a_month_even_when_run_twice(world):
    assert reminders_send_due(today=AFTER_DEADLINE) == 1
    assert reminders_send_due(today=AFTER_DEADLINE) == 0
    assert reminders_send_due(today=date(2024, 6, 28)) == 0
    assert len(mail.outbox) == 1
    # The next month is a new month.
    assert reminders_send_due(today=date(2024, 7, 11)) == 1


@pytest.mark.django_db
def test_nothing_to_report_or_a_completed_month_counts_as_reported(world):
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.indicator,
        period=month(2024, 5),
        nothing_to_report=True,
        indicator_version=1,
    )
    MonthCompletion.objects.create(team=world.team_b, period=month(2024, 6))
    assert reminders_send_due(today=AFTER_DEADLINE) == 0
    assert reminders_send_due(today=date(2024, 7, 11)) == 0
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.indicator,
        period=month(2024, 7),
        numerator=Decimal("5"),
        denominator=Decimal("100"),
        indicator_version=1,
    )
    assert reminders_send_due(today=date(2024, 8, 11)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_skips_networks_that_are_not_active(world):
    Network.objects.filter(id=world.network.id).update(status=Network.Status.PAUSED)
    assert reminders_send_due(today=AFTER_DEADLINE) == 0


@pytest.mark.django_db
def test_a_failed_send_can_be_retried(world, settings):
    settings.EMAIL_BACKEND = "tests.measures.test_reminders.FailingBackend"
    assert reminders_send_due(today=AFTER_DEADLINE) == 0
    assert not ReminderSent.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send_due(today=AFTER_DEADLINE) == 1


class FailingBackend:
    """An SMTP server that refuses every message (mail is external I/O, so it may be faked)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise OSError("SMTP refused")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_job_twice_send_one_reminder_per_team(celery_workers):
    world = build_world()
    with celery_workers(2) as workers:
        reporting_reminders_task.delay(today=AFTER_DEADLINE.isoformat())
        reporting_reminders_task.delay(today=AFTER_DEADLINE.isoformat())
        workers.wait_until(
            lambda: len(re.findall(r"reporting_reminders_task\[.*\] succeeded", workers.log())) == 2,
            message="both reminder jobs finished",
        )
        sent = [
            int(n)
            for n in re.findall(r"reporting_reminders_task\[.*\] succeeded in [\d.]+s: (\d+)", workers.log())
        ]
        # The console backend prints each mail into the worker's log.
        mails = re.findall(r"^To: (.+)$", workers.log(), flags=re.MULTILINE)
    assert sorted(sent) == [0, 1]
    assert mails == ["b@example.org"]
    assert ReminderSent.objects.filter(team=world.team_b, period=month(2024, 5)).count() == 1
