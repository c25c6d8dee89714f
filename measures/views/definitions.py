"""The expert group's pages: goals, indicators with versions; a team's local targets.

Visibility comes from teams.access: outsiders get 404, read-only users 403 on writes, and only
the expert group and the national project leads (`NetworkAccess.can_edit_content`) see drafts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from teams.access import NetworkAccess, get_network_for_user, get_team_for_user

from ..forms.definitions import GoalForm, IndicatorForm, LocalTargetForm, PublishForm
from ..models import Goal, Indicator, IndicatorVersion, PublicationStatus
from ..selectors import definitions as selectors
from ..services import definitions as services


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def get_goal(access: NetworkAccess, goal_uuid) -> Goal:
    goal = Goal.objects.filter(network=access.network, uuid=goal_uuid).first()
    if goal is None or (goal.status != PublicationStatus.PUBLISHED and not access.can_see_drafts):
        raise Http404
    return goal


def get_indicator(access: NetworkAccess, indicator_uuid) -> Indicator:
    """The network's indicator; drafts and retired indicators only for those who may see drafts."""
    indicator = (
        Indicator.objects.filter(network=access.network, uuid=indicator_uuid)
        .select_related("goal", "published_by", "network")
        .first()
    )
    if indicator is None or (not indicator.is_published and not access.can_see_drafts):
        raise Http404
    return indicator


# Goals -------------------------------------------------------------------------------------------


@login_required
def goal_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    drafts = access.can_see_drafts
    indicators = selectors.indicators_for(network=access.network, include_drafts=drafts).order_by(
        "order", "code"
    )
    goals = selectors.goals_for(network=access.network, include_drafts=drafts).prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    return render(
        request,
        "measures/definitions_goal_list.html",
        {
            "access": access,
            "network": access.network,
            "goals": goals,
            "unassigned": [i for i in indicators if i.goal_id is None],
        },
    )


