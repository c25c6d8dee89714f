"""The vocabulary of the permission matrix: roles, expected statuses, profiles and rules.

Rules for each area live in tests/security/rules_<area>.py; test_permission_matrix.py joins them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client

from tests.base import World

ROLES = [
    "anonymous",
    "stranger",
    "outsider",
    "other_team_member",
    "viewer",
    "data_entry",
    "team_lead",
    "observer",
    "coordinator",
    "expert",
    "national_lead",
    "staff",
    # GP clusters (tests/clusters/factory.py): the coordinator and a member (doctors) of the world's
    # cluster, and the pharmacist of the package provider. Outside clusters they are strangers.
    "cluster_coordinator",
    "cluster_member",
    "cluster_provider",
]
CLUSTER_ROLES = ("cluster_coordinator", "cluster_member", "cluster_provider")

# Shorthands for the expected statuses.
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, UNAUTHORIZED = 200, 302, 403, 404, 405, 401


def expect(default: int, anonymous: int = REDIRECT, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(overrides)
    for role in CLUSTER_ROLES:
        if role not in overrides:
            # Cluster people hold no network or team role: everywhere else they get what a stranger gets.
            table[role] = table["stranger"]
    return table


# Profiles shared by many URLs.
NETWORK_MEMBERS_READ = expect(
    OK, stranger=NOT_FOUND, outsider=NOT_FOUND
)  # everyone who belongs to the network
TEAM_READ = expect(
    OK, stranger=NOT_FOUND, outsider=NOT_FOUND, other_team_member=NOT_FOUND
)  # team A's data, peers anonymised in the world
TEAM_WRITE = expect(
    FORBIDDEN,
    stranger=NOT_FOUND,
    outsider=NOT_FOUND,
    other_team_member=NOT_FOUND,
    data_entry=OK,
    team_lead=OK,
    staff=OK,
)
TEAM_LEAD_WRITE = {**TEAM_WRITE, "data_entry": FORBIDDEN}
NETWORK_CONTENT_WRITE = expect(
    FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, expert=OK, national_lead=OK, staff=OK
)
NETWORK_LEAD_WRITE = expect(FORBIDDEN, stranger=NOT_FOUND, outsider=NOT_FOUND, national_lead=OK, staff=OK)
PUBLIC = expect(OK, anonymous=OK)
STAFF_ONLY_ADMIN = expect(REDIRECT, staff=OK)


@dataclass
class Rule:
    kwargs: Callable[[World], dict] = field(default=lambda w: {})
    expected: dict[str, int] = field(default_factory=lambda: dict(NETWORK_MEMBERS_READ))
    method: str = "get"
    data: Callable[[World], dict] | None = None
    query: str = ""
    # For deletes and other one-way actions: `kwargs` makes a fresh object for each role, so a
    # permitted POST really happens (and is expected) without taking the object from the next role.
    per_role: bool = False


def read_only(kwargs: Callable[[World], dict], expected: dict[str, int]) -> list[Rule]:
    """A page that only reads: a POST is answered as the GET (nothing is written)."""
    return [Rule(kwargs=kwargs, expected=expected), Rule(kwargs=kwargs, method="post", expected=expected)]


def get_and_post(
    kwargs: Callable[[World], dict],
    expected: dict[str, int],
    post: dict[str, int] | None = None,
    data: Callable[[World], dict] | None = None,
) -> list[Rule]:
    """A GET+POST form view: both halves. An invalid POST (no data) re-shows the form for those
    who may write (200, as the GET), so `post` is only needed where the view answers otherwise."""
    return [
        Rule(kwargs=kwargs, expected=expected),
        Rule(kwargs=kwargs, method="post", data=data, expected=post or expected),
    ]


def team_a(w: World) -> dict:
    return {"team_uuid": w.team_a.uuid}


def network(w: World) -> dict:
    return {"slug": w.network.slug}


def client_for_role(world: World, role: str) -> Client:
    client = Client()
    if role in CLUSTER_ROLES:
        from tests.clusters.factory import build_cluster_world

        people = build_cluster_world(world)
        client.force_login(
            {
                "cluster_coordinator": people.coordinator,
                "cluster_member": people.member,
                "cluster_provider": people.pharmacist,
            }[role]
        )
    elif role != "anonymous":
        client.force_login(getattr(world, role))
    return client
