"""The permission matrix: every URL of the app and the API x every role -> the expected status.

The URLs are found from the URL conf, so a new URL without a rule fails `test_every_url_has_a_rule`.
Each rule names how to fill the URL's parameters from the shared world (tests/base.py) and what
each role gets. Team-scoped URLs are checked for team A; the "other_team_member", "outsider" and
"stranger" roles are the users for whom it is another team, another network, or nothing at all.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .matrix import (
    NETWORK_MEMBERS_READ,
    OK,
    REDIRECT,
    ROLES,
    STAFF_ONLY_ADMIN,
    TEAM_READ,
    Rule,
    client_for_role,
    expect,
    network,
    team_a,
)
from .rules_accounts import ACCOUNT_RULES
from .rules_api import API_RULES
from .rules_chart_settings import CHART_SETTINGS_RULES
from .rules_dashboards import DASHBOARD_RULES
from .rules_definitions import EXPERT_RULES
from .rules_entry import ENTRY_RULES
from .rules_reports import REPORT_RULES
from .rules_seminars import SEMINAR_RULES

CORE_RULES: dict[str, Rule] = {
    "home": Rule(expected=expect(OK)),
    "login": Rule(expected=expect(REDIRECT, anonymous=OK)),
    "logout": Rule(method="post", expected=expect(REDIRECT)),
    "set_language": Rule(
        method="post", data=lambda w: {"language": "en"}, expected=expect(REDIRECT, anonymous=REDIRECT)
    ),
    "measures:network-dashboard": Rule(kwargs=network, expected=NETWORK_MEMBERS_READ),
    "measures:team-dashboard": Rule(kwargs=team_a, expected=TEAM_READ),
    "admin:index": Rule(expected=STAFF_ONLY_ADMIN),
}

RULES: dict[str, Rule] = {**CORE_RULES, **ACCOUNT_RULES, **API_RULES, **CHART_SETTINGS_RULES, **DASHBOARD_RULES, **ENTRY_RULES, **EXPERT_RULES, **SEMINAR_RULES, **REPORT_RULES}

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
