"""Pages for goals and indicators: who may create, edit and publish; teams never see drafts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import Goal, Indicator, IndicatorDraft, LocalTarget, PublicationStatus
from measures.services import definitions as services

pytestmark = pytest.mark.django_db

WRITERS = ["expert", "national_lead", "staff"]
READ_ONLY = ["team_lead", "data_entry", "viewer", "coordinator", "observer", "other_team_member"]
OUTSIDERS = ["outsider", "stranger"]

INDICATOR_POST = {
    "code": "critical",
    "name": "Andel kritisk vigtige antibiotika",
    "kind": "process",
    "numerator_definition": "DDD af kritisk vigtige antibiotika",
    "denominator_definition": "DDD i alt",
    "unit": "%",
    "multiplier": "100",
    "direction": "down",
    "chart_type": "run",
    "target_value": "12,5",
    "order": "3",
}


def draft_indicator(world) -> Indicator:
    return services.indicator_create(
        network=world.network,
        user=world.expert,
        code="draft",
        name="Hemmelig kladdeindikator",
        numerator_definition="Antal",
        kind="outcome",
    )


@pytest.mark.parametrize("role", WRITERS)
def test_writers_create_an_indicator_with_a_decimal_comma(world, client_for, role):
    url = reverse("measures:indicator-create", kwargs={"slug": world.network.slug})
    response = client_for(getattr(world, role)).post(url, INDICATOR_POST)
    assert response.status_code == 302
    indicator = Indicator.objects.get(network=world.network, code="critical")
    assert indicator.target_value == Decimal("12.5")
    assert indicator.status == PublicationStatus.DRAFT


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_get_403_on_every_write(world, client_for, role):
    client = client_for(getattr(world, role))
    slug = world.network.slug
    draft = draft_indicator(world)
    urls = [
        reverse("measures:goal-create", kwargs={"slug": slug}),
        reverse("measures:goal-edit", kwargs={"slug": slug, "goal_uuid": world.goal.uuid}),
        reverse("measures:goal-publish", kwargs={"slug": slug, "goal_uuid": world.goal.uuid}),
        reverse("measures:indicator-create", kwargs={"slug": slug}),
        reverse("measures:indicator-edit", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}),
        reverse("measures:indicator-publish", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}),
        reverse("measures:indicator-retire", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}),
        reverse(
            "measures:indicator-draft-discard", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}
        ),
    ]
    for url in urls:
        assert client.post(url, INDICATOR_POST).status_code == 403, url
    assert client.get(urls[0]).status_code == 403
    url = reverse("measures:indicator-publish", kwargs={"slug": slug, "indicator_uuid": draft.uuid})
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.DRAFT
    assert Indicator.objects.get(pk=world.indicator.pk).status == PublicationStatus.PUBLISHED
    assert not Indicator.objects.filter(code="critical").exists()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_get_404(world, client_for, role):
    client = client_for(getattr(world, role))
    slug = world.network.slug
    for url in [
        reverse("measures:goal-list", kwargs={"slug": slug}),
        reverse("measures:indicator-list", kwargs={"slug": slug}),
        reverse("measures:indicator-detail", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}),
        reverse("measures:project-description", kwargs={"slug": slug}),
        reverse("measures:indicator-create", kwargs={"slug": slug}),
    ]:
        assert client.get(url).status_code == 404, url


def test_an_indicator_of_another_network_is_404_under_this_networks_slug(world, client_for):
    other = Indicator.objects.create(
        network=world.other_network, code="x", name="X", numerator_definition="n"
    )
    url = reverse(
        "measures:indicator-detail", kwargs={"slug": world.network.slug, "indicator_uuid": other.uuid}
    )
    assert client_for(world.staff).get(url).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "team_lead", "coordinator", "observer", "other_team_member"])
def test_teams_never_see_drafts(world, client_for, role):
    draft = draft_indicator(world)
    draft_goal = services.goal_create(
        network=world.network, user=world.expert, number=7, title="Hemmeligt kladdemål"
    )
    services.indicator_update(indicator=world.indicator, user=world.expert, name="Hemmeligt nyt navn")
    client = client_for(getattr(world, role))
    slug = world.network.slug
    for name in ["measures:goal-list", "measures:indicator-list", "measures:project-description"]:
        body = client.get(reverse(name, kwargs={"slug": slug})).content.decode()
        assert world.indicator.name in body, name
        assert "Hemmelig kladdeindikator" not in body, name
        assert "Hemmeligt kladdemål" not in body, name
        assert "Hemmeligt nyt navn" not in body, name
    detail = reverse("measures:indicator-detail", kwargs={"slug": slug, "indicator_uuid": draft.uuid})
    assert client.get(detail).status_code == 404
    published = reverse(
        "measures:indicator-detail", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}
    )
    body = client.get(published).content.decode()
    assert "Hemmeligt nyt navn" not in body
    assert draft_goal.title not in body


def test_the_expert_group_sees_drafts_and_the_pending_version(world, client_for):
    draft_indicator(world)
    services.indicator_update(indicator=world.indicator, user=world.expert, name="Nyt navn til version 2")
    client = client_for(world.expert)
    body = client.get(
        reverse("measures:indicator-list", kwargs={"slug": world.network.slug})
    ).content.decode()
    assert "Hemmelig kladdeindikator" in body
    url = reverse(
        "measures:indicator-detail",
        kwargs={"slug": world.network.slug, "indicator_uuid": world.indicator.uuid},
    )
    body = client.get(url).content.decode()
    assert "Nyt navn til version 2" in body
    assert "Kladde til version 2" in body


def test_editing_a_published_indicator_through_the_page_makes_a_draft_then_a_version(world, client_for):
    client = client_for(world.expert)
    slug = world.network.slug
    edit = reverse("measures:indicator-edit", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid})
    form = client.get(edit)
    assert form.status_code == 200
    post = {
        **INDICATOR_POST,
        "code": "ddd",
        "name": "DDD pr. 100 sengedage",
        "unit": "DDD pr. 100 sengedage",
        "numerator_definition": "Antal DDD (ny opgørelse)",
        "goal": world.goal.pk,
        "target_value": "45,5",
    }
    assert client.post(edit, post).status_code == 302
    world.indicator.refresh_from_db()
    assert world.indicator.numerator_definition == "Antal DDD"
    assert IndicatorDraft.objects.get(indicator=world.indicator).target_value == Decimal("45.5")
    publish = reverse(
        "measures:indicator-publish", kwargs={"slug": slug, "indicator_uuid": world.indicator.uuid}
    )
    response = client.post(publish, {"change_note": ""})
    assert response.status_code == 200
    assert "ændringsnote" in response.content.decode().lower()
    assert client.post(publish, {"change_note": "Ny opgørelse af DDD."}).status_code == 302
    world.indicator.refresh_from_db()
    assert world.indicator.version == 2
    assert world.indicator.numerator_definition == "Antal DDD (ny opgørelse)"
    assert world.indicator.code == "ddd"


def test_publishing_a_goal_makes_it_visible_to_teams(world, client_for):
    client = client_for(world.national_lead)
    slug = world.network.slug
    response = client.post(
        reverse("measures:goal-create", kwargs={"slug": slug}),
        {"number": "2", "title": "Færre kritisk vigtige antibiotika", "target_value": "0,5"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get(network=world.network, number=2)
    assert goal.target_value == Decimal("0.5")
    viewer = client_for(world.viewer)
    assert goal.title not in viewer.get(reverse("measures:goal-list", kwargs={"slug": slug})).content.decode()
    client.post(reverse("measures:goal-publish", kwargs={"slug": slug, "goal_uuid": goal.uuid}))
    goal.refresh_from_db()
    assert goal.status == PublicationStatus.PUBLISHED
    assert goal.published_by == world.national_lead
    assert goal.title in viewer.get(reverse("measures:goal-list", kwargs={"slug": slug})).content.decode()


# Local targets -----------------------------------------------------------------------------------


def test_the_team_lead_sets_a_local_target_with_a_decimal_comma(world, client_for):
    url = reverse(
        "measures:local-target-edit",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    response = client_for(world.team_lead).post(
        url, {"value": "47,5", "deadline": "2026-06-30", "note": "Realistisk"}
    )
    assert response.status_code == 302
    assert LocalTarget.objects.get(team=world.team_a, indicator=world.indicator).value == Decimal("47.5")
    page = client_for(world.viewer).get(
        reverse("measures:local-targets", kwargs={"team_uuid": world.team_a.uuid})
    )
    assert "47,5" in page.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("data_entry", 403),
        ("viewer", 403),
        ("coordinator", 403),
        ("expert", 403),
        ("other_team_member", 404),
        ("outsider", 404),
    ],
)
def test_only_the_team_lead_sets_local_targets(world, client_for, role, status):
    url = reverse(
        "measures:local-target-edit",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid},
    )
    assert client_for(getattr(world, role)).post(url, {"value": "47"}).status_code == status
    assert not LocalTarget.objects.exists()


def test_a_local_target_for_a_draft_indicator_is_404(world, client_for):
    draft = draft_indicator(world)
    url = reverse(
        "measures:local-target-edit", kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": draft.uuid}
    )
    assert client_for(world.team_lead).get(url).status_code == 404
