"""Editing a team's chart: baseline, phase breaks and excluded points (team lead), annotations (data entry).

Access comes from teams.access: outsiders get 404, read-only users 403. A saved change redirects
back to the indicator page (POST-redirect-GET); a refused one shows the settings page with the
form and its errors.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from teams.access import TeamAccess, get_team_for_user

from ..forms.chart_settings import (
    AnnotationForm,
    BaselineForm,
    ExcludedPointForm,
    PhaseBreakForm,
)
from ..models import Annotation, ChartSettings, ExcludedPoint, Indicator, PhaseBreak, PublicationStatus
from ..months import month_key, parse_month_key
from ..selectors.definitions import published_indicators
from ..services import chart_settings as services


@dataclass
class ChartSettingsPanel:
    """What templates/measures/chart_settings_panel.html shows: the settings, and forms for those who may edit."""

    team: object
    indicator: Indicator
    settings: ChartSettings | None
    phase_breaks: list[PhaseBreak]
    excluded_points: list[ExcludedPoint]
    annotations: list[Annotation]
    can_lead: bool
    can_annotate: bool
    baseline_form: BaselineForm | None = None
    phase_break_form: PhaseBreakForm | None = None
    excluded_point_form: ExcludedPointForm | None = None
    annotation_form: AnnotationForm | None = None
    phase_break_keys: dict[int, str] = field(default_factory=dict)
    excluded_point_keys: dict[int, str] = field(default_factory=dict)

    @property
    def baseline_ignored(self) -> bool:
        """qicharts2 ignores the freeze once the chart has parts; say so rather than surprise."""
        return bool(self.settings and self.settings.baseline_end and self.phase_breaks)


def chart_settings_panel(
    *,
    access: TeamAccess,
    indicator: Indicator,
    settings: ChartSettings | None = None,
    phase_breaks: list[PhaseBreak] | None = None,
    excluded_points: list[ExcludedPoint] | None = None,
    annotations: list[Annotation] | None = None,
    bound: dict | None = None,
) -> ChartSettingsPanel:
    """The panel for the indicator page (which passes what it has already read) or the settings page.

    `bound` replaces an unbound form by a bound one with errors: {"baseline_form": form, ...}.
    """
    team = access.team
    if settings is None:
        settings = (
            ChartSettings.objects.filter(team=team, indicator=indicator).select_related("updated_by").first()
        )
    if phase_breaks is None:
        phase_breaks = list(PhaseBreak.objects.filter(team=team, indicator=indicator))
    if excluded_points is None:
        excluded_points = list(ExcludedPoint.objects.filter(team=team, indicator=indicator))
    if annotations is None:
        annotations = list(
            Annotation.objects.filter(team=team).filter(Q(indicator=indicator) | Q(indicator__isnull=True))
        )
    panel = ChartSettingsPanel(
        team=team,
        indicator=indicator,
        settings=settings,
        phase_breaks=phase_breaks,
        excluded_points=excluded_points,
        annotations=annotations,
        can_lead=access.can_lead,
        can_annotate=access.can_enter_data,
        phase_break_keys={p.pk: month_key(p.period) for p in phase_breaks},
        excluded_point_keys={p.pk: month_key(p.period) for p in excluded_points},
    )
    bound = bound or {}
    if access.can_lead:
        reported = services.reported_periods(team=team, indicator=indicator)
        taken_breaks = {p.period for p in phase_breaks}
        taken_excluded = {p.period for p in excluded_points}
        panel.baseline_form = bound.get("baseline_form") or BaselineForm(
            initial={
                "baseline_end": month_key(settings.baseline_end)
                if settings and settings.baseline_end
                else BaselineForm.NO_BASELINE,
                "version": settings.version if settings else None,
            },
            periods=reported,
        )
        panel.phase_break_form = bound.get("phase_break_form") or PhaseBreakForm(
            periods=[
                p
                for p in services.phase_break_periods(team=team, indicator=indicator, reported=reported)
                if p not in taken_breaks
            ]
        )
        panel.excluded_point_form = bound.get("excluded_point_form") or ExcludedPointForm(
            periods=[p for p in reported if p not in taken_excluded]
        )
    if access.can_enter_data:
        panel.annotation_form = bound.get("annotation_form") or _annotation_form(
            team, initial={"indicator": str(indicator.uuid), "date": timezone.localdate()}
        )
    return panel


def _annotation_form(team, data=None, initial=None) -> AnnotationForm:
    return AnnotationForm(data, initial=initial, indicators=list(published_indicators(network=team.network)))


def _series(
    request: HttpRequest, team_uuid, indicator_uuid, *, lead: bool = True
) -> tuple[TeamAccess, Indicator]:
    access = get_team_for_user(request.user, team_uuid, lead=lead)
    try:
        indicator = Indicator.objects.get(
            network=access.team.network, uuid=indicator_uuid, status=PublicationStatus.PUBLISHED
        )
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc
    return access, indicator


def _period(key: str):
    period = parse_month_key(key)
    if period is None:
        raise Http404
    return period


def _back(indicator: Indicator, team) -> HttpResponse:
    return redirect("measures:indicator-dashboard", team_uuid=team.uuid, indicator_uuid=indicator.uuid)


def _saved(request: HttpRequest) -> None:
    messages.success(request, _("Indstillingerne er gemt. Diagrammet opdateres."))


def _add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _settings_page(request: HttpRequest, access: TeamAccess, indicator: Indicator, **bound) -> HttpResponse:
    panel = chart_settings_panel(access=access, indicator=indicator, bound=bound)
    return render(
        request,
        "measures/chart_settings.html",
        {"access": access, "team": access.team, "indicator": indicator, "panel": panel},
    )


@login_required
def chart_settings_edit(request: HttpRequest, team_uuid, indicator_uuid) -> HttpResponse:
    """GET: the settings page. POST: freeze (or unfreeze) the baseline."""
    access, indicator = _series(request, team_uuid, indicator_uuid)
    if request.method != "POST":
        return _settings_page(request, access, indicator)
    team = access.team
    form = BaselineForm(request.POST, periods=services.reported_periods(team=team, indicator=indicator))
    if form.is_valid():
        try:
            saved = services.chart_settings_update(
                team=team,
                indicator=indicator,
                baseline_end=form.cleaned_data["baseline_end"],
                expected_version=form.cleaned_data["version"],
                user=request.user,
            )
        except services.ChartSettingsConflict as conflict:
            messages.error(request, conflict.messages[0])
            # A fresh form from the stored settings, so the next save starts from the current version.
            return _settings_page(request, access, indicator)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _saved(request)
            for warning in saved.warnings:
                messages.warning(request, warning)
            return _back(indicator, team)
    return _settings_page(request, access, indicator, baseline_form=form)


@login_required
@require_POST
def phase_break_add(request: HttpRequest, team_uuid, indicator_uuid) -> HttpResponse:
    access, indicator = _series(request, team_uuid, indicator_uuid)
    team = access.team
    form = PhaseBreakForm(request.POST, periods=services.phase_break_periods(team=team, indicator=indicator))
    if form.is_valid():
        try:
            services.phase_break_add(
                team=team,
                indicator=indicator,
                period=form.cleaned_data["period"],
                label=form.cleaned_data["label"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _saved(request)
            if ChartSettings.objects.filter(
                team=team, indicator=indicator, baseline_end__isnull=False
            ).exists():
                messages.info(
                    request,
                    _(
                        "Når processen er opdelt i faser, beregnes centerlinjen for hver fase, og baseline bruges ikke."
                    ),
                )
            return _back(indicator, team)
    return _settings_page(request, access, indicator, phase_break_form=form)


@login_required
@require_POST
def phase_break_remove(request: HttpRequest, team_uuid, indicator_uuid, period: str) -> HttpResponse:
    access, indicator = _series(request, team_uuid, indicator_uuid)
    try:
        services.phase_break_remove(
            team=access.team, indicator=indicator, period=_period(period), user=request.user
        )
    except ValidationError as exc:
        # A second click on the same button: nothing left to remove.
        messages.info(request, exc.messages[0])
    else:
        _saved(request)
    return _back(indicator, access.team)


@login_required
@require_POST
def excluded_point_add(request: HttpRequest, team_uuid, indicator_uuid) -> HttpResponse:
    access, indicator = _series(request, team_uuid, indicator_uuid)
    team = access.team
    form = ExcludedPointForm(request.POST, periods=services.reported_periods(team=team, indicator=indicator))
    if form.is_valid():
        try:
            services.excluded_point_add(
                team=team,
                indicator=indicator,
                period=form.cleaned_data["period"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _saved(request)
            return _back(indicator, team)
    return _settings_page(request, access, indicator, excluded_point_form=form)


@login_required
@require_POST
def excluded_point_remove(request: HttpRequest, team_uuid, indicator_uuid, period: str) -> HttpResponse:
    access, indicator = _series(request, team_uuid, indicator_uuid)
    try:
        services.excluded_point_remove(
            team=access.team, indicator=indicator, period=_period(period), user=request.user
        )
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    else:
        _saved(request)
    return _back(indicator, access.team)


def _annotation_return(request: HttpRequest, team, annotation_indicator: Indicator | None) -> HttpResponse:
    """Back to the indicator page the user came from, else the annotated chart, else the team page."""
    indicators = published_indicators(network=team.network)
    came_from = None
    if key := _uuid_or_none(request.POST.get("return_to")):
        came_from = indicators.filter(uuid=key).first()
    target = came_from or annotation_indicator
    if target is not None:
        return _back(target, team)
    return redirect("measures:team-dashboard", team_uuid=team.uuid)


@login_required
def annotation_create(request: HttpRequest, team_uuid) -> HttpResponse:
    """Tilføj kommentar på diagram: GET the form page, POST save it."""
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    if request.method == "POST":
        form = _annotation_form(team, data=request.POST)
        if form.is_valid():
            try:
                annotation = services.annotation_create(team=team, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Kommentaren er gemt. Diagrammet opdateres."))
                return _annotation_return(request, team, annotation.indicator)
    else:
        initial = {"date": timezone.localdate()}
        chosen = published_indicators(network=team.network).filter(
            uuid=_uuid_or_none(request.GET.get("indikator"))
        )
        if indicator := chosen.first():
            initial["indicator"] = str(indicator.uuid)
        form = _annotation_form(team, initial=initial)
    return render(
        request,
        "measures/chart_settings_annotation_form.html",
        {
            "access": access,
            "team": team,
            "form": form,
            "return_to": request.POST.get("return_to", request.GET.get("indikator", "")),
        },
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
def annotation_delete(request: HttpRequest, team_uuid, annotation_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    annotation = (
        Annotation.objects.filter(team=team, uuid=annotation_uuid).select_related("indicator").first()
    )
    if annotation is None:
        raise Http404
    indicator = annotation.indicator
    services.annotation_delete(annotation=annotation, user=request.user)
    messages.success(request, _("Kommentaren er fjernet. Diagrammet opdateres."))
    return _annotation_return(request, team, indicator)
