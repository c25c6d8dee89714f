"""Driver diagrams (the network's template and the teams' copies), PDSA cycles and the printable
project description.

Who may change a diagram: the template, the expert group and national project leads
(`NetworkAccess.can_edit_content`); a team's copy, those who may enter the team's data.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from seminars.models import Seminar
from teams.access import get_network_for_user, get_team_for_user
from teams.models import Team
from teams.peers import MIN_PEERS, peer_region_counts, sees_peer_names

from ..forms.improvement import DiagramTemplateForm, DriverNodeForm, PDSAForm
from ..models import DriverDiagram, DriverNode, PDSACycle
from ..selectors import definitions as definition_selectors
from ..selectors import improvement as selectors
from ..services import improvement as services
from .definitions import add_service_errors


def get_diagram_for_user(
    user: User | AnonymousUser, diagram_uuid, *, write: bool
) -> tuple[DriverDiagram, bool]:
    """A diagram and whether the user sees drafts; 404 for outsiders, 403 on a refused write.

    Composes the access helpers: a template belongs to its network, a copy to its team.
    """
    diagram = DriverDiagram.objects.filter(uuid=diagram_uuid).select_related("network", "team").first()
    if diagram is None:
        raise Http404
    if diagram.team_id is None:
        access = get_network_for_user(user, diagram.network.slug, edit=write)
        return diagram, access.can_see_drafts
    get_team_for_user(user, diagram.team.uuid, write=write)
    return diagram, False


def _edit_url(diagram: DriverDiagram):
    if diagram.team_id is None:
        return redirect("measures:driver-diagram-template-edit", slug=diagram.network.slug)
    return redirect("measures:driver-diagram-team-edit", team_uuid=diagram.team.uuid)


# Viewing -----------------------------------------------------------------------------------------


@login_required
def driver_diagram_template(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    diagram = selectors.template_diagram(network=access.network)
    tree = selectors.driver_tree(diagram=diagram, include_drafts=access.can_see_drafts) if diagram else []
    return render(
        request,
        "measures/improvement_driver_diagram.html",
        {
            "network": access.network,
            "diagram": diagram,
            "tree": tree,
            "can_edit": access.can_edit_content,
            "is_template": True,
            "edit_url_name": "measures:driver-diagram-template-edit",
        },
    )


@login_required
def driver_diagram_team(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    diagram = selectors.team_diagram(team=team)
    tree = selectors.driver_tree(diagram=diagram, include_drafts=False) if diagram else []
    template = selectors.template_diagram(network=team.network)
    return render(
        request,
        "measures/improvement_driver_diagram.html",
        {
            "network": team.network,
            "team": team,
            "diagram": diagram,
            "template": template,
            "tree": tree,
            "can_edit": access.can_enter_data,
            "is_template": False,
        },
    )


@login_required
def driver_diagram_team_history(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid)
    diagram = selectors.team_diagram(team=access.team)
    if diagram is None:
        raise Http404
    return render(
        request,
        "measures/improvement_driver_changes.html",
        {
            "team": access.team,
            "diagram": diagram,
            "changes": selectors.driver_diagram_changes(diagram=diagram),
        },
    )


# Creating and editing ----------------------------------------------------------------------------


@login_required
def driver_diagram_template_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    if selectors.template_diagram(network=access.network) is not None:
        return redirect("measures:driver-diagram-template-edit", slug=slug)
    form = DiagramTemplateForm(request.POST or None, initial={"aim": access.network.topic})
    if request.method == "POST" and form.is_valid():
        try:
            services.driver_diagram_template_create(
                network=access.network,
                user=request.user,
                title=form.cleaned_data["title"],
                aim_text=form.cleaned_data["aim"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Skabelonen er oprettet. Tilføj nu primære drivere (indsatsområder).")
            )
            return redirect("measures:driver-diagram-template-edit", slug=slug)
    return render(
        request, "measures/improvement_driver_template_create.html", {"network": access.network, "form": form}
    )


@login_required
def driver_diagram_template_edit(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    diagram = selectors.template_diagram(network=access.network)
    if diagram is None:
        return redirect("measures:driver-diagram-template-create", slug=slug)
    tree = selectors.driver_tree(diagram=diagram, include_drafts=True)
    return render(
        request,
        "measures/improvement_driver_edit.html",
        {
            "network": access.network,
            "diagram": diagram,
            "tree": tree,
            "rows": selectors.flatten_tree(tree),
            "is_template": True,
            "n_copies": diagram.copies.count(),
        },
    )


@login_required
@require_POST
def driver_diagram_team_copy(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, write=True)
    try:
        services.driver_diagram_copy_for_team(team=access.team, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("measures:driver-diagram-team", team_uuid=access.team.uuid)
    messages.success(
        request,
        _("Teamets driverdiagram er oprettet som kopi af LKT'ets skabelon. Tilpas det til jeres afdeling."),
    )
    return redirect("measures:driver-diagram-team-edit", team_uuid=access.team.uuid)


@login_required
def driver_diagram_team_edit(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, write=True)
    diagram = selectors.team_diagram(team=access.team)
    if diagram is None:
        return redirect("measures:driver-diagram-team", team_uuid=access.team.uuid)
    tree = selectors.driver_tree(diagram=diagram, include_drafts=False)
    return render(
        request,
        "measures/improvement_driver_edit.html",
        {
            "network": access.team.network,
            "team": access.team,
            "diagram": diagram,
            "tree": tree,
            "rows": selectors.flatten_tree(tree),
            "is_template": False,
        },
    )


def _back(diagram: DriverDiagram) -> str:
    if diagram.team_id is None:
        return reverse("measures:driver-diagram-template-edit", kwargs={"slug": diagram.network.slug})
    return reverse("measures:driver-diagram-team-edit", kwargs={"team_uuid": diagram.team.uuid})


@login_required
def driver_node_create(request: HttpRequest, diagram_uuid) -> HttpResponse:
    diagram, _drafts = get_diagram_for_user(request.user, diagram_uuid, write=True)
    parent = None
    parent_uuid = request.POST.get("parent") or request.GET.get("parent")
    if parent_uuid:
        try:
            parent = DriverNode.objects.filter(diagram=diagram, uuid=parent_uuid).first()
        except ValidationError:
            parent = None
        if parent is None:
            raise Http404
    form = DriverNodeForm(
        request.POST or None,
        diagram=diagram,
        parent=parent,
        initial={"kind": services.child_kind_for(parent)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.driver_node_create(
                diagram=diagram,
                parent=parent,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                code=form.cleaned_data["code"],
                indicators=list(form.cleaned_data["indicators"]),
                goals=list(form.cleaned_data.get("goals") or []),
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Elementet er tilføjet."))
            return _edit_url(diagram)
    return render(
        request,
        "measures/improvement_driver_node_form.html",
        {"diagram": diagram, "parent": parent, "form": form, "back_url": _back(diagram)},
    )


def _get_node(user: User | AnonymousUser, node_uuid) -> DriverNode:
    node = (
        DriverNode.objects.filter(uuid=node_uuid)
        .select_related("diagram", "diagram__network", "diagram__team")
        .first()
    )
    if node is None:
        raise Http404
    get_diagram_for_user(user, node.diagram.uuid, write=True)
    return node


@login_required
def driver_node_edit(request: HttpRequest, node_uuid) -> HttpResponse:
    node = _get_node(request.user, node_uuid)
    diagram = node.diagram
    form = DriverNodeForm(
        request.POST or None,
        diagram=diagram,
        parent=node.parent,
        node=node,
        initial={
            "code": node.code,
            "text": node.text,
            "indicators": list(node.indicators.all()),
            "goals": list(node.goals.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.driver_node_update(
                node=node,
                user=request.user,
                text=form.cleaned_data["text"],
                code=form.cleaned_data["code"],
                indicators=list(form.cleaned_data["indicators"]),
                goals=list(form.cleaned_data.get("goals") or []),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Elementet er gemt."))
            return _edit_url(diagram)
    return render(
        request,
        "measures/improvement_driver_node_form.html",
        {"diagram": diagram, "node": node, "parent": node.parent, "form": form, "back_url": _back(diagram)},
    )


@login_required
@require_POST
def driver_node_move(request: HttpRequest, node_uuid) -> HttpResponse:
    node = _get_node(request.user, node_uuid)
    services.driver_node_move(node=node, user=request.user, up=request.POST.get("direction") == "up")
    return _edit_url(node.diagram)


@login_required
@require_POST
def driver_node_delete(request: HttpRequest, node_uuid) -> HttpResponse:
    node = _get_node(request.user, node_uuid)
    diagram = node.diagram
    try:
        services.driver_node_delete(node=node, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Elementet er fjernet."))
    return _edit_url(diagram)


# PDSA cycles -------------------------------------------------------------------------------------


@login_required
def pdsa_team_list(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid)
    return render(
        request,
        "measures/improvement_pdsa_team_list.html",
        {"access": access, "team": access.team, "cycles": selectors.pdsa_cycles_for(team=access.team)},
    )


def _get_cycle(user: User | AnonymousUser, cycle_uuid, *, write: bool) -> tuple[PDSACycle, object]:
    cycle = (
        PDSACycle.objects.filter(uuid=cycle_uuid).select_related("team", "change_idea", "created_by").first()
    )
    if cycle is None:
        raise Http404
    access = get_team_for_user(user, cycle.team.uuid, write=write)
    return cycle, access


def _pdsa_form(request: HttpRequest, team: Team, cycle: PDSACycle | None) -> PDSAForm:
    return PDSAForm(
        request.POST or None,
        instance=cycle,
        team=team,
        change_ideas=selectors.change_ideas_for(team=team),
        indicators=definition_selectors.published_indicators(network=team.network),
    )


@login_required
def pdsa_create(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    form = _pdsa_form(request, team, None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            cycle = services.pdsa_cycle_create(
                team=team,
                user=request.user,
                change_idea=data.pop("change_idea"),
                indicators=list(data.pop("indicators")),
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("PDSA-cyklussen er gemt."))
            return redirect("measures:pdsa-detail", cycle_uuid=cycle.uuid)
    return render(
        request,
        "measures/improvement_pdsa_form.html",
        {"team": team, "form": form, "has_diagram": selectors.team_diagram(team=team) is not None},
    )


@login_required
def pdsa_detail(request: HttpRequest, cycle_uuid) -> HttpResponse:
    cycle, access = _get_cycle(request.user, cycle_uuid, write=False)
    return render(
        request,
        "measures/improvement_pdsa_detail.html",
        {
            "cycle": cycle,
            "team": cycle.team,
            "access": access,
            "indicators": cycle.indicators.order_by("order"),
        },
    )


@login_required
def pdsa_edit(request: HttpRequest, cycle_uuid) -> HttpResponse:
    cycle, access = _get_cycle(request.user, cycle_uuid, write=True)
    team = cycle.team
    form = _pdsa_form(request, team, PDSACycle.objects.get(pk=cycle.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.pdsa_cycle_update(
                cycle=cycle,
                user=request.user,
                change_idea=data.pop("change_idea"),
                indicators=list(data.pop("indicators")),
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("PDSA-cyklussen er gemt."))
            return redirect("measures:pdsa-detail", cycle_uuid=cycle.uuid)
    return render(
        request,
        "measures/improvement_pdsa_form.html",
        {
            "team": team,
            "cycle": cycle,
            "form": form,
            "has_diagram": selectors.team_diagram(team=team) is not None,
        },
    )


@login_required
@require_POST
def pdsa_delete(request: HttpRequest, cycle_uuid) -> HttpResponse:
    cycle, access = _get_cycle(request.user, cycle_uuid, write=True)
    services.pdsa_cycle_delete(cycle=cycle, user=request.user)
    messages.success(request, _("PDSA-cyklussen er slettet."))
    return redirect("measures:pdsa-team-list", team_uuid=access.team.uuid)


@login_required
def pdsa_network_overview(request: HttpRequest, slug: str) -> HttpResponse:
    """Cycles per team (the teams the reader may see by name) and per change idea (anonymous)."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    per_team = selectors.pdsa_counts_per_team(network=network, teams=Team.objects.visible_to(request.user))
    return render(
        request,
        "measures/improvement_pdsa_overview.html",
        {
            "access": access,
            "network": network,
            "per_team": per_team,
            "per_idea": selectors.pdsa_counts_per_change_idea(network=network),
        },
    )


