"""The permission matrix: every URL of the app and the API x every method it accepts x every role
-> the expected status.

The URLs are found from the URL conf, so a new URL without a rule fails
`test_every_url_has_a_name_and_a_rule`, and a method a view accepts without a rule fails
`test_every_method_a_view_accepts_has_a_rule`. A URL may have several rules (one per method).
Each rule names how to fill the URL's parameters from the shared world (tests/base.py) and what
each role gets. Team-scoped URLs are checked for team A; the "other_team_member", "outsider" and
"stranger" roles are the users for whom it is another team, another network, or nothing at all.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .matrix import (
    NETWORK_MEMBERS_READ,
    NOT_ALLOWED,
    OK,
    REDIRECT,
    ROLES,
    STAFF_ONLY_ADMIN,
    TEAM_READ,
    Rule,
    client_for_role,
    expect,
    get_and_post,
    network,
    read_only,
    team_a,
)
from .rules_accounts import ACCOUNT_RULES
from .rules_api import API_RULES
from .rules_chart_settings import CHART_SETTINGS_RULES
from .rules_clusters import CLUSTER_RULES
from .rules_dashboards import DASHBOARD_RULES
from .rules_definitions import DEFINITION_RULES
from .rules_entry import ENTRY_RULES
from .rules_improvement import IMPROVEMENT_RULES
from .rules_reports import REPORT_RULES
from .rules_seminars import SEMINAR_RULES

CORE_RULES: dict[str, Rule | list[Rule]] = {
    "home": read_only(lambda w: {}, expect(OK)),
    "login": get_and_post(lambda w: {}, expect(REDIRECT, anonymous=OK)),
    "logout": Rule(method="post", expected=expect(REDIRECT)),
    "set_language": [
        Rule(method="post", data=lambda w: {"language": "en"}, expected=expect(REDIRECT, anonymous=REDIRECT)),
        # Django's set_language answers a GET with a redirect and changes nothing.
        Rule(expected=expect(REDIRECT, anonymous=REDIRECT)),
    ],
    "measures:network-dashboard": read_only(network, NETWORK_MEMBERS_READ),
    "measures:team-dashboard": read_only(team_a, TEAM_READ),
    "admin:index": Rule(expected=STAFF_ONLY_ADMIN),
}

RULES: dict[str, Rule | list[Rule]] = {
    **CORE_RULES,
    **ACCOUNT_RULES,
    **API_RULES,
    **CHART_SETTINGS_RULES,
    **DASHBOARD_RULES,
    **ENTRY_RULES,
    **DEFINITION_RULES,
    **IMPROVEMENT_RULES,
    **SEMINAR_RULES,
    **REPORT_RULES,
    **CLUSTER_RULES,
}

# Django admin enforces is_staff on every admin view itself; its index is in the matrix and the
# foundation tests render every admin page for staff. Static and media files are not views of ours.
EXCLUDED_PREFIXES = ("admin:",)
# Methods probed on every HTML view; DRF views declare theirs (see accepted_methods).
HTML_METHODS = ("get", "post")


def rules_for(name: str) -> list[Rule]:
    rules = RULES[name]
    return list(rules) if isinstance(rules, list | tuple) else [rules]


def cases() -> list[tuple[str, Rule]]:
    return [(name, rule) for name in sorted(RULES) for rule in rules_for(name)]


def walk(
    resolver: URLResolver, prefix: str = "", route: str = ""
) -> list[tuple[str | None, URLPattern, str]]:
    """(name or None, pattern, route) for every URL pattern, with the namespace in the name."""
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.extend(walk(entry, namespace, route + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            found.append((prefix + entry.name if entry.name else None, entry, route + str(entry.pattern)))
    return found


def our_patterns() -> list[tuple[str | None, URLPattern, str]]:
    return [
        (name, pattern, route)
        for name, pattern, route in walk(get_resolver())
        if not route.startswith("admin/") and not (name or "").startswith(EXCLUDED_PREFIXES)
    ]


def all_url_names() -> list[str]:
    names = sorted({name for name, _pattern, _route in our_patterns() if name})
    return [n for n in names if not n.startswith(EXCLUDED_PREFIXES) or n in RULES]


def accepted_methods(name: str) -> tuple[str, ...]:
    """What the view may answer: a DRF view says so; an HTML view is probed with GET and POST."""
    callback = next(pattern.callback for n, pattern, _route in our_patterns() if n == name)
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route
        return tuple(method for method in ("get", "post", "put", "patch", "delete") if method in actions)
    view_class = getattr(callback, "cls", None)  # set by DRF's as_view (Django's sets view_class)
    if view_class is not None:
        return tuple(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))
    return HTML_METHODS


def test_every_url_has_a_name_and_a_rule():
    unnamed = [route for name, _pattern, route in our_patterns() if name is None]
    assert not unnamed, f"Unnamed routes cannot be in the permission matrix: {unnamed}"
    missing = [name for name in all_url_names() if name not in RULES]
    assert not missing, f"URLs without a rule in the permission matrix: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n in RULES if not n.startswith(EXCLUDED_PREFIXES)))
def test_every_method_a_view_accepts_has_a_rule(name, world):
    """A method without a rule must be refused (405): staff, who may do everything, is refused too.
    So the POST half of a GET+POST view, and a POST-only view, cannot be left unprobed."""
    ruled = {rule.method for rule in rules_for(name)}
    client = client_for_role(world, "staff")
    url = reverse(name, kwargs=rules_for(name)[0].kwargs(world))
    unprobed = []
    for method in accepted_methods(name):
        if method in ruled:
            continue
        status = getattr(client, method)(url).status_code
        if status != NOT_ALLOWED:
            unprobed.append(f"{method.upper()} answers {status}")
    assert not unprobed, f"{url}: methods the view accepts without a rule: {unprobed}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "rule"), cases(), ids=[f"{n}:{r.method}" for n, r in cases()])
def test_permission_matrix(name, rule, world):
    url = reverse(name, kwargs=rule.kwargs(world)) + rule.query
    failures = []
    for role in ROLES:
        if rule.per_role:
            url = reverse(name, kwargs=rule.kwargs(world)) + rule.query
        client = client_for_role(world, role)
        data = rule.data(world) if rule.data else {}
        response = getattr(client, rule.method)(url, data)
        if response.status_code != rule.expected[role]:
            failures.append(f"{role}: expected {rule.expected[role]}, got {response.status_code}")
    assert not failures, f"{rule.method.upper()} {url}\n" + "\n".join(failures)
