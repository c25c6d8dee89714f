"""Reads for the improvement work: driver diagrams (the network's template and the teams' copies),
PDSA cycles and their counts. Teams never see drafts (`include_drafts`, as in selectors.definitions).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet

from teams.models import Network, Team

from ..models import (
    DriverDiagram,
    DriverNode,
    Goal,
    Indicator,
    PDSACycle,
)

# Driver diagrams ---------------------------------------------------------------------------------


@dataclass
class TreeNode:
    """A node of a driver diagram with its children, ready for rendering."""

    node: DriverNode
    depth: int
    children: list["TreeNode"] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    first: bool = False
    last: bool = False

    @property
    def skips_level(self) -> bool:
        """A change idea placed directly under a primary driver sits one column further right."""
        parent_kind = self.node.parent.kind if self.node.parent_id else None
        return self.node.kind == DriverNode.Kind.CHANGE_IDEA and parent_kind == DriverNode.Kind.PRIMARY


def template_diagram(*, network: Network) -> DriverDiagram | None:
    return DriverDiagram.objects.filter(network=network, team__isnull=True).first()


def team_diagram(*, team: Team) -> DriverDiagram | None:
    return DriverDiagram.objects.filter(team=team).select_related("copied_from").first()


def driver_tree(*, diagram: DriverDiagram, include_drafts: bool) -> list[TreeNode]:
    """The diagram as a tree of TreeNodes (roots are aims), in order; three queries in all."""
    shown = Indicator.objects.all() if include_drafts else Indicator.objects.filter(status="published")
    shown_goals = Goal.objects.all() if include_drafts else Goal.objects.filter(status="published")
    nodes = list(
        DriverNode.objects.filter(diagram=diagram)
        .select_related("parent")
        .prefetch_related(
            Prefetch("indicators", queryset=shown.order_by("order", "code")),
            Prefetch("goals", queryset=shown_goals.order_by("number")),
        )
        .order_by("order", "id")
    )
    by_parent: dict[int | None, list[DriverNode]] = defaultdict(list)
    for node in nodes:
        by_parent[node.parent_id].append(node)

    def build(parent_id: int | None, depth: int) -> list[TreeNode]:
        siblings = by_parent.get(parent_id, [])
        result = []
        for index, node in enumerate(siblings):
            result.append(
                TreeNode(
                    node=node,
                    depth=depth,
                    children=build(node.id, depth + 1),
                    indicators=list(node.indicators.all()),
                    goals=list(node.goals.all()),
                    first=index == 0,
                    last=index == len(siblings) - 1,
                )
            )
        return result

    return build(None, 0)


def flatten_tree(tree: list[TreeNode]) -> list[TreeNode]:
    """Depth-first order, for the editing table."""
    flat: list[TreeNode] = []
    for item in tree:
        flat.append(item)
        flat.extend(flatten_tree(item.children))
    return flat


def change_ideas_for(*, team: Team) -> QuerySet[DriverNode]:
    """The change ideas of the team's own driver diagram: what a PDSA cycle may test."""
    return DriverNode.objects.filter(diagram__team=team, kind=DriverNode.Kind.CHANGE_IDEA).order_by(
        "parent__order", "order", "id"
    )


@dataclass(frozen=True)
class NodeChange:
    """One line of a driver diagram's change list."""

    when: datetime
    who: str
    action: str  # "+", "~" or "-", as simple-history records it
    kind: str
    text: str
    changes: list[tuple[str, str, str]]  # (field label, old, new)


def driver_diagram_changes(*, diagram: DriverDiagram, limit: int = 200) -> list[NodeChange]:
    """Who changed what in a diagram, newest first, from the nodes' history in one query."""
    fields = {
        "text": DriverNode._meta.get_field("text").verbose_name,
        "code": DriverNode._meta.get_field("code").verbose_name,
        "order": DriverNode._meta.get_field("order").verbose_name,
        "parent_id": DriverNode._meta.get_field("parent").verbose_name,
    }
    records = list(
        DriverNode.history.filter(diagram_id=diagram.id)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    kinds = dict(DriverNode.Kind.choices)
    texts = {r.id: r.text for r in records}
    previous: dict[int, object] = {}
    changes: list[NodeChange] = []
    for record in records:
        before = previous.get(record.id)
        diff: list[tuple[str, str, str]] = []
        if before is not None and record.history_type == "~":
            for name, label in fields.items():
                old, new = getattr(before, name), getattr(record, name)
                if old != new:
                    if name == "parent_id":
                        old, new = texts.get(old, ""), texts.get(new, "")
                    diff.append((str(label), str(old), str(new)))
        previous[record.id] = record
        if record.history_type == "~" and not diff:
            continue  # only indicator links or nothing visible changed
        user = record.history_user
        changes.append(
            NodeChange(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "",
                action=record.history_type,
                kind=str(kinds.get(record.kind, record.kind)),
                text=record.text,
                changes=diff,
            )
        )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]


# PDSA cycles -------------------------------------------------------------------------------------


def pdsa_cycles_for(*, team: Team) -> QuerySet[PDSACycle]:
    return (
        PDSACycle.objects.filter(team=team)
        .select_related("change_idea", "created_by")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("order", "code")))
        .order_by("-start_date", "-id")
    )


