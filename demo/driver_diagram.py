"""The LKT Antibiotika driver diagram template: aim -> focus areas A-D -> secondary drivers -> change ideas."""

from dataclasses import dataclass, field

from measures.models import DriverDiagram, DriverNode, Goal, Indicator

from .common import Summary


@dataclass
class Node:
    code: str
    text: str
    indicators: tuple[str, ...] = ()
    children: list["Node"] = field(default_factory=list)


AIM_TEXT = (
    "Rationel anvendelse af antibiotika: lavere samlet forbrug og færre kritisk vigtige antibiotika "
    "– uden øget dødelighed"
)

FOCUS_AREAS = [
    Node(
        "A",
        "Indikation for anvendelse af antibiotika",
        ("ddd",),
        [
            Node(
                "A1",
                "Antibiotika gives kun ved klinisk mistanke om bakteriel infektion",
                (),
                [
                    Node("A1.1", "Indikation dokumenteres ved ordination i medicinmodulet"),
                    Node("A1.2", "Tjekliste for infektionsfokus i akutmodtagelsen"),
                ],
            ),
            Node(
                "A2",
                "Mikrobiologiske prøver tages før behandling",
                (),
                [
                    Node("A2.1", "Bloddyrkning og urindyrkning tages før første dosis"),
                ],
            ),
        ],
    ),
    Node(
        "B",
        "Valg af antibiotika",
        ("kritisk-vigtige",),
        [
            Node(
                "B1",
                "Den regionale antibiotikavejledning følges",
                (),
                [
                    Node("B1.1", "Lommekort med afdelingens førstevalg ved de hyppigste infektioner"),
                    Node("B1.2", "Klinisk farmaceut gennemgår ordinationer af kritisk vigtige antibiotika"),
                ],
            ),
            Node(
                "B2",
                "Smalspektret behandling som førstevalg",
                (),
                [
                    Node(
                        "B2.1",
                        "Påmindelse i medicinmodulet ved ordination af cefalosporiner, fluorquinoloner og carbapenemer",
                    ),
                ],
            ),
        ],
    ),
    Node(
        "C",
        "Revurdering af behandling",
        ("revurderet-48t",),
        [
            Node(
                "C1",
                "Fast revurdering efter 48–72 timer",
                (),
                [
                    Node("C1.1", "Antibiotika-time-out på stuegang dag 2"),
                    Node("C1.2", "Mikrobiologiske svar gennemgås dagligt på tavlemødet"),
                ],
            ),
            Node(
                "C2",
                "Skift fra intravenøs til peroral behandling",
                (),
                [
                    Node("C2.1", "Kriterier for skift fra IV til PO på lommekort og i journalskabelonen"),
                ],
            ),
        ],
    ),
    Node(
        "D",
        "Behandlingsvarighed",
        ("behandlingsvarighed",),
        [
            Node(
                "D1",
                "Planlagt varighed fastsættes ved ordination",
                (),
                [
                    Node("D1.1", "Stopdato angives ved ordination"),
                    Node("D1.2", "Standardvarighed for de hyppigste infektioner på afdelingens tavle"),
                ],
            ),
            Node(
                "D2",
                "Behandlingen stoppes, når den er afsluttet",
                (),
                [
                    Node("D2.1", "Udskrivelsestjekliste med stopdato for antibiotika"),
                ],
            ),
        ],
    ),
]


def _create(
    diagram: DriverDiagram,
    parent: DriverNode | None,
    kind: str,
    code: str,
    text: str,
    order: int,
    indicators: list[Indicator],
) -> DriverNode:
    node = DriverNode.objects.create(
        diagram=diagram, parent=parent, kind=kind, code=code, text=text, order=order
    )
    if indicators:
        node.indicators.set(indicators)
    return node


def template_build(
    *, network, goals: list[Goal], indicators: dict[str, Indicator], summary: Summary
) -> DriverDiagram:
    """The network's template; its nodes are created only with the diagram, so a rerun adds nothing."""
    diagram, created = DriverDiagram.objects.get_or_create(
        network=network, team=None, defaults={"title": "Driverdiagram for LKT Antibiotika"}
    )
    if not created:
        return diagram
    summary.add("driverdiagrammer")
    aim = _create(
        diagram,
        None,
        DriverNode.Kind.AIM,
        "",
        AIM_TEXT,
        0,
        [indicators["ddd"], indicators["mortalitet-bakteriaemi"]],
    )
    aim.goals.set(goals)
    for order, area in enumerate(FOCUS_AREAS):
        primary = _create(
            diagram,
            aim,
            DriverNode.Kind.PRIMARY,
            area.code,
            area.text,
            order,
            [indicators[code] for code in area.indicators],
        )
        for secondary_order, secondary in enumerate(area.children):
            second = _create(
                diagram,
                primary,
                DriverNode.Kind.SECONDARY,
                secondary.code,
                secondary.text,
                secondary_order,
                [],
            )
            for idea_order, idea in enumerate(secondary.children):
                _create(diagram, second, DriverNode.Kind.CHANGE_IDEA, idea.code, idea.text, idea_order, [])
    return diagram


@dataclass(frozen=True)
class Adaptation:
    """How a team changed its copy: renamed nodes (code -> text), added ideas (parent code, code, text), removed."""

    rename: dict[str, str] = field(default_factory=dict)
    add: tuple[tuple[str, str, str], ...] = ()
    remove: tuple[str, ...] = ()


def team_copy_build(
    *, template: DriverDiagram, team, adaptation: Adaptation, summary: Summary
) -> DriverDiagram:
    """The team's own copy of the template, adapted; nodes by code for linking PDSA cycles."""
    diagram, created = DriverDiagram.objects.get_or_create(
        network=template.network,
        team=team,
        defaults={"title": f"Driverdiagram – {team.name}", "copied_from": template},
    )
    if not created:
        return diagram
    summary.add("driverdiagrammer")
    copies: dict[int, DriverNode] = {}
    nodes = list(template.nodes.prefetch_related("indicators", "goals").order_by("parent_id", "order", "id"))
    # Parents before children: the aim has no parent, and every node's parent was created earlier.
    pending = nodes
    while pending:
        later = []
        for node in pending:
            if node.parent_id is not None and node.parent_id not in copies:
                later.append(node)
                continue
            if node.code in adaptation.remove:
                continue
            copy = _create(
                diagram,
                copies.get(node.parent_id),
                node.kind,
                node.code,
                adaptation.rename.get(node.code, node.text),
                node.order,
                list(node.indicators.all()),
            )
            if node.kind == DriverNode.Kind.AIM:
                copy.goals.set(node.goals.all())
            copies[node.id] = copy
        if len(later) == len(pending):
            break  # only children of removed nodes are left
        pending = later
    by_code = {copy.code: copy for copy in copies.values()}
    for parent_code, code, text in adaptation.add:
        _create(diagram, by_code[parent_code], DriverNode.Kind.CHANGE_IDEA, code, text, 9, [])
    return diagram
