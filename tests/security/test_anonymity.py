"""Anonymised peers leak no identity: not through any page, JSON, CSV, chart hover text or file name.

The world's network shows peers anonymised. Team B's member opens every URL of the app and the API
that the permission matrix lets them open (status 200), plus the CSV exports, and none of the
answers may name team A: its name, code, UUID, hospital, people or its annotation and PDSA texts.
"""

from datetime import date

import pytest
from django.urls import reverse

from measures.charts import chart_results_recompute_stale
from measures.models import Annotation, ChartResult, PDSACycle
from measures.services.improvement import pdsa_cycle_share
from seminars.models import Attendance, Registration
from teams.models import Organisation, Team
from teams.peers import anonymous_order_key
from tests.seminars.helpers import make_seminar

from .matrix import OK
from .test_permission_matrix import cases

pytestmark = pytest.mark.django_db

ANNOTATION_TEXT = "Stuegangsprojekt hos Nordteamet"
PDSA_TITLE = "Nordteamets time-out-test"
SHARED_TITLE = "Stopordre på dag 5"
# Team A is the only team of its region, and one more peer is alone in another: naming either
# region next to an anonymised team, or counting it, points at the team (k >= 3).
LONE_REGION_A = "Region Sjælland"
LONE_REGION_C = "Region Nordjylland"


def identity_markers(world) -> list[str]:
    team = world.team_a
    people = [world.team_lead, world.data_entry, world.viewer]
    return [
        team.name,
        team.code,
        str(team.uuid),
        world.hospital_a.name,
        ANNOTATION_TEXT,
        PDSA_TITLE,
        *[p.username for p in people],
        *[p.get_full_name() for p in people if p.get_full_name()],
        LONE_REGION_A,
        LONE_REGION_C,
    ]


def make_region(name: str) -> Organisation:
    region = Organisation.objects.create(name=name, kind=Organisation.Kind.REGION, sector="region")
    region.region = region
    region.save()
    return region


def spread_over_regions(world) -> None:
    """Team A alone in its region, three peers beside team B in Midtjylland, one peer alone elsewhere."""
    world.team_a.region = make_region(LONE_REGION_A)
    world.team_a.save()
    for n in range(3):
        Team.objects.create(
            network=world.network, code=f"mid-{n}", name=f"Midtteam {n}", region=world.midtjylland
        )
    Team.objects.create(
        network=world.network, code="nord", name="Nordteam", region=make_region(LONE_REGION_C)
    )


def populate(world) -> None:
    """Give team A everything that could carry its identity onto shared pages."""
    spread_over_regions(world)
    for user in (world.team_lead, world.data_entry, world.viewer):
        user.first_name, user.last_name = "Nora", f"Nordby-{user.username}"
        user.save()
    Annotation.objects.create(
        team=world.team_a, indicator=world.indicator, date=date(2024, 6, 1), text=ANNOTATION_TEXT
    )
    cycle = PDSACycle.objects.create(team=world.team_a, title=PDSA_TITLE, start_date=date(2024, 7, 1))
    cycle.indicators.add(world.indicator)
    # A cycle team A chose to share: the idea bank shows it to team B, without team A's identity.
    shared = PDSACycle.objects.create(
        team=world.team_a,
        title=SHARED_TITLE,
        study_notes="Færre behandlingsdage uden flere genindlæggelser.",
        decision=PDSACycle.Decision.ADOPT,
        start_date=date(2024, 9, 1),
    )
    pdsa_cycle_share(cycle=shared, shared=True, user=world.team_lead)
    past = make_seminar(world.network, days=-10, title="Læringsseminar 1")
    make_seminar(world.network, days=20, title="Læringsseminar 2")
    for user in (world.team_lead, world.data_entry):
        Registration.objects.create(seminar=past, user=user, team=world.team_a, registered_by=user)
        Attendance.objects.create(seminar=past, user=user, team=world.team_a, recorded_by=world.national_lead)
    chart_results_recompute_stale(network=world.network)


def peer_readable_urls(world) -> list[str]:
    urls = []
    for name, rule in cases():
        if rule.method != "get" or rule.expected["other_team_member"] != OK:
            continue
        urls.append(reverse(name, kwargs=rule.kwargs(world)) + rule.query)
    return urls


