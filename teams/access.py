"""Access helpers: fetch an object for a user together with what they may do with it.

Visibility itself is decided by the queryset methods (`Team.objects.visible_to`,
`Network.objects.visible_to`); these helpers only use them, so HTML views and the API agree.
Outsiders get 404 (they must not learn that an object exists); read-only users get 403 on writes.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404

from .models import Network, NetworkMembership, Team, TeamMembership


@dataclass(frozen=True)
class TeamAccess:
    team: Team
    can_read: bool
    can_enter_data: bool
    can_lead: bool


@dataclass(frozen=True)
class NetworkAccess:
    network: Network
    roles: frozenset[str]
    is_staff: bool
    is_team_member: bool

    @property
    def is_national_lead(self) -> bool:
        return self.is_staff or NetworkMembership.Role.NATIONAL_LEAD in self.roles

    @property
    def can_edit_content(self) -> bool:
        """Goals, indicators and the driver diagram template: expert group and project leads."""
        return self.is_national_lead or NetworkMembership.Role.EXPERT in self.roles

    @property
    def can_edit_seminars(self) -> bool:
        return self.is_national_lead

    @property
    def sees_all_team_names(self) -> bool:
        """Project leadership, coordinators, experts and observers always see team names."""
        return self.is_staff or bool(self.roles)

    @property
    def can_see_drafts(self) -> bool:
        return self.can_edit_content


def get_team_for_user(
    user: User | AnonymousUser, team_uuid, *, write: bool = False, lead: bool = False
) -> TeamAccess:
    """The team with `team_uuid` if the user may read its data; 404 otherwise, 403 on a refused write."""
    try:
        access = _own_team_access(user, team_uuid)
        if access is None:
            # The write and lead flags come in the same query (every team page asks this first).
            team = (
                _with_access_flags(Team.objects.visible_to(user), user)
                .select_related("network", "region")
                .get(uuid=team_uuid)
            )
            access = TeamAccess(
                team=team,
                can_read=True,
                can_enter_data=team.access_can_enter_data,
                can_lead=team.access_can_enter_data and team.access_can_lead,
            )
    except (Team.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not access.can_enter_data:
        raise PermissionDenied
    if lead and not access.can_lead:
        raise PermissionDenied
    return access


def _own_team_access(user: User | AnonymousUser, team_uuid) -> TeamAccess | None:
    """The access of staff and of the team's own members, from one plain query; None for anyone else.

    Most team pages are opened by the team's members, and for them the rules of `visible_to`,
    `writable_by` and `led_by` come down to their membership: a member sees their team, and their
    role (`TeamMembership.ENTRY_ROLES`, `LEAD_ROLES`) says whether they enter data and lead; staff
    may do everything. Building the whole visibility query (and its observer look-up) cost as much
    as loading the grid's rows, so everyone else (leads, coordinators, observers, peers) takes the
    full path. Raises Team.DoesNotExist for staff when there is no such team.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        team = Team.objects.select_related("network", "region").get(uuid=team_uuid)
        return TeamAccess(team=team, can_read=True, can_enter_data=True, can_lead=True)
    membership = (
        TeamMembership.objects.select_related("team__network", "team__region")
        .filter(user=user, team__uuid=team_uuid)
        .order_by()
        .first()
    )
    if membership is None:
        return None
    return TeamAccess(
        team=membership.team,
        can_read=True,
        can_enter_data=membership.can_enter_data,
        can_lead=membership.can_enter_data and membership.can_lead,
    )


def team_access(user: User | AnonymousUser, team: Team) -> TeamAccess:
    """What `user` may do with a team they can already see."""
    if not user.is_authenticated or not user.is_active:
        return TeamAccess(team=team, can_read=True, can_enter_data=False, can_lead=False)
    can_enter_data, can_lead = (
        _with_access_flags(Team.objects.filter(pk=team.pk), user)
        .values_list("access_can_enter_data", "access_can_lead")
        .get()
    )
    return TeamAccess(
        team=team, can_read=True, can_enter_data=can_enter_data, can_lead=can_enter_data and can_lead
    )


def _with_access_flags(teams, user: User | AnonymousUser):
    """Annotate what `user` may do with each team, by the querysets that decide it (writable_by, led_by).

    Only for an active, logged-in user: for anyone else those querysets are empty, and so is
    `visible_to`, which every caller filters by first.
    """
    return teams.annotate(
        access_can_enter_data=Exists(Team.objects.writable_by(user).filter(pk=OuterRef("pk"))),
        access_can_lead=Exists(Team.objects.led_by(user).filter(pk=OuterRef("pk"))),
    )


def get_network_for_user(
    user: User | AnonymousUser, slug: str, *, edit: bool = False, lead: bool = False
) -> NetworkAccess:
    """The network with `slug` if the user belongs to it; 404 otherwise.

    `edit`: 403 unless the user may edit the network's content (goals, indicators, the driver
    diagram template: `can_edit_content`); `lead`: 403 unless they lead it nationally
    (`is_national_lead`: seminars, API tokens).
    """
    try:
        network = Network.objects.visible_to(user).select_related("lead_region").get(slug=slug)
    except Network.DoesNotExist as exc:
        raise Http404 from exc
    access = network_access(user, network)
    if edit and not access.can_edit_content:
        raise PermissionDenied
    if lead and not access.is_national_lead:
        raise PermissionDenied
    return access


def network_access(user: User | AnonymousUser, network: Network) -> NetworkAccess:
    roles = frozenset(
        NetworkMembership.objects.filter(user=user, network=network).values_list("role", flat=True)
    )
    is_team_member = Team.objects.filter(network=network, memberships__user=user).exists()
    return NetworkAccess(network=network, roles=roles, is_staff=user.is_staff, is_team_member=is_team_member)


def get_team_for_token(token, team_uuid, *, write: bool = False) -> TeamAccess:
    """The team with `team_uuid` if an API token may read it; 404 otherwise, 403 on a refused write.

    A token writes only to the one team it was explicitly granted (`ApiToken.write_team`).
    """
    try:
        team = Team.objects.visible_to_token(token).select_related("network", "region").get(uuid=team_uuid)
    except (Team.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    can_enter_data = token.write_team_id == team.id
    if write and not can_enter_data:
        raise PermissionDenied
    return TeamAccess(team=team, can_read=True, can_enter_data=can_enter_data, can_lead=False)
