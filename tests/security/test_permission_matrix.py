"""The permission matrix: every URL of the app and the API x every role -> the expected status.

The URLs are found from the URL conf, so a new URL without a rule here fails
`test_every_url_has_a_rule`. Each rule names how to fill the URL's parameters from the shared
world (tests/base.py) and what each role gets. Team-scoped URLs are checked for the own team
(team A) and, through the "other team" roles, for a team the user does not belong to.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

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
]

# Shorthands for the expected statuses.
OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, UNAUTHORIZED = 200, 302, 403, 404, 405, 401


def expect(default: int, anonymous: int = REDIRECT, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table["anonymous"] = anonymous
    table.update(overrides)
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


def team_a(w: World) -> dict:
    return {"team_uuid": w.team_a.uuid}


def network(w: World) -> dict:
    return {"slug": w.network.slug}


RULES: dict[str, Rule] = {
    "home": Rule(expected=expect(OK)),
    "login": Rule(expected=expect(REDIRECT, anonymous=OK)),
    "logout": Rule(method="post", expected=expect(REDIRECT)),
    "set_language": Rule(method="post", data=lambda w: {"language": "en"}, expected=expect(REDIRECT, anonymous=REDIRECT)),
    "teams:network-detail": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "teams:team-detail": Rule(kwargs=team_a, expected=TEAM_READ),
    "admin:index": Rule(expected=STAFF_ONLY_ADMIN),
}

# Django admin enforces is_staff on every admin view itself; its index is in the matrix and the
# foundation tests render every admin page for staff. Static and media files are not views of ours.
EXCLUDED_PREFIXES = ("admin:",)


def walk(resolver: URLResolver, prefix: str = "") -> list[str]:
    names: list[str] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names.extend(walk(entry, namespace))
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return names


def all_url_names() -> list[str]:
    names = sorted(set(walk(get_resolver())))
    return [n for n in names if not n.startswith(EXCLUDED_PREFIXES) or n in RULES]


def test_every_url_has_a_rule():
    missing = [name for name in all_url_names() if name not in RULES]
    assert not missing, f"URLs without a rule in the permission matrix: {missing}"


def client_for_role(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(RULES))
def test_permission_matrix(name, world):
    rule = RULES[name]
    url = reverse(name, kwargs=rule.kwargs(world)) + rule.query
    failures = []
    for role in ROLES:
        client = client_for_role(world, role)
        data = rule.data(world) if rule.data else {}
        response = getattr(client, rule.method)(url, data)
        if response.status_code != rule.expected[role]:
            failures.append(f"{role}: expected {rule.expected[role]}, got {response.status_code}")
    assert not failures, f"{rule.method.upper()} {url}\n" + "\n".join(failures)