# Project description -----------------------------------------------------------------------------


@login_required
def project_description(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's printable project description: only published goals and indicators."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    indicators = definition_selectors.published_indicators(network=network).select_related("goal")
    goals = definition_selectors.goals_for(network=network, include_drafts=False).prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    template = selectors.template_diagram(network=network)
    focus_areas = []
    aims = []
    if template is not None:
        tree = selectors.driver_tree(diagram=template, include_drafts=False)
        aims = tree
        focus_areas = [child for aim in tree for child in aim.children]
    visible_team_ids = set(
        Team.objects.visible_to(request.user).filter(network=network).values_list("id", flat=True)
    )
    teams = list(
        Team.objects.filter(network=network, is_active=True)
        .select_related("region")
        .order_by("region__name", "name")
    )
    show_team_names = sees_peer_names(network, access)
    # Anonymised or hidden peers are not listed one by one (a numbered list in region order names
    # them in a small network): only counts per region, and only regions with MIN_PEERS or more.
    named_teams = [team for team in teams if show_team_names or team.id in visible_team_ids]
    peer_counts = [] if show_team_names else peer_region_counts(teams=teams, own_ids=visible_team_ids)
    return render(
        request,
        "measures/improvement_project_description.html",
        {
            "access": access,
            "network": network,
            "goals": goals,
            "unassigned": [i for i in indicators if i.goal_id is None],
            "aims": aims,
            "focus_areas": focus_areas,
            "experts": definition_selectors.expert_group(network=network),
            "leads": definition_selectors.national_leads(network=network),
            "n_teams": len(teams),
            "named_teams": named_teams,
            "peer_counts": peer_counts,
            "min_peers": MIN_PEERS,
            "seminars": Seminar.objects.filter(network=network).order_by("starts_at"),
        },
    )


# The idea bank -----------------------------------------------------------------------------------


@login_required
def idea_bank(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's change ideas with the PDSA cycles that tested them; searchable with ?q=."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    query = request.GET.get("q", "").strip()[:200]
    entries = selectors.idea_bank(
        network=network, user=request.user, sees_all_names=access.sees_all_team_names, query=query
    )
    return render(
        request,
        "measures/improvement_idea_bank.html",
        {
            "access": access,
            "network": network,
            "entries": entries,
            "query": query,
            "n_cycles": sum(len(e.cycles) for e in entries),
        },
    )


@login_required
@require_POST
def pdsa_share(request: HttpRequest, cycle_uuid) -> HttpResponse:
    """The team shares one cycle with the network's idea bank, or withdraws it."""
    cycle, _access = _get_cycle(request.user, cycle_uuid, write=True)
    shared = request.POST.get("shared") == "on"
    services.pdsa_cycle_share(cycle=cycle, shared=shared, user=request.user)
    if shared:
        messages.success(request, _("Cyklussen er delt med LKT'ets idébank."))
    else:
        messages.info(request, _("Cyklussen er ikke længere delt med LKT'ets idébank."))
    return redirect("measures:pdsa-detail", cycle_uuid=cycle.uuid)
