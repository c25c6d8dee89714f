"""Who may see and do what in a cluster; the one place that decides it.

- Inside the cluster (coordinator, members) and the provider of a package the cluster has planned a
  meeting with: everything, with the other practices and prescribers anonymised ("Praksis A",
  "Læge B"); each member sees their own practice and their own figures by name.
- The cluster's LKT's national project leads, its region's regional coordinators and staff: the cluster
  and practice level (practices by name) and the meeting plan; never prescriber figures, discussion
  answers or goals (prescriber figures are personal data about doctors).
- Everyone else: 404. Writes: coordinator (plan, discussion, goals, members), provider (extracts, packages).
"""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

from teams.peers import anonymous_letters

from .models import Cluster, ClusterMembership, Meeting, Practice, Prescriber, Provider, ProviderMembership


@dataclass(frozen=True)
class ClusterAccess:
    cluster: Cluster
    is_coordinator: bool
    is_member: bool
    is_provider: bool
    own_practice_ids: frozenset[int]
    own_prescriber_ids: frozenset[int]

    @property
    def is_inside(self) -> bool:
        return self.is_coordinator or self.is_member

    @property
    def sees_prescribers(self) -> bool:
        """Prescriber figures: inside the cluster and the presenting provider only."""
        return self.is_inside or self.is_provider

    @property
    def sees_discussion(self) -> bool:
        return self.is_inside or self.is_provider

    @property
    def names_practices(self) -> bool:
        """Outside roles see practices by name (no prescriber data); inside, peers are anonymised."""
        return not self.sees_prescribers

    @property
    def can_plan(self) -> bool:
        return self.is_coordinator

    @property
    def can_manage_members(self) -> bool:
        """Who belongs to the cluster, at which practice and as which doctor: the coordinator, who runs
        the cluster (the first coordinator is named by staff in the admin)."""
        return self.is_coordinator

    @property
    def can_upload(self) -> bool:
        return self.is_provider


def cluster_access(user: User | AnonymousUser, cluster: Cluster) -> ClusterAccess:
    membership = ClusterMembership.objects.filter(cluster=cluster, user=user).first()
    is_provider = ProviderMembership.objects.filter(
        user=user, provider__packages__meetings__cluster=cluster
    ).exists()
    own_prescribers = Prescriber.objects.filter(practice__cluster=cluster, user=user)
    own_practices = {p.practice_id for p in own_prescribers}
    if membership is not None and membership.practice_id:
        own_practices.add(membership.practice_id)
    return ClusterAccess(
        cluster=cluster,
        is_coordinator=membership is not None and membership.role == ClusterMembership.Role.COORDINATOR,
        is_member=membership is not None,
        is_provider=is_provider,
        own_practice_ids=frozenset(own_practices),
        own_prescriber_ids=frozenset(p.id for p in own_prescribers),
    )


def get_cluster_for_user(
    user: User | AnonymousUser, slug: str, *, plan: bool = False, members: bool = False
) -> ClusterAccess:
    """The cluster if the user may see it (404 otherwise); 403 when `plan` or `members` (managing who
    belongs) and the user is no coordinator."""
    try:
        cluster = Cluster.objects.visible_to(user).select_related("region", "network").get(slug=slug)
    except Cluster.DoesNotExist as exc:
        raise Http404 from exc
    access = cluster_access(user, cluster)
    if plan and not access.can_plan:
        raise PermissionDenied
    if members and not access.can_manage_members:
        raise PermissionDenied
    return access


def get_meeting_for_user(
    user: User | AnonymousUser,
    meeting_uuid,
    *,
    plan: bool = False,
    upload: bool = False,
    discussion: bool = False,
) -> tuple[Meeting, ClusterAccess]:
    """A meeting of a cluster the user may see; discussion and goals only inside (404 for outside roles)."""
    try:
        meeting = (
            Meeting.objects.filter(cluster__in=Cluster.objects.visible_to(user))
            .select_related("cluster", "cluster__region", "package", "package__provider", "follows")
            .get(uuid=meeting_uuid)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    access = cluster_access(user, meeting.cluster)
    if discussion and not access.sees_discussion:
        raise Http404
    if plan and not access.can_plan:
        raise PermissionDenied
    if upload and not access.can_upload:
        raise PermissionDenied
    return meeting, access


@dataclass(frozen=True)
class ProviderAccess:
    provider: Provider
    can_edit: bool


def get_provider_for_user(user: User | AnonymousUser, slug: str, *, edit: bool = False) -> ProviderAccess:
    """A provider's pages (its antibiotic groups): its own staff edit, other logged-in users read."""
    try:
        provider = Provider.objects.get(slug=slug)
    except Provider.DoesNotExist as exc:
        raise Http404 from exc
    can_edit = ProviderMembership.objects.filter(provider=provider, user=user).exists()
    if edit and not can_edit:
        raise PermissionDenied
    return ProviderAccess(provider=provider, can_edit=can_edit)


def _order_key(cluster: Cluster, obj) -> str:
    # A hash of the cluster's and the unit's UUIDs: stable, and says nothing about names or creation order.
    return hashlib.sha256(f"{cluster.uuid}:{obj.uuid}".encode()).hexdigest()


@dataclass(frozen=True)
class UnitLabel:
    id: int
    label: str
    is_own: bool
    is_named: bool


def practice_labels(access: ClusterAccess, practices: list[Practice] | None = None) -> dict[int, UnitLabel]:
    """Practices as the viewer may see them: by name outside and for their own practice, else "Praksis A"."""
    cluster = access.cluster
    if practices is None:
        practices = list(Practice.objects.filter(cluster=cluster))
    ordered = sorted(practices, key=lambda p: _order_key(cluster, p))
    labels = {}
    for index, practice in enumerate(ordered):
        own = practice.id in access.own_practice_ids
        if access.names_practices or own:
            label = practice.name + (" " + gettext("(din praksis)") if own else "")
        else:
            label = gettext("Praksis %(letter)s") % {"letter": anonymous_letters(index)}
        labels[practice.id] = UnitLabel(practice.id, label, own, access.names_practices or own)
    return labels


def prescriber_labels(
    access: ClusterAccess, prescribers: list[Prescriber] | None = None
) -> dict[int, UnitLabel]:
    """Prescribers as "Læge A, B, ..." with only the viewer's own name shown; empty outside the cluster."""
    if not access.sees_prescribers:
        return {}
    cluster = access.cluster
    if prescribers is None:
        prescribers = list(Prescriber.objects.filter(practice__cluster=cluster))
    ordered = sorted(prescribers, key=lambda p: _order_key(cluster, p))
    labels = {}
    for index, prescriber in enumerate(ordered):
        own = prescriber.id in access.own_prescriber_ids
        label = (
            prescriber.name + " " + gettext("(dig)")
            if own
            else gettext("Læge %(letter)s") % {"letter": anonymous_letters(index)}
        )
        labels[prescriber.id] = UnitLabel(prescriber.id, label, own, own)
    return labels
