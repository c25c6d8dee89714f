"""Services: the extract deadline and its reminder, the retention of prescriber rows."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clusters import services, tasks
from clusters.models import Extract, ExtractRow, Meeting

pytestmark = pytest.mark.django_db


def test_the_deadline_is_the_packages_lead_time_before_the_meeting(cw):
    meeting = services.meeting_create(
        cluster=cw.cluster, package=cw.package, day=date(2027, 3, 1), user=cw.coordinator
    )
    assert meeting.extract_deadline == date(2026, 12, 31)  # 60 days before
    assert meeting.deadline_state(date(2026, 11, 1)) == "open"
    assert meeting.deadline_state(date(2026, 12, 20)) == "soon"
    assert meeting.deadline_state(date(2027, 1, 2)) == "overdue"
    services.meeting_mark_extract_requested(meeting=meeting, on=date(2026, 12, 1), user=cw.coordinator)
    assert meeting.deadline_state(date(2027, 1, 2)) == "requested"


def test_the_reminder_goes_once_to_the_coordinator_when_the_deadline_nears(cw, settings):
    meeting = services.meeting_create(
        cluster=cw.cluster, package=cw.package, day=date(2027, 3, 1), user=cw.coordinator
    )
    assert services.meeting_reminders_send(today=date(2026, 11, 1)) == 0  # 60 days to the deadline
    assert services.meeting_reminders_send(today=date(2026, 12, 20)) == 1
    assert [m.to for m in mail.outbox] == [["koordinator@example.org"]]
    assert "31. december 2026" in mail.outbox[0].subject
    assert str(meeting.uuid) in mail.outbox[0].body
    assert services.meeting_reminders_send(today=date(2026, 12, 21)) == 0  # once
    # A new date is a new deadline: the coordinator is reminded again.
    services.meeting_update(
        meeting=meeting,
        version=Meeting.objects.get(pk=meeting.pk).version,
        fields={"date": date(2027, 3, 10)},
        user=cw.coordinator,
    )
    assert services.meeting_reminders_send(today=date(2026, 12, 30)) == 1


def test_no_reminder_once_the_extract_is_requested(cw):
    meeting = services.meeting_create(
        cluster=cw.cluster, package=cw.package, day=date(2027, 3, 1), user=cw.coordinator
    )
    services.meeting_mark_extract_requested(meeting=meeting, on=date(2026, 12, 1), user=cw.coordinator)
    assert services.meeting_reminders_send(today=date(2026, 12, 20)) == 0


def test_retention_deletes_only_old_prescriber_rows_and_is_safe_to_run_twice(cw, settings):
    settings.CLUSTER_PRESCRIBER_RETENTION_DAYS = 30
    old, new = list(Extract.objects.filter(cluster=cw.cluster).order_by("id"))
    Extract.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=31))
    practice_rows = ExtractRow.objects.filter(extract=old).exclude(scope="prescriber").count()
    assert ExtractRow.objects.filter(extract=old, scope="prescriber").exists()
    assert tasks.extract_retention_task() == 1
    assert not ExtractRow.objects.filter(extract=old, scope="prescriber").exists()
    assert ExtractRow.objects.filter(extract=old).count() == practice_rows
    assert ExtractRow.objects.filter(extract=new, scope="prescriber").exists()
    old.refresh_from_db()
    assert old.prescriber_rows_deleted_at is not None
    assert tasks.extract_retention_task() == 0


def test_meeting_update_refuses_a_stale_version(cw):
    with pytest.raises(services.ConflictError):
        services.meeting_update(
            meeting=cw.follow_up, version=cw.follow_up.version - 1, fields={"place": "x"}, user=cw.coordinator
        )