def test_anonymised_peers_leak_no_identity_anywhere(world, client_for):
    populate(world)
    client = client_for(world.other_team_member)
    urls = peer_readable_urls(world)
    # The network's shared pages and the API must be among them, or this test proves nothing.
    assert reverse("measures:network-dashboard", kwargs={"slug": world.network.slug}) in urls
    assert any(url.startswith("/api/v1/") for url in urls)
    csv_urls = [
        reverse("api-v1:measurement-list") + "?format=csv",
        reverse("api-v1:chart-result-list") + "?format=csv",
    ]
    leaks = []
    for url in urls + csv_urls:
        response = client.get(url)
        assert response.status_code == OK, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
        for marker in identity_markers(world):
            if marker in text or marker in headers:
                leaks.append(f"{url}: {marker!r}")
    assert not leaks, "Anonymised team A is identifiable:\n" + "\n".join(leaks)


def test_the_team_member_does_see_the_anonymised_team_as_a_peer(world, client_for):
    # Guard against a vacuous pass: team B's member sees team A's data, just not who it is.
    populate(world)
    page = client_for(world.other_team_member).get(
        reverse("measures:network-dashboard", kwargs={"slug": world.network.slug})
    )
    assert "Team A" in page.content.decode() or "Team B" in page.content.decode()


def test_with_named_peers_the_same_check_finds_the_name(world, client_for):
    # The detector itself works: when the network shows peers by name, team A's name is there.
    world.network.peer_visibility = world.network.PeerVisibility.NAMED
    world.network.save()
    populate(world)
    page = client_for(world.other_team_member).get(
        reverse("measures:network-dashboard", kwargs={"slug": world.network.slug})
    )
    assert world.team_a.name in page.content.decode()


# GP clusters: prescriber figures are personal data about doctors. Inside the cluster each doctor is
# named only to themselves; national and regional roles, staff and API tokens never see a prescriber.


def _cluster_readable(world, role: str) -> list[str]:
    urls = []
    for name, rule in cases():
        if (
            rule.method == "get"
            and rule.expected.get(role) == OK
            and (name.startswith("clusters:") or "cluster" in name)
        ):
            urls.append(reverse(name, kwargs=rule.kwargs(world)) + rule.query)
    return urls


def _texts(client, urls: list[str]) -> dict[str, str]:
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == OK, url
        texts[url] = response.content.decode("utf-8", errors="replace")
    return texts


def test_a_cluster_member_sees_no_other_doctor_and_no_other_practice(world):
    from tests.clusters.factory import build_cluster_world

    from .matrix import client_for_role

    cw = build_cluster_world(world)
    own = next(p for p in cw.prescribers if p.user_id == cw.member.id)
    others = [p for p in cw.prescribers if p.id != own.id]
    markers = [p.name for p in others] + [p.code for p in others] + [str(p.uuid) for p in others]
    foreign = [p for p in cw.practices if p.id != own.practice_id]
    markers += [p.name for p in foreign] + [str(p.uuid) for p in foreign] + [f">{p.code}<" for p in foreign]
    urls = _cluster_readable(world, "cluster_member")
    assert any("/data/" in url for url in urls) and any("/api/v1/" in url for url in urls)
    leaks = []
    for url, text in _texts(client_for_role(world, "cluster_member"), urls).items():
        for marker in markers:
            # The coordinator is named as the cluster's coordinator on the cluster page, as a role.
            if marker in text and not (marker == cw.prescribers[0].name and url.startswith("/klynger/")):
                leaks.append(f"{url}: {marker!r}")
    assert not leaks, "\n".join(leaks)


def test_outside_roles_and_tokens_never_see_a_prescriber(world):
    from teams.services import api_token_create
    from tests.clusters.factory import build_cluster_world

    from .matrix import client_for_role

    cw = build_cluster_world(world)
    markers = (
        [p.name for p in cw.prescribers]
        + [p.code for p in cw.prescribers]
        + [str(p.uuid) for p in cw.prescribers]
    )
    markers += ["Læge A", "Læge B"]
    leaks = []
    for role in ("national_lead", "coordinator", "staff"):
        for url, text in _texts(client_for_role(world, role), _cluster_readable(world, role)).items():
            for marker in markers:
                if marker in text and not (marker == cw.prescribers[0].name and url.startswith("/klynger/")):
                    leaks.append(f"{role} {url}: {marker!r}")
    _token, secret = api_token_create(
        network=world.network,
        name="BI",
        region=None,
        write_team=None,
        expires_at=None,
        user=world.national_lead,
    )
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for url in (
        reverse("api-v1:cluster-list"),
        reverse("api-v1:cluster-indicators", kwargs={"slug": cw.cluster.slug}),
        reverse("api-v1:cluster-meeting-list"),
    ):
        response = client.get(url)
        assert response.status_code == OK, url
        text = response.content.decode()
        for marker in markers:
            if marker in text:
                leaks.append(f"token {url}: {marker!r}")
    assert (
        "Lægerne Nordby"
        in client.get(reverse("api-v1:cluster-indicators", kwargs={"slug": cw.cluster.slug})).content.decode()
    )
    assert not leaks, "\n".join(leaks)


