"""The admin writes nothing around the services: only the set-up models are edited there.

Goals, indicators (their versioning), chart settings, improvement work and seminars are written by
services from the product's pages; the admin shows them read-only. Measurements are edited in the
admin through the entry services (tests/measures/test_entry_admin.py).
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from clusters.models import Cluster, ClusterMembership, Provider, ProviderMembership
from measures.models import Indicator, Measurement
from measures.services.entry import measurement_save
from teams.models import Network, NetworkMembership, OidcIdentity, Organisation, Team, TeamMembership

pytestmark = pytest.mark.django_db

OUR_APPS = {"teams", "measures", "seminars", "reports", "clusters"}
# Set-up data with no service of its own: organisations, networks, teams, who belongs where and
# which single sign-on identity is whose; the clusters' providers, their staff and the clusters.
# Cluster memberships are added and changed in the admin through clusters.services (the first
# coordinator; tests/clusters/test_members.py).
EDITABLE = {
    Organisation,
    Network,
    NetworkMembership,
    Team,
    TeamMembership,
    OidcIdentity,
    Measurement,
    Provider,
    ProviderMembership,
    Cluster,
    ClusterMembership,
}


def our_admins():
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in OUR_APPS
        ),
        key=lambda item: item[0]._meta.label,
    )


def test_only_set_up_models_and_measurements_are_editable_in_the_admin(world):
    request = RequestFactory().get("/")
    request.user = world.staff
    writable = set()
    for model, model_admin in our_admins():
        obj = model._default_manager.first()
        rights = [
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request, obj),
            model_admin.has_delete_permission(request, obj),
        ]
        for inline in model_admin.get_inline_instances(request, obj):
            rights += [
                inline.has_add_permission(request, obj),
                inline.has_change_permission(request, obj),
                inline.has_delete_permission(request, obj),
            ]
        if any(rights):
            writable.add(model)
    assert writable == EDITABLE


def test_a_published_indicator_cannot_be_edited_in_place_in_the_admin(world, client_for):
    url = reverse("admin:measures_indicator_change", args=[world.indicator.pk])
    client = client_for(world.staff)
    assert client.get(url).status_code == 200  # shown read-only
    response = client.post(url, {"name": "Ændret uden om versionerne", "code": "ddd"})
    assert response.status_code == 403
    world.indicator.refresh_from_db()
    assert world.indicator.name == "DDD pr. 100 sengedage"
    assert (
        client.post(
            reverse("admin:measures_indicator_delete", args=[world.indicator.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Indicator.objects.filter(pk=world.indicator.pk).exists()


def test_the_measurement_admin_cannot_revert_around_the_service(world, client_for):
    first = (
        Measurement.objects.filter(team=world.team_a, indicator=world.indicator).order_by("period").first()
    )
    measurement = measurement_save(
        team=world.team_a,
        indicator=world.indicator,
        period=first.period,
        numerator=first.numerator + 1,
        denominator=first.denominator,
        expected_version=first.version,
        user=world.data_entry,
    )
    history = measurement.history.first()
    url = reverse("admin:measures_measurement_simple_history", args=[measurement.pk, history.history_id])
    response = client_for(world.staff).post(url, {"numerator": "1", "denominator": "1"})
    assert response.status_code == 403
    assert Measurement.objects.get(pk=measurement.pk).numerator == measurement.numerator


def test_a_read_only_model_cannot_be_reverted_from_its_history(world, client_for):
    """simple-history's revert form saves without asking for the change permission: it is closed."""
    goal = world.goal
    goal.title = "Gammel titel"
    goal.save()
    old = goal.history.order_by("history_id").last()
    goal.title = "Ny titel"
    goal.save()
    url = reverse("admin:measures_goal_simple_history", args=[goal.pk, old.history_id])
    client = client_for(world.staff)
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    goal.refresh_from_db()
    assert goal.title == "Ny titel"


def test_a_report_snapshot_is_a_record_the_admin_cannot_change_or_delete(world, client_for):
    from reports.models import ReportSnapshot

    snapshot = ReportSnapshot.objects.create(
        network=world.network, kind=ReportSnapshot.Kind.NETWORK, format=ReportSnapshot.Format.PDF
    )
    client = client_for(world.staff)
    change = reverse("admin:reports_reportsnapshot_change", args=[snapshot.pk])
    assert client.get(change).status_code == 200  # shown read-only
    assert client.post(change, {"status": "failed"}).status_code == 403
    delete = reverse("admin:reports_reportsnapshot_delete", args=[snapshot.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.QUEUED


def test_a_team_cannot_be_deleted_in_the_admin_only_deactivated(world, client_for):
    client = client_for(world.staff)
    delete = reverse("admin:teams_team_delete", args=[world.team_a.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Team.objects.filter(pk=world.team_a.pk).exists()