@dataclass
class PDSACount:
    label: str
    tried: int = 0
    running: int = 0
    adopted: int = 0
    adapted: int = 0
    abandoned: int = 0
    teams: set[int] = field(default_factory=set)

    @property
    def n_teams(self) -> int:
        return len(self.teams)


def _count(row: PDSACount, cycle_status: str, decision: str) -> None:
    row.tried += 1
    if cycle_status != PDSACycle.Status.COMPLETED:
        row.running += 1
    if decision == PDSACycle.Decision.ADOPT:
        row.adopted += 1
    elif decision == PDSACycle.Decision.ADAPT:
        row.adapted += 1
    elif decision == PDSACycle.Decision.ABANDON:
        row.abandoned += 1


def pdsa_counts_per_team(*, network: Network, teams: QuerySet[Team]) -> list[tuple[Team, PDSACount]]:
    """Cycles tried and decided per team, for the teams the reader may see by name."""
    counts = {team.id: (team, PDSACount(label=team.name)) for team in teams.filter(network=network)}
    rows = PDSACycle.objects.filter(team_id__in=counts).values_list("team_id", "status", "decision")
    for team_id, cycle_status, decision in rows:
        _count(counts[team_id][1], cycle_status, decision)
    return sorted(counts.values(), key=lambda pair: pair[0].name)


def pdsa_counts_per_change_idea(*, network: Network) -> list[PDSACount]:
    """Cycles per change idea across the whole network; anonymous, so every member may read it.

    Team copies do not point back at the template's nodes, so ideas are grouped by their text
    (case and surrounding space ignored): a renamed idea counts as a new idea.
    """
    rows = PDSACycle.objects.filter(team__network=network).values_list(
        "change_idea__text", "team_id", "status", "decision"
    )
    groups: dict[str, PDSACount] = {}
    for text, team_id, cycle_status, decision in rows:
        key = (text or "").strip().casefold()
        row = groups.setdefault(key, PDSACount(label=(text or "").strip()))
        row.teams.add(team_id)
        _count(row, cycle_status, decision)
    return sorted(groups.values(), key=lambda r: (-r.tried, r.label.casefold()))


# The idea bank -----------------------------------------------------------------------------------


@dataclass
class IdeaCycle:
    cycle: PDSACycle
    team_label: str  # the team's name, or "" when the reader may not know which team it is
    is_own: bool


@dataclass
class IdeaEntry:
    """A change idea with the PDSA cycles that tested it; `text` "" for cycles without a change idea."""

    text: str
    code: str
    cycles: list[IdeaCycle] = field(default_factory=list)
    node_ids: list[int] = field(default_factory=list)  # every team's copy of the idea, for links

    @property
    def anchor(self) -> str:
        return f"idea-{self.node_ids[0] if self.node_ids else 0}"

    @property
    def other_anchors(self) -> list[str]:
        return [f"idea-{node_id}" for node_id in self.node_ids[1:]]

    def count(self, decision: str) -> int:
        return sum(1 for c in self.cycles if c.cycle.decision == decision)


def idea_bank(
    *, network: Network, user: User | AnonymousUser, sees_all_names: bool, query: str = ""
) -> list[IdeaEntry]:
    """The network's change ideas with the cycles that tested them: the reader's own teams' cycles and
    the cycles other teams chose to share.

    Team names: shown where the reader may see the team by name (Team.objects.visible_to); in a
    network that shows peers anonymised a shared cycle carries no team at all. In a network that
    hides peers, other teams' cycles are not shown, shared or not (unless the reader sees every
    team, like the national project lead). Two queries, plus the search.
    """
    own = set(Team.objects.filter(network=network, memberships__user=user).values_list("id", flat=True))
    named = set(Team.objects.visible_to(user).filter(network=network).values_list("id", flat=True))
    cycles = PDSACycle.objects.filter(team__network=network).select_related("team", "change_idea")
    peers_visible = sees_all_names or network.peer_visibility != Network.PeerVisibility.HIDDEN
    if peers_visible:
        cycles = cycles.filter(Q(team_id__in=own) | Q(shared_with_network=True))
    else:
        cycles = cycles.filter(team_id__in=own)
    if query:
        words = Q()
        for name in (
            "title",
            "objective",
            "plan",
            "do_notes",
            "study_notes",
            "act_notes",
            "change_idea__text",
        ):
            words |= Q(**{f"{name}__icontains": query})
        cycles = cycles.filter(words)
    entries: dict[str, IdeaEntry] = {}
    for cycle in cycles.order_by("-start_date", "-id"):
        idea = cycle.change_idea
        # Grouped by the idea's text: the teams' copies of a template idea are one idea.
        key = idea.text.strip().lower() if idea is not None else ""
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = IdeaEntry(text=idea.text if idea else "", code=idea.code if idea else "")
        is_own = cycle.team_id in own
        if idea is not None and idea.id not in entry.node_ids:
            entry.node_ids.append(idea.id)
        may_name = (
            is_own
            or sees_all_names
            or (network.peer_visibility == Network.PeerVisibility.NAMED and cycle.team_id in named)
        )
        label = cycle.team.name if may_name else ""
        entry.cycles.append(IdeaCycle(cycle=cycle, team_label=label, is_own=is_own))
    return sorted(entries.values(), key=lambda e: (e.text == "", e.code, e.text.lower()))
