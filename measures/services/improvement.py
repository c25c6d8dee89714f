"""Driver diagrams (the network's template and the teams' adapted copies) and PDSA cycles.

A team's copy is a deep copy: later edits of the template never reach it, and edits of the copy
never reach the template. The nodes' history (simple-history) is the diagram's change log.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.models import Network, Team

from ..charts import chart_series_changed
from ..models import DriverDiagram, DriverNode, Goal, Indicator, PDSACycle, PublicationStatus

# Which kind of node may hang under which: the aim, then primary drivers, secondary drivers and
# change ideas. A change idea may also sit directly under a primary driver, as in small diagrams.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    DriverNode.Kind.AIM: {None},
    DriverNode.Kind.PRIMARY: {DriverNode.Kind.AIM},
    DriverNode.Kind.SECONDARY: {DriverNode.Kind.PRIMARY},
    DriverNode.Kind.CHANGE_IDEA: {DriverNode.Kind.PRIMARY, DriverNode.Kind.SECONDARY},
}
CHILD_KIND: dict[str, str] = {
    DriverNode.Kind.AIM: DriverNode.Kind.PRIMARY,
    DriverNode.Kind.PRIMARY: DriverNode.Kind.SECONDARY,
    DriverNode.Kind.SECONDARY: DriverNode.Kind.CHANGE_IDEA,
}


def _with_user(instance, user: User):
    # simple-history takes the user from the request; services also run outside requests.
    instance._history_user = user
    return instance


# Driver diagrams ---------------------------------------------------------------------------------


@transaction.atomic
def driver_diagram_template_create(
    *, network: Network, user: User, title: str = "", aim_text: str = ""
) -> DriverDiagram:
    """The network's template, with one aim; there is at most one template per network."""
    if DriverDiagram.objects.filter(network=network, team__isnull=True).exists():
        raise ValidationError(_("LKT'et har allerede en skabelon til driverdiagrammet."))
    diagram = DriverDiagram(
        network=network, title=title or _("Driverdiagram for %(name)s") % {"name": network.name}
    )
    diagram.full_clean()
    _with_user(diagram, user).save()
    driver_node_create(
        diagram=diagram,
        parent=None,
        kind=DriverNode.Kind.AIM,
        text=aim_text or network.topic or network.name,
        user=user,
    )
    return diagram