@login_required
def goal_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    next_number = (
        Goal.objects.filter(network=access.network)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    form = GoalForm(request.POST or None, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_create(network=access.network, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Målet er gemt som kladde."))
            return redirect("measures:goal-list", slug=slug)
    return render(
        request,
        "measures/definitions_goal_form.html",
        {"access": access, "network": access.network, "form": form},
    )


@login_required
def goal_edit(request: HttpRequest, slug: str, goal_uuid) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    goal = get_goal(access, goal_uuid)
    form = GoalForm(request.POST or None, instance=Goal.objects.get(pk=goal.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(goal=goal, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Målet er gemt."))
            return redirect("measures:goal-list", slug=slug)
    return render(
        request,
        "measures/definitions_goal_form.html",
        {"access": access, "network": access.network, "form": form, "goal": goal},
    )


@login_required
@require_POST
def goal_publish(request: HttpRequest, slug: str, goal_uuid) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    goal = get_goal(access, goal_uuid)
    try:
        services.goal_publish(goal=goal, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Målet er offentliggjort."))
    return redirect("measures:goal-list", slug=slug)


# Indicators --------------------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    indicators = selectors.indicators_for(
        network=access.network, include_drafts=access.can_see_drafts
    ).order_by("order", "code")
    return render(
        request,
        "measures/definitions_indicator_list.html",
        {"access": access, "network": access.network, "indicators": indicators},
    )


@login_required
def indicator_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    form = IndicatorForm(
        request.POST or None, network=access.network, instance=Indicator(network=access.network)
    )
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(
                network=access.network, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Indikatoren er gemt som kladde. Teams ser den først, når den er offentliggjort.")
            )
            return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)
    return render(
        request,
        "measures/definitions_indicator_form.html",
        {"access": access, "network": access.network, "form": form},
    )


@login_required
def indicator_detail(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    indicator = get_indicator(access, indicator_uuid)
    versions = (
        IndicatorVersion.objects.filter(indicator=indicator)
        .select_related("published_by")
        .order_by("-version")
    )
    context = {
        "access": access,
        "network": access.network,
        "indicator": indicator,
        "versions": versions,
        "versions_used": selectors.indicator_versions_used(indicator=indicator),
    }
    if access.can_see_drafts:
        draft = getattr(indicator, "pending_draft", None)
        context["draft"] = draft
        context["draft_changes"] = services.indicator_draft_changes(indicator=indicator)
        context["history"] = indicator.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "measures/definitions_indicator_detail.html", context)


@login_required
def indicator_edit(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    """Edit the definition; for a published indicator this edits the draft of its next version."""
    access = get_network_for_user(request.user, slug, edit=True)
    indicator = get_indicator(access, indicator_uuid)
    if indicator.status == PublicationStatus.RETIRED:
        raise PermissionDenied
    initial = {}
    draft = getattr(indicator, "pending_draft", None)
    if draft is not None:
        initial = {
            name: getattr(draft, name) for name in (*services.VERSIONED_FIELDS, *services.OTHER_DRAFT_FIELDS)
        }
        initial["goal"] = draft.goal_id
    form = IndicatorForm(
        request.POST or None,
        network=access.network,
        instance=Indicator.objects.get(pk=indicator.pk),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(indicator=indicator, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if indicator.version > 0:
                messages.success(
                    request,
                    _(
                        "Ændringerne er gemt som kladde til version %(version)s. Teams ser stadig version %(current)s."
                    )
                    % {"version": indicator.version + 1, "current": indicator.version},
                )
            else:
                messages.success(request, _("Kladden er gemt."))
            return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)
    return render(
        request,
        "measures/definitions_indicator_form.html",
        {"access": access, "network": access.network, "form": form, "indicator": indicator},
    )


@login_required
def indicator_publish(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    access = get_network_for_user(request.user, slug, edit=True)
    indicator = get_indicator(access, indicator_uuid)
    needs_note = indicator.version > 0
    definition = getattr(indicator, "pending_draft", None) or indicator
    form = PublishForm(request.POST or None, needs_note=needs_note, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            # A changed number of decimals goes into the draft (never into the published version)
            # and is published with it, or not at all.
            with transaction.atomic():
                if form.cleaned_data["decimals"] != definition.decimals:
                    services.indicator_update(
                        indicator=indicator, user=request.user, decimals=form.cleaned_data["decimals"]
                    )
                version = services.indicator_publish(
                    indicator=indicator, user=request.user, change_note=form.cleaned_data["change_note"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Version %(version)s er offentliggjort.") % {"version": version.version}
            )
            return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)
    return render(
        request,
        "measures/definitions_indicator_publish.html",
        {
            "access": access,
            "network": access.network,
            "indicator": indicator,
            "form": form,
            "draft_changes": services.indicator_draft_changes(indicator=indicator),
            "has_draft": hasattr(indicator, "pending_draft"),
        },
    )


def _indicator_action(
    request: HttpRequest, slug: str, indicator_uuid, action, success: str
) -> tuple[Indicator, bool]:
    """Run one of the expert group's state changes on an indicator and tell the user how it went."""
    access = get_network_for_user(request.user, slug, edit=True)
    indicator = get_indicator(access, indicator_uuid)
    try:
        action(indicator=indicator, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return indicator, False
    messages.success(request, success)
    return indicator, True


@login_required
@require_POST
def indicator_draft_discard(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    indicator, _done = _indicator_action(
        request, slug, indicator_uuid, services.indicator_draft_discard, _("Kladden er kasseret.")
    )
    return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)


@login_required
@require_POST
def indicator_retire(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    indicator, _done = _indicator_action(
        request,
        slug,
        indicator_uuid,
        services.indicator_retire,
        _("Indikatoren er udgået. Data og versioner er bevaret."),
    )
    return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)


@login_required
@require_POST
def indicator_delete(request: HttpRequest, slug: str, indicator_uuid) -> HttpResponse:
    indicator, done = _indicator_action(
        request, slug, indicator_uuid, services.indicator_delete, _("Kladden til indikatoren er slettet.")
    )
    if not done:
        return redirect("measures:indicator-detail", slug=slug, indicator_uuid=indicator.uuid)
    return redirect("measures:indicator-list", slug=slug)


# Local targets -----------------------------------------------------------------------------------


@login_required
def local_target_list(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    targets = selectors.local_targets_for(team=team)
    rows = [
        (indicator, targets.get(indicator.id))
        for indicator in selectors.published_indicators(network=team.network)
    ]
    return render(
        request, "measures/definitions_local_targets.html", {"access": access, "team": team, "rows": rows}
    )


@login_required
def local_target_edit(request: HttpRequest, team_uuid, indicator_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, lead=True)
    team = access.team
    indicator = selectors.published_indicators(network=team.network).filter(uuid=indicator_uuid).first()
    if indicator is None:
        raise Http404
    target = team.local_targets.filter(indicator=indicator).first()
    form = LocalTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.local_target_delete(team=team, indicator=indicator, user=request.user)
        messages.success(request, _("Det lokale mål er fjernet."))
        return redirect("measures:local-targets", team_uuid=team.uuid)
    if request.method == "POST" and form.is_valid():
        try:
            services.local_target_set(team=team, indicator=indicator, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Det lokale mål er gemt og vises på teamets diagram."))
            return redirect("measures:local-targets", team_uuid=team.uuid)
    return render(
        request,
        "measures/definitions_local_target_form.html",
        {"access": access, "team": team, "indicator": indicator, "target": target, "form": form},
    )
