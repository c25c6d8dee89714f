"""The cluster's member page: the coordinator adds, changes and removes members and links each to their
doctor in the extracts, through clusters.services, with history; nobody else may."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters import services
from clusters.access import cluster_access
from clusters.models import ClusterMembership, Prescriber
from tests.base import make_user

pytestmark = pytest.mark.django_db


def members_url(cw) -> str:
    return reverse("clusters:cluster-members", args=[cw.cluster.slug])


def membership_of(cw, user: User | AnonymousUser) -> ClusterMembership:
    return ClusterMembership.objects.get(cluster=cw.cluster, user=user)


def test_the_coordinator_adds_a_doctor_by_email_and_links_their_prescriber(cw, client_for):
    person = make_user("ny-laege", email="ny.laege@example.org", first_name="Østen", last_name="Østergård")
    doctor = next(p for p in cw.prescribers if p.name == "Østen Østergård")
    client = client_for(cw.coordinator)
    response = client.post(
        members_url(cw),
        {
            "person": "NY.LAEGE@example.org",
            "role": "member",
            "practice": doctor.practice_id,
            "prescriber": doctor.pk,
        },
    )
    assert response.status_code == 302
    membership = membership_of(cw, person)
    assert membership.role == "member" and membership.practice_id == doctor.practice_id
    doctor.refresh_from_db()
    assert doctor.user_id == person.id
    # History names who did it, for the membership and for the link to the doctor.
    assert membership.history.first().history_user_id == cw.coordinator.id
    assert doctor.history.first().history_user_id == cw.coordinator.id
    # The new member now sees the cluster, and their own figures by name.
    access = cluster_access(person, cw.cluster)
    assert access.is_member and access.own_prescriber_ids == {doctor.id}
    page = client.get(members_url(cw)).content.decode()
    assert "Østen Østergård" in page and "Klyngemedlem" in page


def test_the_add_form_says_what_is_wrong_and_stores_nothing(cw, client_for):
    client = client_for(cw.coordinator)
    before = ClusterMembership.objects.count()
    response = client.post(members_url(cw), {"person": "findes-ikke", "role": "member"})
    assert response.status_code == 400
    assert "Der findes ingen aktiv bruger" in response.content.decode()
    # Already a member: said at the person field, not a 500 from the unique constraint.
    response = client.post(members_url(cw), {"person": cw.member.username, "role": "member"})
    assert response.status_code == 400
    assert "Brugeren er allerede medlem af klyngen." in response.content.decode()
    # A doctor of another practice than the one chosen.
    person = make_user("tredje")
    doctor = cw.prescribers[-1]
    response = client.post(
        members_url(cw),
        {"person": "tredje", "role": "member", "practice": cw.practices[0].pk, "prescriber": doctor.pk},
    )
    assert response.status_code == 400
    assert "Behandleren hører ikke til den valgte praksis." in response.content.decode()
    assert ClusterMembership.objects.count() == before
    assert not ClusterMembership.objects.filter(user=person).exists()


def test_a_doctor_already_linked_to_someone_else_is_refused(cw):
    taken = Prescriber.objects.get(user=cw.member)
    with pytest.raises(ValidationError) as exc:
        services.cluster_membership_add(
            cluster=cw.cluster,
            member=make_user("fjerde"),
            role="member",
            practice=taken.practice,
            prescriber=taken,
            user=cw.coordinator,
        )
    assert "prescriber" in exc.value.message_dict


def test_a_practice_of_another_cluster_is_refused(cw):
    from clusters.models import Practice

    elsewhere = Practice.objects.create(cluster=cw.other_cluster, code="999999", name="Et andet sted")
    with pytest.raises(ValidationError) as exc:
        services.cluster_membership_add(
            cluster=cw.cluster,
            member=make_user("femte"),
            role="member",
            practice=elsewhere,
            user=cw.coordinator,
        )
    assert "practice" in exc.value.message_dict


def test_the_coordinator_changes_a_members_practice_and_doctor(cw, client_for):
    membership = membership_of(cw, cw.member)
    new_doctor = next(p for p in cw.prescribers if p.name == "Vera Vestlund")
    url = reverse("clusters:cluster-member-edit", args=[cw.cluster.slug, membership.uuid])
    client = client_for(cw.coordinator)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"role": "member", "practice": new_doctor.practice_id, "prescriber": new_doctor.pk}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.practice_id == new_doctor.practice_id
    # One doctor per person in a cluster: the old link is gone.
    assert list(Prescriber.objects.filter(user=cw.member)) == [new_doctor]


def test_removing_a_member_ends_their_access_and_their_doctor_link(cw, client_for):
    membership = membership_of(cw, cw.member)
    url = reverse("clusters:cluster-member-remove", args=[cw.cluster.slug, membership.uuid])
    response = client_for(cw.coordinator).post(url)
    assert response.status_code == 302
    assert not ClusterMembership.objects.filter(pk=membership.pk).exists()
    assert not Prescriber.objects.filter(user=cw.member).exists()
    deleted = ClusterMembership.history.filter(id=membership.pk, history_type="-").get()
    assert deleted.history_user_id == cw.coordinator.id
    detail = reverse("clusters:cluster-detail", args=[cw.cluster.slug])
    assert client_for(cw.member).get(detail).status_code == 404
    # Removing again (a second tab): 404, not 500.
    assert client_for(cw.coordinator).post(url).status_code == 404
    # The member page's history says who took whom out.
    page = client_for(cw.coordinator).get(members_url(cw)).content.decode()
    history = page[page.index("Historik") :]
    assert "Slettet" in history and "Sara Sydlund" in history and "Nora Nordlund" in history


def test_the_last_coordinator_can_neither_leave_nor_be_demoted(cw, client_for):
    membership = membership_of(cw, cw.coordinator)
    client = client_for(cw.coordinator)
    remove = reverse("clusters:cluster-member-remove", args=[cw.cluster.slug, membership.uuid])
    response = client.post(remove)
    assert response.status_code == 400
    assert "mindst én klyngekoordinator" in response.content.decode()
    edit = reverse("clusters:cluster-member-edit", args=[cw.cluster.slug, membership.uuid])
    response = client.post(edit, {"role": "member", "practice": membership.practice_id})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == "coordinator"
    # With a second coordinator, the first may step down.
    services.cluster_membership_update(
        membership=membership_of(cw, cw.member),
        role="coordinator",
        practice=cw.practices[1],
        prescriber=None,
        user=cw.coordinator,
    )
    assert client.post(edit, {"role": "member", "practice": membership.practice_id}).status_code == 302


def test_only_the_coordinator_manages_members(world, cw, client_for):
    url = members_url(cw)
    membership = membership_of(cw, cw.member)
    remove = reverse("clusters:cluster-member-remove", args=[cw.cluster.slug, membership.uuid])
    # Inside the cluster or presenting to it: 403; staff and outside readers: 403 (they see no
    # prescribers); everyone else: 404.
    for user in (cw.member, cw.pharmacist, world.staff, world.national_lead):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(remove).status_code == 403
    for user in (cw.other_member, world.outsider):
        assert client_for(user).get(url).status_code == 404
    assert ClusterMembership.objects.filter(pk=membership.pk).exists()
    # A membership of another cluster is not found through this cluster's address.
    other = ClusterMembership.objects.get(cluster=cw.other_cluster)
    foreign = reverse("clusters:cluster-member-edit", args=[cw.cluster.slug, other.uuid])
    assert client_for(cw.coordinator).get(foreign).status_code == 404
    # The cluster page links the member page for the coordinator only.
    detail = reverse("clusters:cluster-detail", args=[cw.cluster.slug])
    assert url in client_for(cw.coordinator).get(detail).content.decode()
    assert url not in client_for(cw.member).get(detail).content.decode()


def test_staff_names_a_first_coordinator_in_the_admin_through_the_service(world, cw, client_for):
    person = make_user("foerste-koordinator")
    client = client_for(world.staff)
    response = client.post(
        reverse("admin:clusters_clustermembership_add"),
        {"cluster": cw.other_cluster.pk, "user": person.pk, "role": "coordinator", "practice": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = ClusterMembership.objects.get(cluster=cw.other_cluster, user=person)
    assert membership.history.first().history_user_id == world.staff.id
    # The new coordinator's member page: members without a practice, history without a user.
    page = client_for(person).get(reverse("clusters:cluster-members", args=[cw.other_cluster.slug]))
    assert page.status_code == 200 and "foerste-koordinator" in page.content.decode()
    # The admin shows the service's rules at the form, and deletes nothing.
    coordinator = membership_of(cw, cw.coordinator)
    change = reverse("admin:clusters_clustermembership_change", args=[coordinator.pk])
    response = client.post(change, {"role": "member", "practice": coordinator.practice_id})
    assert response.status_code == 200 and "mindst én klyngekoordinator" in response.content.decode()
    delete = reverse("admin:clusters_clustermembership_delete", args=[coordinator.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
