"""How one team's members see the other teams of their network: by name, as "Team A, B, ...", or not.

The one place that decides how a team is labelled on network pages, in charts and in the API.
Project leadership, coordinators, experts, observers and staff always see names
(`NetworkAccess.sees_all_team_names`); a team member sees their own teams by name and the other
teams as the network's peer visibility says.

Anonymous letters are assigned over ALL teams of the network in an order derived from a hash of
the network's and the team's UUIDs: the same team has the same letter for every viewer and every
request, and the letter says nothing about the name, the region or when the team was created (an
order by name or by id would). Adding a team to the network may move letters; that is the price
of not leaking the order of creation.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils.translation import gettext

from .access import NetworkAccess, network_access
from .models import Network, Organisation, Team

# k-anonymity: a viewer who sees peers anonymised may learn something about a group of other teams
# only when it holds at least this many teams besides the viewer's own (a region aggregate of a
# region with one other team is that team's data; a count of 1 in a region names it).
MIN_PEERS = 3


@dataclass(frozen=True)
class PeerLabel:
    """What a viewer may know about one team: a label, and the UUID only when the team is named."""

    team_id: int
    label: str
    is_named: bool
    is_own: bool
    # None for anonymised teams: the UUID would identify the team in URLs and file names.
    uuid: UUID | None
    # Region and sector only for named teams, for the same reason.
    region_id: int | None
    sector: str | None


def anonymous_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, like spreadsheet columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def anonymous_order_key(network: Network, team: Team) -> str:
    return hashlib.sha256(f"{network.uuid}:{team.uuid}".encode()).hexdigest()


def peer_labels(
    network: Network,
    viewer,
    *,
    access: NetworkAccess | None = None,
    teams: list[Team] | None = None,
) -> dict[int, PeerLabel]:
    """Labels of the network's teams as `viewer` may see them, keyed by team id; hidden teams are absent.

    Pass `teams` (every team of the network) and `access` (the viewer's, from network_access) when
    the caller already has them; the function then makes one query (the viewer's own teams), none
    when the viewer has no team in the network.
    """
    if access is None:
        access = network_access(viewer, network)
    if teams is None:
        teams = list(Team.objects.filter(network=network).select_related("region"))
    # The access already knows whether the viewer is in a team of the network (network_access asks
    # exactly that): only then are their own teams read.
    own_ids = (
        set(Team.objects.filter(network=network, memberships__user=viewer).values_list("id", flat=True))
        if viewer.is_authenticated and access.is_team_member
        else set()
    )
    mode = network.peer_visibility
    sees_names = access.sees_all_team_names or mode == Network.PeerVisibility.NAMED

    letters: dict[int, str] = {}
    if not sees_names and mode == Network.PeerVisibility.ANONYMISED:
        ordered = sorted(teams, key=lambda team: anonymous_order_key(network, team))
        letters = {team.id: anonymous_letters(index) for index, team in enumerate(ordered)}

    labels: dict[int, PeerLabel] = {}
    for team in teams:
        is_own = team.id in own_ids
        if sees_names or is_own:
            labels[team.id] = PeerLabel(
                team_id=team.id,
                label=team.name,
                is_named=True,
                is_own=is_own,
                uuid=team.uuid,
                region_id=team.region_id,
                sector=team.sector,
            )
        elif team.id in letters:
            labels[team.id] = PeerLabel(
                team_id=team.id,
                label=gettext("Team %(letter)s") % {"letter": letters[team.id]},
                is_named=False,
                is_own=False,
                uuid=None,
                region_id=None,
                sector=None,
            )
    return labels


def sees_peer_names(network: Network, access: NetworkAccess) -> bool:
    return access.sees_all_team_names or network.peer_visibility == Network.PeerVisibility.NAMED


def own_team_ids(network: Network, viewer) -> set[int]:
    if not viewer.is_authenticated:
        return set()
    return set(Team.objects.filter(network=network, memberships__user=viewer).values_list("id", flat=True))


@dataclass(frozen=True)
class RegionCount:
    region: Organisation | None  # None: the regions with fewer than MIN_PEERS other teams, together
    n_teams: int


def peer_region_counts(*, teams: list[Team], own_ids: set[int]) -> list[RegionCount]:
    """How many teams besides the viewer's own take part per region, for a viewer who sees peers
    anonymised: a region is named only with MIN_PEERS or more; the others are counted together
    (never a region with its one or two teams)."""
    counts = Counter(team.region_id for team in teams if team.id not in own_ids)
    regions = {team.region_id: team.region for team in teams}
    named = sorted(
        (
            RegionCount(regions[region_id], n)
            for region_id, n in counts.items()
            if region_id and n >= MIN_PEERS
        ),
        key=lambda count: count.region.name,
    )
    rest = sum(n for region_id, n in counts.items() if not region_id or n < MIN_PEERS)
    return named + ([RegionCount(None, rest)] if rest else [])


def region_aggregates_visible_to(user: User | AnonymousUser) -> Q:
    """Region-level chart results (ChartResult) a user may see: the regions of the teams they see.

    For a user who sees peers anonymised, only regions with at least MIN_PEERS teams besides their
    own: in a smaller region the aggregate minus their own data is the other team's data.
    """
    visible = Team.objects.visible_to(user).values_list("network_id", "region_id").distinct()
    pairs: dict[int, set[int]] = {}
    for network_id, region_id in visible:
        if region_id is not None:
            pairs.setdefault(network_id, set()).add(region_id)
    condition = Q(pk__in=[])
    for network in Network.objects.filter(id__in=pairs):
        regions = pairs[network.id]
        access = network_access(user, network)
        if not sees_peer_names(network, access):
            own = own_team_ids(network, user)
            per_region = Counter(
                region_id
                for team_id, region_id in Team.objects.filter(
                    network=network, region_id__in=regions
                ).values_list("id", "region_id")
                if team_id not in own
            )
            regions = {region_id for region_id in regions if per_region[region_id] >= MIN_PEERS}
        if regions:
            condition |= Q(network_id=network.id, region_id__in=regions)
    return condition
