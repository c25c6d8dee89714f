"""The export audit trail, its retention, and deactivation ending sessions and tokens at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import ApiToken, ExportEvent
from teams.services import api_token_create, user_deactivate
from teams.tasks import export_events_prune_task

pytestmark = pytest.mark.django_db


def make_token(world, user: User | AnonymousUser = None) -> str:
    _token, raw = api_token_create(
        network=world.network,
        name="Power BI Hovedstaden",
        region=None,
        write_team=None,
        expires_at=None,
        user=user or world.national_lead,
    )
    return raw


def test_api_pulls_by_token_are_recorded_with_the_client_address(world, settings):
    settings.TRUSTED_PROXIES = 1
    raw = make_token(world)
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.20"
    )
    assert client.get(reverse("api-v1:measurement-list")).status_code == 200
    assert client.get(reverse("api-v1:measurement-list") + "?format=csv").status_code == 200
    events = list(ExportEvent.objects.order_by("id"))
    assert [(e.kind, e.what, e.network, e.client_ip) for e in events] == [
        ("api", "measurements", world.network, "203.0.113.20"),
        ("api_csv", "measurements", world.network, "203.0.113.20"),
    ]
    assert events[0].token.name == "Power BI Hovedstaden" and events[0].user is None
    # A refused request (bad token) is not an export.
    Client(HTTP_AUTHORIZATION="Bearer lkt_nope").get(reverse("api-v1:measurement-list"))
    assert ExportEvent.objects.count() == 2


def test_session_users_csv_downloads_are_recorded_but_not_the_pages_json(world, client_for):
    client = client_for(world.viewer)
    client.get(reverse("api-v1:measurement-list"))
    assert not ExportEvent.objects.exists()
    client.get(reverse("api-v1:measurement-list") + "?format=csv")
    event = ExportEvent.objects.get()
    assert (event.kind, event.user, event.token) == ("api_csv", world.viewer, None)


def test_templates_and_reports_are_recorded(world, client_for):
    client = client_for(world.data_entry)
    client.get(reverse("measures:entry-template", kwargs={"team_uuid": world.team_a.uuid}) + "?format=xlsx")
    client.get(reverse("measures:team-report", kwargs={"team_uuid": world.team_a.uuid}))
    client_for(world.national_lead).get(
        reverse("measures:network-report", kwargs={"slug": world.network.slug})
    )
    kinds = list(ExportEvent.objects.order_by("id").values_list("kind", "user__username", "network__slug"))
    assert kinds == [
        ("template", "data-entry", "lkt-test"),
        ("report", "data-entry", "lkt-test"),
        ("report", "national-lead", "lkt-test"),
    ]
    assert ExportEvent.objects.filter(what__endswith="skabelon.xlsx").exists()


def test_national_leads_see_the_export_log_of_their_network(world, client_for):
    raw = make_token(world)
    Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/teams/")
    client_for(world.viewer).get(reverse("api-v1:measurement-list") + "?format=csv")
    url = reverse("teams:export-log", kwargs={"slug": world.network.slug})
    page = client_for(world.national_lead).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Token: Power BI Hovedstaden" in body
    assert "/api/v1/measurements/?format=csv" in body and "viewer" in body
    assert client_for(world.viewer).get(url).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404


def test_the_retention_task_deletes_only_old_events(world, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    for days in (40, 31, 5):
        event = ExportEvent.objects.create(kind="api", what="x", path="/api/v1/x/", client_ip="127.0.0.1")
        ExportEvent.objects.filter(pk=event.pk).update(occurred_at=timezone.now() - timedelta(days=days))
    assert export_events_prune_task.delay().get() == 2
    assert ExportEvent.objects.count() == 1


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(world, client_for):
    lead_browser = client_for(world.national_lead)
    other_browser = client_for(world.viewer)
    raw = make_token(world, user=world.national_lead)
    kept = make_token(world, user=world.staff)
    bi = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bi.get("/api/v1/teams/").status_code == 200
    dashboard = reverse("measures:network-dashboard", kwargs={"slug": world.network.slug})
    assert lead_browser.get(dashboard).status_code == 200

    assert user_deactivate(user=world.national_lead, by=world.staff) == 1

    assert lead_browser.get(dashboard).status_code == 302  # back to the login page
    assert bi.get("/api/v1/teams/").status_code == 401
    assert ApiToken.objects.get(created_by=world.national_lead).revoked_at is not None
    # Nobody else is affected.
    assert other_browser.get(dashboard).status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Bearer {kept}").get("/api/v1/teams/").status_code == 200


def test_deactivating_in_the_admin_does_the_same(world, client_for):
    lead_browser = client_for(world.national_lead)
    make_token(world, user=world.national_lead)
    admin = client_for(world.staff)
    url = reverse("admin:auth_user_change", args=[world.national_lead.pk])
    form = admin.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "is_active": "",
            "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
            "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
            "oidc_identities-TOTAL_FORMS": "0",
            "oidc_identities-INITIAL_FORMS": "0",
        }
    )
    data = {k: v for k, v in data.items() if k not in {"date_joined", "last_login", "is_active"}}
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    world.national_lead.refresh_from_db()
    assert not world.national_lead.is_active
    assert ApiToken.objects.get(created_by=world.national_lead).revoked_at is not None
    assert lead_browser.get(reverse("home")).status_code == 302


def test_report_file_downloads_are_recorded(world, client_for, settings, tmp_path):
    from django.core.files.base import ContentFile

    from reports.models import ReportSnapshot
    from reports.services import report_snapshot_request

    settings.MEDIA_ROOT = tmp_path
    world.network.peer_visibility = world.network.PeerVisibility.NAMED
    world.network.save()
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    # A finished file (how it is generated is the reports app's own test).
    snapshot.file_named.save("lkt-test-rapport.pptx", ContentFile(b"PK-not-really"), save=False)
    snapshot.status = ReportSnapshot.Status.DONE
    snapshot.save()
    response = client_for(world.other_team_member).get(
        reverse("reports:snapshot-download", args=[snapshot.uuid])
    )
    assert response.status_code == 200
    event = ExportEvent.objects.get()
    assert (event.kind, event.user, event.network) == ("report", world.other_team_member, world.network)
    assert event.what.endswith(".pptx")
