"""Driver diagrams: the network's template, the teams' independent copies, history and pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from measures.models import DriverDiagram, DriverNode
from measures.selectors.improvement import driver_diagram_changes, driver_tree
from measures.services import improvement as services

pytestmark = pytest.mark.django_db


def build_template(world) -> DriverDiagram:
    diagram = services.driver_diagram_template_create(
        network=world.network, user=world.expert, aim_text="Rationel brug af antibiotika"
    )
    aim = diagram.nodes.get(kind=DriverNode.Kind.AIM)
    aim.goals.add(world.goal)
    for code, text in [
        ("A", "Indikation"),
        ("B", "Valg af antibiotika"),
        ("C", "Revurdering"),
        ("D", "Varighed"),
    ]:
        primary = services.driver_node_create(
            diagram=diagram,
            parent=aim,
            kind=DriverNode.Kind.PRIMARY,
            code=code,
            text=text,
            user=world.expert,
            indicators=[world.indicator] if code == "A" else [],
        )
        if code == "C":
            secondary = services.driver_node_create(
                diagram=diagram,
                parent=primary,
                kind=DriverNode.Kind.SECONDARY,
                text="Fast revurdering efter 48 timer",
                user=world.expert,
            )
            services.driver_node_create(
                diagram=diagram,
                parent=secondary,
                kind=DriverNode.Kind.CHANGE_IDEA,
                text="Påmindelse i journalen",
                user=world.expert,
                indicators=[world.count_indicator],
            )
    return diagram


def texts(diagram: DriverDiagram) -> list[str]:
    return sorted(diagram.nodes.values_list("text", flat=True))


def test_the_template_has_the_aim_and_four_focus_areas_in_order(world):
    diagram = build_template(world)
    tree = driver_tree(diagram=diagram, include_drafts=False)
    assert len(tree) == 1
    assert [c.node.code for c in tree[0].children] == ["A", "B", "C", "D"]
    assert tree[0].goals == [world.goal]
    assert tree[0].children[0].indicators == [world.indicator]
    assert tree[0].children[2].children[0].children[0].node.text == "Påmindelse i journalen"


def test_a_team_copy_is_a_deep_copy_with_links(world):
    template = build_template(world)
    copy = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    assert copy.copied_from == template
    assert copy.team == world.team_a
    assert texts(copy) == texts(template)
    assert not set(copy.nodes.values_list("id", flat=True)) & set(template.nodes.values_list("id", flat=True))
    idea = copy.nodes.get(kind=DriverNode.Kind.CHANGE_IDEA)
    assert idea.parent.diagram == copy
    assert list(idea.indicators.all()) == [world.count_indicator]
    assert list(copy.nodes.get(kind=DriverNode.Kind.AIM).goals.all()) == [world.goal]
    with pytest.raises(ValidationError):
        services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)


def test_later_template_edits_do_not_touch_a_teams_copy(world):
    template = build_template(world)
    copy = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    before = texts(copy)
    a = template.nodes.get(code="A")
    services.driver_node_update(node=a, user=world.expert, text="Indikation for behandling", code="A")
    services.driver_node_delete(node=template.nodes.get(code="D"), user=world.expert)
    services.driver_node_create(
        diagram=template,
        parent=template.nodes.get(kind="aim"),
        kind="primary",
        code="E",
        text="Ny driver",
        user=world.expert,
    )
    assert texts(copy) == before
    # ... and the team's edits do not touch the template.
    services.driver_node_update(
        node=copy.nodes.get(code="B"), user=world.team_lead, text="Vores valg", code="B"
    )
    assert template.nodes.get(code="B").text == "Valg af antibiotika"


def test_nodes_are_reordered_among_siblings(world):
    template = build_template(world)
    b = template.nodes.get(code="B")
    services.driver_node_move(node=b, user=world.expert, up=True)
    tree = driver_tree(diagram=template, include_drafts=True)
    assert [c.node.code for c in tree[0].children] == ["B", "A", "C", "D"]
    services.driver_node_move(node=template.nodes.get(code="D"), user=world.expert, up=False)  # already last
    tree = driver_tree(diagram=template, include_drafts=True)
    assert [c.node.code for c in tree[0].children] == ["B", "A", "C", "D"]


def test_removing_a_node_removes_what_is_under_it_but_never_the_last_aim(world):
    template = build_template(world)
    services.driver_node_delete(node=template.nodes.get(code="C"), user=world.expert)
    assert not template.nodes.filter(
        text__in=["Fast revurdering efter 48 timer", "Påmindelse i journalen"]
    ).exists()
    with pytest.raises(ValidationError):
        services.driver_node_delete(node=template.nodes.get(kind="aim"), user=world.expert)


def test_it_refuses_a_node_at_the_wrong_level(world):
    template = build_template(world)
    aim = template.nodes.get(kind="aim")
    with pytest.raises(ValidationError):
        services.driver_node_create(
            diagram=template, parent=aim, kind="secondary", text="x", user=world.expert
        )
    with pytest.raises(ValidationError):
        services.driver_node_create(
            diagram=template, parent=None, kind="primary", text="x", user=world.expert
        )


def test_a_team_copy_links_only_published_indicators(world):
    build_template(world)
    copy = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    from measures.services.definitions import indicator_create

    draft = indicator_create(
        network=world.network, user=world.expert, code="d", name="Kladde", numerator_definition="n"
    )
    with pytest.raises(ValidationError):
        services.driver_node_update(
            node=copy.nodes.get(code="A"), user=world.team_lead, text="A", indicators=[draft]
        )


def test_the_change_list_says_who_changed_what(world):
    build_template(world)
    copy = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    services.driver_node_update(
        node=copy.nodes.get(code="B"), user=world.data_entry, text="Valg efter lokal vejledning", code="B"
    )
    services.driver_node_delete(node=copy.nodes.get(code="D"), user=world.team_lead)
    changes = driver_diagram_changes(diagram=copy)
    renamed = next(c for c in changes if c.action == "~")
    assert renamed.who == "data-entry"
    assert ("tekst", "Valg af antibiotika", "Valg efter lokal vejledning") in renamed.changes
    assert any(c.action == "-" and c.text == "Varighed" for c in changes)
    assert any(c.action == "+" and c.who == "team-lead" for c in changes)


# Pages -------------------------------------------------------------------------------------------


def test_the_diagram_page_shows_columns_and_nested_list(world, client_for):
    build_template(world)
    response = client_for(world.viewer).get(
        reverse("measures:driver-diagram-template", kwargs={"slug": world.network.slug})
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Primære drivere" in body
    assert body.count('class="dd-item dd-primary') == 4
    assert "Påmindelse i journalen" in body


@pytest.mark.parametrize("role", ["team_lead", "data_entry", "staff"])
def test_team_writers_copy_and_adapt_their_diagram(world, client_for, role):
    build_template(world)
    client = client_for(getattr(world, role))
    team_uuid = world.team_a.uuid
    assert (
        client.post(reverse("measures:driver-diagram-team-copy", kwargs={"team_uuid": team_uuid})).status_code
        == 302
    )
    copy = DriverDiagram.objects.get(team=world.team_a)
    parent = copy.nodes.get(code="A")
    url = (
        reverse("measures:driver-node-create", kwargs={"diagram_uuid": copy.uuid}) + f"?parent={parent.uuid}"
    )
    response = client.post(url, {"kind": "secondary", "text": "Lokal vejledning", "code": ""})
    assert response.status_code == 302
    assert copy.nodes.filter(parent=parent, text="Lokal vejledning").exists()
    assert (
        client.get(
            reverse("measures:driver-diagram-team-history", kwargs={"team_uuid": team_uuid})
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("coordinator", 403), ("expert", 403), ("other_team_member", 404), ("outsider", 404)],
)
def test_others_cannot_change_a_teams_diagram(world, client_for, role, status):
    build_template(world)
    copy = services.driver_diagram_copy_for_team(team=world.team_a, user=world.team_lead)
    node = copy.nodes.get(code="A")
    client = client_for(getattr(world, role))
    assert (
        client.post(
            reverse("measures:driver-node-edit", kwargs={"node_uuid": node.uuid}), {"text": "x"}
        ).status_code
        == status
    )
    assert (
        client.post(reverse("measures:driver-node-delete", kwargs={"node_uuid": node.uuid})).status_code
        == status
    )
    assert (
        client.post(
            reverse("measures:driver-diagram-team-copy", kwargs={"team_uuid": world.team_a.uuid})
        ).status_code
        == status
    )
    node.refresh_from_db()
    assert node.text == "Indikation"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("team_lead", 403),
        ("coordinator", 403),
        ("observer", 403),
        ("outsider", 404),
        ("expert", 302),
        ("national_lead", 302),
    ],
)
def test_only_content_editors_change_the_template(world, client_for, role, status):
    template = build_template(world)
    node = template.nodes.get(code="A")
    url = reverse("measures:driver-node-edit", kwargs={"node_uuid": node.uuid})
    assert client_for(getattr(world, role)).post(url, {"text": "Ny tekst", "code": "A"}).status_code == status
    node.refresh_from_db()
    assert (node.text == "Ny tekst") == (status == 302)


def test_the_tree_is_read_in_three_queries_however_large(world, django_assert_num_queries):
    template = build_template(world)
    aim = template.nodes.get(kind="aim")
    for i in range(20):
        services.driver_node_create(
            diagram=template, parent=aim, kind="primary", text=f"Driver {i}", user=world.expert
        )
    with django_assert_num_queries(3):
        tree = driver_tree(diagram=template, include_drafts=False)
        assert len(tree[0].children) == 24
