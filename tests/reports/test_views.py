"""Report pages: ordering, progress, failures shown, downloads behind their own checks, the seminar's list."""

import pytest
from django.urls import reverse

from measures.models import MonthLock
from reports.models import ReportSnapshot
from reports.services import report_snapshot_generate, report_snapshot_request
from tests.security.matrix import ROLES, client_for_role
from tests.security.rules_reports import TEAM_SNAPSHOT_RULES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(TEAM_SNAPSHOT_RULES))
def test_team_snapshot_permissions(name, world):
    rule = TEAM_SNAPSHOT_RULES[name]
    url = reverse(name, kwargs=rule.kwargs(world))
    failures = []
    for role in ROLES:
        response = client_for_role(world, role).get(url)
        if response.status_code != rule.expected[role]:
            failures.append(f"{role}: expected {rule.expected[role]}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_lead_orders_slides_for_a_seminar_and_locks_the_months(
    report_world, client_for, django_capture_on_commit_callbacks
):
    world = report_world
    client = client_for(world.national_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:snapshot-create", args=[world.network.slug]),
            {"format": "pptx", "seminar": str(world.seminar.uuid), "lock": "1", "lock_through": "2025-12-01"},
        )
    snapshot = ReportSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:snapshot-detail", args=[snapshot.uuid]
    )
    assert snapshot.status == ReportSnapshot.Status.DONE and snapshot.seminar == world.seminar
    assert MonthLock.objects.get(network=world.network).locked_through.isoformat() == "2025-12-01"
    assert "Læringsseminar 2" in MonthLock.history.first().note
    page = client.get(response["Location"]).content.decode()
    assert "Rapporten er klar" in page and "Hent den anonymiserede fil" in page
    # Listed on the seminar and on the network's reports page.
    seminar_page = client_for(world.viewer).get(reverse("seminars:seminar-detail", args=[world.seminar.uuid]))
    assert reverse("reports:snapshot-detail", args=[snapshot.uuid]) in seminar_page.content.decode()
    # A team member gets the anonymised link, not the named one.
    assert (
        f'href="{reverse("reports:snapshot-download", args=[snapshot.uuid])}"'
        not in seminar_page.content.decode()
    )
    assert (
        reverse("reports:snapshot-download-anonymised", args=[snapshot.uuid]) in seminar_page.content.decode()
    )


def test_a_team_member_may_not_order_the_network_report_or_lock(world, client_for):
    response = client_for(world.team_lead).post(
        reverse("reports:snapshot-create", args=[world.network.slug]), {"format": "pdf"}
    )
    assert response.status_code == 403
    assert not ReportSnapshot.objects.exists()


def test_a_team_member_orders_their_own_team_report_not_another(world, client_for):
    client = client_for(world.data_entry)
    url = reverse("reports:snapshot-create", args=[world.network.slug])
    client.post(url, {"format": "pptx", "team": str(world.team_b.uuid)})
    assert not ReportSnapshot.objects.exists()
    client.post(url, {"format": "pptx", "team": str(world.team_a.uuid)})
    assert ReportSnapshot.objects.get().team == world.team_a


def test_progress_is_reported_while_queued_and_running(world, client_for):
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    client = client_for(world.viewer)
    page = client.get(reverse("reports:snapshot-detail", args=[snapshot.uuid])).content.decode()
    assert "<progress" in page and "Genererer" in page
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(
        status="running", progress=40, progress_text="Laver dias"
    )
    state = client.get(reverse("reports:snapshot-status", args=[snapshot.uuid])).json()
    assert state == {
        "status": "running",
        "status_label": "Genererer",
        "progress": 40,
        "text": "Laver dias",
        "error": "",
        "finished": False,
    }


def test_a_failure_is_shown_never_silent(world, client_for, settings):
    settings.REPORT_CHROMIUM_PATH = "/nonexistent/chromium"
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pdf")
    report_snapshot_generate(snapshot_id=snapshot.id)
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.FAILED
    assert snapshot.error.startswith("Rapporten kunne ikke laves")
    page = client_for(world.national_lead).get(reverse("reports:snapshot-detail", args=[snapshot.uuid]))
    assert "Rapporten kunne ikke laves" in page.content.decode()
    state = (
        client_for(world.national_lead).get(reverse("reports:snapshot-status", args=[snapshot.uuid])).json()
    )
    assert state["finished"] and state["status"] == "failed"
    # Nothing to download from a failed snapshot.
    assert (
        client_for(world.national_lead)
        .get(reverse("reports:snapshot-download", args=[snapshot.uuid]))
        .status_code
        == 404
    )


def test_generation_runs_once(world):
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    assert report_snapshot_generate(snapshot_id=snapshot.id) is not None
    first = ReportSnapshot.objects.get().sha256_named
    assert report_snapshot_generate(snapshot_id=snapshot.id) is None
    assert ReportSnapshot.objects.get().sha256_named == first


def test_named_peers_need_no_second_file(world, client_for):
    world.network.peer_visibility = world.network.PeerVisibility.NAMED
    world.network.save()
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    report_snapshot_generate(snapshot_id=snapshot.id)
    snapshot.refresh_from_db()
    assert not snapshot.has_anonymised and not snapshot.file_anonymised
    # Everyone in the network sees names anyway, so everyone gets the one file.
    response = client_for(world.other_team_member).get(
        reverse("reports:snapshot-download", args=[snapshot.uuid])
    )
    assert response.status_code == 200


def test_a_snapshot_abandoned_by_a_killed_worker_is_taken_over(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(status="running", started_at=timezone.now())
    assert report_snapshot_generate(snapshot_id=snapshot.id) is None  # still running elsewhere
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 1)
    )
    assert report_snapshot_generate(snapshot_id=snapshot.id).status == ReportSnapshot.Status.DONE