@transaction.atomic
def driver_diagram_copy_for_team(*, team: Team, user: User) -> DriverDiagram:
    """The team's own copy of the network's template: every node, its order and its links."""
    if DriverDiagram.objects.filter(team=team).exists():
        raise ValidationError(_("Teamet har allerede sit eget driverdiagram."))
    template = DriverDiagram.objects.filter(network_id=team.network_id, team__isnull=True).first()
    if template is None:
        raise ValidationError(_("LKT'et har endnu ingen skabelon til driverdiagrammet."))
    copy = DriverDiagram(network_id=team.network_id, team=team, copied_from=template, title=template.title)
    _with_user(copy, user).save()
    nodes = list(
        DriverNode.objects.filter(diagram=template).prefetch_related("indicators", "goals").order_by("id")
    )
    new_ids: dict[int, DriverNode] = {}
    # Parents before children: walk the tree level by level from the roots.
    pending = [n for n in nodes if n.parent_id is None]
    children: dict[int, list[DriverNode]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    while pending:
        node = pending.pop(0)
        parent = new_ids.get(node.parent_id) if node.parent_id else None
        clone = DriverNode(
            diagram=copy, parent=parent, kind=node.kind, code=node.code, text=node.text, order=node.order
        )
        _with_user(clone, user).save()
        clone.indicators.set(node.indicators.all())
        clone.goals.set(node.goals.all())
        new_ids[node.id] = clone
        pending.extend(children.get(node.id, []))
    return copy


def _check_parent(*, diagram: DriverDiagram, parent: DriverNode | None, kind: str) -> None:
    if parent is not None and parent.diagram_id != diagram.id:
        raise ValidationError(_("Det overordnede element hører til et andet driverdiagram."))
    parent_kind = parent.kind if parent is not None else None
    if kind not in ALLOWED_PARENT_KINDS or parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError({"kind": _("Denne type kan ikke placeres her i driverdiagrammet.")})


def _check_links(*, diagram: DriverDiagram, indicators, goals) -> None:
    network_id = diagram.network_id
    if any(i.network_id != network_id for i in indicators):
        raise ValidationError({"indicators": _("En indikator hører til et andet LKT.")})
    if any(g.network_id != network_id for g in goals):
        raise ValidationError({"goals": _("Et mål hører til et andet LKT.")})
    if diagram.team_id is not None and any(i.status != PublicationStatus.PUBLISHED for i in indicators):
        raise ValidationError({"indicators": _("Et team kan kun knytte offentliggjorte indikatorer til.")})


@transaction.atomic
def driver_node_create(
    *,
    diagram: DriverDiagram,
    parent: DriverNode | None,
    kind: str,
    text: str,
    user: User,
    code: str = "",
    indicators: list[Indicator] | None = None,
    goals: list[Goal] | None = None,
) -> DriverNode:
    """Add a node as the last child of `parent` (or as an aim when parent is None)."""
    indicators, goals = list(indicators or []), list(goals or [])
    _check_parent(diagram=diagram, parent=parent, kind=kind)
    _check_links(diagram=diagram, indicators=indicators, goals=goals)
    last = DriverNode.objects.filter(diagram=diagram, parent=parent).aggregate(m=Max("order"))["m"]
    node = DriverNode(
        diagram=diagram,
        parent=parent,
        kind=kind,
        text=text.strip(),
        code=code.strip(),
        order=0 if last is None else last + 1,
    )
    node.full_clean()
    _with_user(node, user).save()
    node.indicators.set(indicators)
    node.goals.set(goals)
    _touch(diagram, user)
    return node


@transaction.atomic
def driver_node_update(
    *,
    node: DriverNode,
    user: User,
    text: str,
    code: str = "",
    indicators: list[Indicator] | None = None,
    goals: list[Goal] | None = None,
) -> DriverNode:
    """Rename a node and set its links to indicators and goals."""
    indicators, goals = list(indicators or []), list(goals or [])
    _check_links(diagram=node.diagram, indicators=indicators, goals=goals)
    node.text, node.code = text.strip(), code.strip()
    node.full_clean()
    _with_user(node, user).save()
    node.indicators.set(indicators)
    node.goals.set(goals)
    _touch(node.diagram, user)
    return node


@transaction.atomic
def driver_node_move(*, node: DriverNode, user: User, up: bool) -> DriverNode:
    """Move a node one place up or down among its siblings."""
    siblings = list(
        DriverNode.objects.select_for_update()
        .filter(diagram_id=node.diagram_id, parent_id=node.parent_id)
        .order_by("order", "id")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
    target = index - 1 if up else index + 1
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.order != position:
            sibling.order = position
            _with_user(sibling, user).save(update_fields=["order"])
    _touch(node.diagram, user)
    node.refresh_from_db()
    return node


@transaction.atomic
def driver_node_delete(*, node: DriverNode, user: User) -> None:
    """Remove a node and everything under it; PDSA cycles that tested a removed idea stay, unlinked."""
    if (
        node.kind == DriverNode.Kind.AIM
        and not DriverNode.objects.filter(diagram_id=node.diagram_id, kind=DriverNode.Kind.AIM)
        .exclude(pk=node.pk)
        .exists()
    ):
        raise ValidationError(_("Driverdiagrammet skal have et mål."))
    diagram = node.diagram
    # Delete the leaves first and one by one, so that each removal is in the history with its user.
    for child in list(node.children.all()):
        driver_node_delete(node=child, user=user)
    _with_user(node, user).delete()
    _touch(diagram, user)


def _touch(diagram: DriverDiagram, user: User) -> None:
    # A plain UPDATE: the nodes' history already says who changed what; a diagram history row per
    # node edit would only repeat it.
    DriverDiagram.objects.filter(pk=diagram.pk).update(updated_at=timezone.now())


def child_kind_for(parent: DriverNode | None) -> str:
    """The kind a new node under `parent` gets by default."""
    if parent is None:
        return DriverNode.Kind.AIM
    return CHILD_KIND.get(parent.kind, DriverNode.Kind.CHANGE_IDEA)


# PDSA cycles -------------------------------------------------------------------------------------

PDSA_FIELDS = (
    "title",
    "objective",
    "question",
    "prediction",
    "plan",
    "do_notes",
    "study_notes",
    "act_notes",
    "decision",
    "status",
    "start_date",
    "end_date",
)


def _check_pdsa(
    *, team: Team, change_idea: DriverNode | None, indicators: list[Indicator], cycle: PDSACycle
) -> None:
    errors: dict[str, str] = {}
    if change_idea is not None and (
        change_idea.kind != DriverNode.Kind.CHANGE_IDEA or change_idea.diagram.team_id != team.id
    ):
        errors["change_idea"] = _("Vælg en forandringsidé fra teamets eget driverdiagram.")
    if any(i.network_id != team.network_id or i.status != PublicationStatus.PUBLISHED for i in indicators):
        errors["indicators"] = _("Vælg offentliggjorte indikatorer fra teamets LKT.")
    if cycle.end_date and cycle.start_date and cycle.end_date < cycle.start_date:
        errors["end_date"] = _("Slutdatoen kan ikke ligge før startdatoen.")
    if cycle.status == PDSACycle.Status.COMPLETED and not cycle.decision:
        errors["decision"] = _(
            "En afsluttet PDSA-cyklus skal have en beslutning: implementér, tilpas eller forkast."
        )
    if errors:
        raise ValidationError(errors)


def _save_pdsa(
    *,
    cycle: PDSACycle,
    team: Team,
    user: User,
    change_idea: DriverNode | None,
    indicators: list[Indicator],
    fields: dict[str, Any],
) -> PDSACycle:
    unknown = set(fields) - set(PDSA_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    before = set(cycle.indicators.values_list("id", flat=True)) if cycle.pk else set()
    for name, value in fields.items():
        setattr(cycle, name, value)
    cycle.change_idea = change_idea
    _check_pdsa(team=team, change_idea=change_idea, indicators=indicators, cycle=cycle)
    cycle.full_clean()
    _with_user(cycle, user).save()
    cycle.indicators.set(indicators)
    # The cycle is an annotation on the charts of the indicators it was and is linked to.
    changed = before | {i.id for i in indicators}
    for indicator in Indicator.objects.filter(id__in=changed):
        chart_series_changed(team=team, indicator=indicator)
    return cycle


@transaction.atomic
def pdsa_cycle_create(
    *,
    team: Team,
    user: User,
    title: str,
    start_date: date,
    change_idea: DriverNode | None = None,
    indicators: list[Indicator] | None = None,
    **fields: Any,
) -> PDSACycle:
    cycle = PDSACycle(team=team, created_by=user)
    return _save_pdsa(
        cycle=cycle,
        team=team,
        user=user,
        change_idea=change_idea,
        indicators=list(indicators or []),
        fields={"title": title, "start_date": start_date, **fields},
    )


@transaction.atomic
def pdsa_cycle_update(
    *,
    cycle: PDSACycle,
    user: User,
    change_idea: DriverNode | None = None,
    indicators: list[Indicator] | None = None,
    **fields: Any,
) -> PDSACycle:
    return _save_pdsa(
        cycle=cycle,
        team=cycle.team,
        user=user,
        change_idea=change_idea,
        indicators=list(indicators or []),
        fields=fields,
    )


@transaction.atomic
def pdsa_cycle_delete(*, cycle: PDSACycle, user: User) -> None:
    team = cycle.team
    indicators = list(cycle.indicators.all())
    _with_user(cycle, user).delete()
    for indicator in indicators:
        chart_series_changed(team=team, indicator=indicator)


@transaction.atomic
def pdsa_cycle_share(*, cycle: PDSACycle, shared: bool, user: User) -> PDSACycle:
    """Share a cycle with the network's idea bank, or withdraw it; the team decides per cycle.

    In a network that shows peers anonymised, the idea bank shows a shared cycle without the team's
    name; the page that offers sharing says so first (the free text is the team's responsibility).
    """
    cycle = PDSACycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.shared_with_network == shared:
        return cycle
    cycle.shared_with_network = shared
    cycle.shared_at = timezone.now() if shared else None
    _with_user(cycle, user).save(update_fields=["shared_with_network", "shared_at", "updated_at"])
    return cycle