def test_region_aggregates_need_three_teams_besides_the_viewers_own(world, client_for):
    populate(world)
    client = client_for(world.other_team_member)
    regions = {
        row["region"]
        for row in client.get(reverse("api-v1:chart-result-list"), {"scope": "region"}).json()["results"]
    }
    # Midtjylland: team B and three others -> visible; a region with one other team would not be.
    assert regions == {world.midtjylland.name}
    Team.objects.filter(code="mid-0").delete()
    chart_results_recompute_stale(network=world.network)
    results = client.get(reverse("api-v1:chart-result-list"), {"scope": "region"}).json()["results"]
    assert results == []
    # People who see names (the coordinator, the national lead) still see every region they follow.
    lead = (
        client_for(world.national_lead).get(reverse("api-v1:chart-result-list"), {"scope": "region"}).json()
    )
    assert {row["region"] for row in lead["results"]} >= {world.midtjylland.name, LONE_REGION_A}
    assert ChartResult.objects.filter(scope="region", region__name=LONE_REGION_A).exists()


def test_the_project_description_counts_peers_per_region_only_from_three(world, client_for):
    populate(world)
    url = reverse("measures:project-description", kwargs={"slug": world.network.slug})
    body = client_for(world.other_team_member).get(url).content.decode()
    assert world.team_b.name in body  # the viewer's own team, by name
    assert "Team 1" not in body and "Midtteam" not in body
    assert f'<th scope="row">{world.midtjylland.name}</th><td>3</td>' in body
    assert "Øvrige regioner</th><td>2</td>" in body  # team A and the lone northern team, together
    lead_body = client_for(world.national_lead).get(url).content.decode()
    assert world.team_a.name in lead_body and LONE_REGION_A in lead_body


def test_anonymous_letters_do_not_follow_name_or_region_order(world, client_for):
    """Names and regions are given in the reverse of the letters' (hash) order: a page that lists
    anonymised peers by name or region would show the letters backwards."""
    spread_over_regions(world)
    peers = sorted(
        Team.objects.filter(network=world.network).exclude(id=world.team_b.id),
        key=lambda team: anonymous_order_key(world.network, team),
    )
    regions = [make_region(f"Region {chr(ord('Z') - i)}") for i in range(len(peers))]
    for i, team in enumerate(peers):
        team.name = f"{chr(ord('Z') - i)} afdeling"
        team.region = regions[i]
        team.save()
    chart_results_recompute_stale(network=world.network)
    client = client_for(world.other_team_member)
    for url in [
        reverse("measures:network-dashboard", kwargs={"slug": world.network.slug}),
        reverse("measures:project-description", kwargs={"slug": world.network.slug}),
        reverse("api-v1:chart-result-list"),
    ]:
        text = client.get(url).content.decode()
        seen = []
        for team in peers:
            label = f"Team {'ABCDEFGHIJ'[sorted(Team.objects.filter(network=world.network), key=lambda t: anonymous_order_key(world.network, t)).index(team)]}"
            position = text.find(label)
            if position >= 0:
                seen.append((position, team.name))
        if len(seen) >= 3:
            by_position = [name for _position, name in sorted(seen)]
            assert by_position != sorted(by_position), f"{url} lists anonymised teams in name order"


def test_the_idea_bank_shows_a_shared_cycle_to_anonymised_peers_without_its_team(world, client_for):
    populate(world)
    url = reverse("measures:idea-bank", kwargs={"slug": world.network.slug})
    assert url in peer_readable_urls(world)  # so the leak test above reads the idea bank too
    html = client_for(world.other_team_member).get(url).content.decode()
    assert SHARED_TITLE in html and "Færre behandlingsdage" in html and "Implementér" in html
    assert PDSA_TITLE not in html  # not shared: team A's own business
    for marker in identity_markers(world):
        assert marker not in html
    # Team A itself sees both of its cycles, marked as its own.
    own = client_for(world.data_entry).get(url).content.decode()
    assert SHARED_TITLE in own and PDSA_TITLE in own and "jeres team" in own
