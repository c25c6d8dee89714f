"""Monthly data entry: the team's grid, saving one cell, history, upload, template, completeness."""

import secrets
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from lkt.net import client_ip
from teams.access import get_network_for_user, get_team_for_user
from teams.models import ExportEvent, Team
from teams.services import export_event_record

from ..forms.entry import CellForm, MonthCompletionForm, UploadForm
from ..models import Indicator, Measurement, PublicationStatus, RefusedMeasurement
from ..numbers import format_display, format_input
from ..selectors.definitions import published_indicators
from ..selectors.entry import (
    network_overdue_teams,
    past_deadline_periods,
    reporting_deadline,
)
from ..services.entry import (
    BulkConflict,
    BulkValidationError,
    MeasurementBusy,
    MeasurementConflict,
    MeasurementRow,
    RowError,
    measurement_delete,
    measurement_save,
    measurements_bulk_plan,
    measurements_bulk_save,
    month_completion_clear,
    month_completion_mark,
)
from ..upload import parse_upload, template_csv, template_xlsx

UPLOAD_SESSION_KEY = "entry_upload"
PREVIEW_ROWS_SHOWN = 200


def _cell_json(measurement: Measurement | None) -> dict:
    if measurement is None:
        return {
            "version": None,
            "numerator": "",
            "denominator": "",
            "value": "",
            "comment": "",
            "nothing_to_report": False,
            "needs_checking": False,
            "entered_after_lock": False,
            "entered_by": "",
            "updated_at": "",
        }
    user = measurement.entered_by
    return {
        "version": measurement.version,
        "numerator": format_input(measurement.numerator),
        "denominator": format_input(measurement.denominator),
        "value": format_display(measurement.value, measurement.indicator.shown_decimals),
        "comment": measurement.comment,
        "nothing_to_report": measurement.nothing_to_report,
        "needs_checking": measurement.needs_checking,
        "entered_after_lock": measurement.entered_after_lock,
        "entered_by": (user.get_full_name() or user.get_username()) if user else "",
        "updated_at": formats.date_format(
            timezone.localtime(measurement.updated_at), "SHORT_DATETIME_FORMAT"
        ),
    }


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _indicator_for_team(team: Team, indicator_uuid) -> Indicator:
    try:
        return Indicator.objects.get(
            uuid=indicator_uuid, network=team.network, status=PublicationStatus.PUBLISHED
        )
    except (Indicator.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


@dataclass
class CellOutcome:
    """What saving one cell came to, for the JSON answer or the no-JavaScript month form."""

    state: str  # saved, deleted, unchanged, conflict, offline, invalid
    status: int = 200
    message: str = ""
    measurement: Measurement | None = None
    conflict: MeasurementConflict | None = None
    errors: dict | None = None


def _apply_cell(team: Team, indicator: Indicator, form: CellForm, user: User | AnonymousUser) -> CellOutcome:
    """One valid cell form through the entry services: save, delete (cleared) or refuse."""
    data = form.cleaned_data
    period = data["period"]
    expected_version = data["expected_version"]
    try:
        if form.is_empty:
            current = Measurement.objects.filter(team=team, indicator=indicator, period=period).first()
            if current is None and expected_version is None:
                return CellOutcome(state="unchanged")
            if current is None:
                raise MeasurementConflict(None)
            # expected_version None here (the page showed an empty cell) is a conflict in the service.
            measurement_delete(measurement=current, expected_version=expected_version, user=user)
            return CellOutcome(state="deleted")
        measurement = measurement_save(
            team=team,
            indicator=indicator,
            period=period,
            numerator=data["numerator"],
            denominator=data["denominator"],
            comment=data["comment"],
            nothing_to_report=data["nothing_to_report"],
            needs_checking=data["needs_checking"],
            expected_version=expected_version,
            user=user,
        )
    except MeasurementConflict as conflict:
        if conflict.current is not None:
            conflict.current.indicator = indicator
        return CellOutcome(
            state="conflict",
            status=409,
            message=conflict.messages[0],
            measurement=conflict.current,
            conflict=conflict,
        )
    except MeasurementBusy as busy:
        return CellOutcome(state="offline", status=503, message=busy.messages[0])
    except ValidationError as exc:
        errors = {
            name: [{"message": m} for m in messages_]
            for name, messages_ in (
                exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            ).items()
        }
        return CellOutcome(state="invalid", status=400, errors=errors)
    measurement.indicator = indicator
    return CellOutcome(state="saved", measurement=measurement)


@login_required
@require_POST
def entry_save(request: HttpRequest, team_uuid) -> HttpResponse:
    """Save one cell. JSON: 200 saved, 400 field errors (the typed text stays in the page), 409 conflict."""
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    form = CellForm(request.POST)
    if not form.is_valid():
        return _save_response(request, team, status=400, errors=form.errors.get_json_data())
    indicator = _indicator_for_team(team, form.cleaned_data["indicator"])
    outcome = _apply_cell(team, indicator, form, request.user)
    return _save_response(
        request,
        team,
        status=outcome.status,
        state=outcome.state,
        errors=outcome.errors,
        message=outcome.message,
        measurement=outcome.measurement,
        conflict=outcome.conflict,
    )


@login_required
@require_POST
def entry_save_month(request: HttpRequest, team_uuid) -> HttpResponse:
    """The grid without JavaScript: one month's row posted as a plain form ("Gem" in the row).

    Each changed cell goes through the same path as the page's per-cell saves (_apply_cell: the
    entry services, optimistic versions, locks, history). Unchanged cells are not saved; comments
    and flags are kept as stored. The outcome is told per cell on the grid, at the month.
    """
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    month = MonthCompletionForm({"period": request.POST.get("month", "")})
    if not month.is_valid():
        messages.error(request, _("Ugyldig måned."))
        return redirect("measures:entry-grid", team_uuid=team.uuid)
    period = month.cleaned_data["period"]
    key = f"{period:%Y-%m}"
    indicators = list(published_indicators(network=team.network))
    stored = {
        m.indicator_id: m
        for m in Measurement.objects.filter(team=team, indicator__in=indicators, period=period).order_by()
    }
    # The versions the page showed, in the order of the indicators: "3,1,,2" ("" = empty cell).
    shown_versions = request.POST.get(f"v-{key}", "").split(",")
    saved, problems = 0, []
    for index, indicator in enumerate(indicators):
        name = f"n-{indicator.code}-{key}"
        if name not in request.POST:
            continue  # not in the form (a read-only or folded row)
        numerator = request.POST.get(name, "")
        denominator = request.POST.get(f"d-{indicator.code}-{key}", "") if indicator.has_denominator else ""
        current = stored.get(indicator.id)
        if current is not None and (numerator, denominator) == (
            format_input(current.numerator),
            format_input(current.denominator) if indicator.has_denominator else "",
        ):
            continue
        if current is None and not numerator.strip() and not denominator.strip():
            continue
        version = shown_versions[index] if index < len(shown_versions) else ""
        form = CellForm(
            {
                "indicator": str(indicator.uuid),
                "period": key,
                "numerator": numerator,
                "denominator": denominator,
                "comment": current.comment if current else "",
                "nothing_to_report": "on"
                if current and current.nothing_to_report and not numerator.strip()
                else "",
                "needs_checking": "on" if current and current.needs_checking else "",
                "expected_version": version,
            }
        )
        if not form.is_valid():
            errors = [e["message"] for errs in form.errors.get_json_data().values() for e in errs]
            problems.append(
                f"{indicator.name}: {' '.join(errors)} ({numerator}{' / ' + denominator if denominator else ''})"
            )
            continue
        outcome = _apply_cell(team, indicator, form, request.user)
        if outcome.state in ("saved", "deleted"):
            saved += 1
        elif outcome.state != "unchanged":
            text = outcome.message or " ".join(
                e["message"] for errs in (outcome.errors or {}).values() for e in errs
            )
            problems.append(
                f"{indicator.name}: {text} ({numerator}{' / ' + denominator if denominator else ''})"
            )
    label = formats.date_format(period, "YEAR_MONTH_FORMAT")
    if saved:
        messages.success(
            request,
            ngettext("%(month)s: %(n)s værdi er gemt.", "%(month)s: %(n)s værdier er gemt.", saved)
            % {"month": label, "n": saved},
        )
    for problem in problems:
        messages.error(request, _("%(month)s, ikke gemt: %(problem)s") % {"month": label, "problem": problem})
    if not saved and not problems:
        messages.info(request, _("%(month)s: ingen ændringer.") % {"month": label})
    return redirect(reverse("measures:entry-grid", kwargs={"team_uuid": team.uuid}) + f"#m-{key}")


def _save_response(
    request, team, *, status=200, state="invalid", errors=None, message="", measurement=None, conflict=None
):
    if not _wants_json(request):
        # Without JavaScript the cell form posts normally; show the outcome on the grid.
        if status == 200:
            messages.success(request, _("Værdien er gemt."))
        else:
            text = message or " ".join(e["message"] for errs in (errors or {}).values() for e in errs)
            messages.error(request, text)
        return redirect("measures:entry-grid", team_uuid=team.uuid)
    payload = {"state": state, "message": message, "cell": _cell_json(measurement)}
    if conflict is not None:
        # code: "version" (someone saved first) or "locked" (the month's data are approved and
        # locked); conflict: the stored value, who stored it and when.
        payload["code"] = conflict.code
        payload["conflict"] = conflict.as_dict()
    if errors is not None:
        payload["errors"] = {name: [e["message"] for e in errs] for name, errs in errors.items()}
    if state == "saved":
        payload["message"] = _("Gemt")
    return JsonResponse(payload, status=status)


@dataclass
class HistoryLine:
    when: object
    who: str
    action: str
    before: str
    after: str
    comment: str
    period: date | None = None
    indicator: Indicator | None = None
    refused: bool = False


def _describe(record, indicator: Indicator) -> str:
    if record is None:
        return "–"
    if record.nothing_to_report:
        return _("intet at indberette")
    value = indicator.value(record.numerator, record.denominator)
    if indicator.has_denominator:
        return f"{format_display(record.numerator, 4)} / {format_display(record.denominator, 4)} = {format_display(value, indicator.shown_decimals)}"
    return format_display(record.numerator, 4)


def _action_label(history_type: str) -> str:
    return {"+": _("Oprettet"), "~": _("Ændret"), "-": _("Slettet")}[history_type]


def _history_lines(records, indicators: dict[int, Indicator]) -> list[HistoryLine]:
    """History records (oldest first per cell) -> lines showing the value before and after each change."""
    previous: dict[int, object] = {}
    lines = []
    for record in records:
        indicator = indicators[record.indicator_id]
        before = previous.get(record.id)
        after = None if record.history_type == "-" else record
        lines.append(
            HistoryLine(
                when=record.history_date,
                who=_user_label(record.history_user),
                action=_action_label(record.history_type),
                before=_describe(before, indicator),
                after=_describe(after, indicator) if after else "–",
                comment=record.comment,
                period=record.period,
                indicator=indicator,
            )
        )
        previous[record.id] = after
    return lines


def _user_label(user: User | AnonymousUser) -> str:
    if user is None:
        return _("ukendt")
    return user.get_full_name() or user.get_username()


@login_required
@require_GET
def entry_history(request: HttpRequest, team_uuid, indicator_uuid, year: int, month: int) -> HttpResponse:
    """One cell's history: every stored state and every refused attempt, newest first."""
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    indicator = _indicator_for_team(team, indicator_uuid)
    try:
        period = date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    records = (
        Measurement.history.filter(team=team, indicator=indicator, period=period)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    lines = _history_lines(records, {indicator.id: indicator})
    for refused in RefusedMeasurement.objects.filter(
        team=team, indicator=indicator, period=period
    ).select_related("attempted_by"):
        lines.append(
            HistoryLine(
                when=refused.attempted_at,
                who=_user_label(refused.attempted_by),
                action=_("Afvist (ændret af en anden imens)"),
                before="",
                after=_describe(refused, indicator)
                if refused.numerator is not None or refused.nothing_to_report
                else _("(sletning)"),
                comment=refused.comment,
                refused=True,
            )
        )
    lines.sort(key=lambda line: line.when, reverse=True)
    return render(
        request,
        "measures/entry_history.html",
        {"team": team, "network": team.network, "indicator": indicator, "period": period, "lines": lines},
    )


@login_required
@require_GET
def entry_team_history(request: HttpRequest, team_uuid) -> HttpResponse:
    """The team's latest changes across all cells."""
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    indicators = {i.id: i for i in Indicator.objects.filter(network=team.network)}
    latest = list(
        Measurement.history.filter(team=team)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", flat=True)[:100]
    )
    ids = set(Measurement.history.filter(history_id__in=latest).values_list("id", flat=True))
    # The whole history of the cells shown, so each line can show the value before the change.
    records = list(
        Measurement.history.filter(team=team, id__in=ids)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    shown = set(latest)
    lines = [
        line
        for record, line in zip(records, _history_lines(records, indicators), strict=True)
        if record.history_id in shown
    ]
    lines.reverse()
    return render(
        request, "measures/entry_team_history.html", {"team": team, "network": team.network, "lines": lines}
    )


@login_required
@require_POST
def entry_month_complete(request: HttpRequest, team_uuid) -> HttpResponse:
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    form = MonthCompletionForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"state": "invalid", "message": _("Ugyldig måned.")}, status=400)
        messages.error(request, _("Ugyldig måned."))
        return redirect("measures:entry-grid", team_uuid=team.uuid)
    period = form.cleaned_data["period"]
    label = formats.date_format(period, "b. Y")
    complete = form.cleaned_data["complete"]
    try:
        if complete:
            month_completion_mark(team=team, period=period, user=request.user)
            message, level = _("%(month)s er markeret som komplet.") % {"month": label}, messages.SUCCESS
        else:
            month_completion_clear(team=team, period=period, user=request.user)
            message, level = (
                _("%(month)s er ikke længere markeret som komplet.") % {"month": label},
                messages.INFO,
            )
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"state": "invalid", "message": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
    else:
        # The grid marks a month without reloading the page (a reload of 36 months took seconds).
        if _wants_json(request):
            return JsonResponse({"state": "complete" if complete else "open", "message": message})
        messages.add_message(request, level, message)
    return redirect(reverse("measures:entry-grid", kwargs={"team_uuid": team.uuid}) + f"#m-{period:%Y-%m}")


@login_required
@require_GET
def entry_template(request: HttpRequest, team_uuid) -> HttpResponse:
    """The team's upload template with the values already stored, as CSV (default) or Excel."""
    access = get_team_for_user(request.user, team_uuid)
    team = access.team
    name = f"lkt-{team.network.slug}-{team.code}-skabelon"
    export_event_record(
        kind=ExportEvent.Kind.TEMPLATE,
        what=f"{name}.{'xlsx' if request.GET.get('format') == 'xlsx' else 'csv'}",
        path=request.get_full_path(),
        client_ip=client_ip(request),
        user=request.user,
        network=team.network,
    )
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            template_xlsx(team),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(template_csv(team), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _rows_to_session(rows: list[MeasurementRow]) -> list[list]:
    return [
        [
            r.indicator_code,
            r.period.isoformat(),
            _text(r.numerator),
            _text(r.denominator),
            r.comment,
            r.nothing_to_report,
            r.expected_version,
            r.row_number,
        ]
        for r in rows
    ]


def _rows_from_session(data: list[list]) -> list[MeasurementRow]:
    from decimal import Decimal

    return [
        MeasurementRow(
            indicator_code=code,
            period=date.fromisoformat(period),
            numerator=Decimal(numerator) if numerator is not None else None,
            denominator=Decimal(denominator) if denominator is not None else None,
            comment=comment,
            nothing_to_report=nothing,
            expected_version=version,
            row_number=row_number,
        )
        for code, period, numerator, denominator, comment, nothing, version, row_number in data
    ]


def _text(value) -> str | None:
    return None if value is None else str(value)


@login_required
def entry_upload(request: HttpRequest, team_uuid) -> HttpResponse:
    """Step 1: choose a file; the preview shows what would be created, changed and left alone."""
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    indicators = list(published_indicators(network=team.network))
    context = {"team": team, "network": team.network, "indicators": indicators}
    if request.method != "POST":
        context["form"] = UploadForm(indicators=indicators)
        return render(request, "measures/entry_upload.html", context)
    form = UploadForm(request.POST, request.FILES, indicators=indicators)
    context["form"] = form
    if not form.is_valid():
        return render(request, "measures/entry_upload.html", context, status=400)
    upload = form.cleaned_data["file"]
    parsed = parse_upload(
        data=upload.read(), filename=upload.name, indicator_code=form.cleaned_data["indicator"] or None
    )
    # Rows that could be read are checked too, so the user sees every bad row at once.
    plan = measurements_bulk_plan(team=team, rows=parsed.rows)
    errors = sorted([*parsed.errors, *plan.errors], key=lambda e: e.row_number or 0)
    context.update({"parsed": parsed, "errors": errors, "filename": upload.name})
    if errors:
        return render(request, "measures/entry_upload_preview.html", context, status=400)
    # The versions seen now go with the rows: a value changed before confirmation is not overwritten.
    rows = [
        MeasurementRow(**{**a.row.__dict__, "expected_version": a.before.version if a.before else 0})
        for a in plan.actions
    ]
    token = secrets.token_urlsafe(16)
    request.session[UPLOAD_SESSION_KEY] = {
        "token": token,
        "team": str(team.uuid),
        "filename": upload.name,
        "rows": _rows_to_session(rows),
    }
    changes = [a for a in plan.actions if a.action != "unchanged"]
    context.update(
        {
            "token": token,
            "created": plan.count("create"),
            "changed": plan.count("change"),
            "unchanged": plan.count("unchanged"),
            "flagged": sum(1 for a in changes if a.needs_checking),
            "changes": changes[:PREVIEW_ROWS_SHOWN],
            "more_changes": max(0, len(changes) - PREVIEW_ROWS_SHOWN),
            "total": len(plan.actions),
            "progress_text": {
                "running": _("Indlæser %(n)s rækker … Det tager normalt kun få sekunder; luk ikke siden.")
                % {"n": formats.number_format(len(plan.actions), force_grouping=True)},
            },
        }
    )
    return render(request, "measures/entry_upload_preview.html", context)


@login_required
@require_POST
def entry_upload_confirm(request: HttpRequest, team_uuid) -> HttpResponse:
    """Step 2: import the previewed rows, all or nothing."""
    access = get_team_for_user(request.user, team_uuid, write=True)
    team = access.team
    pending = request.session.get(UPLOAD_SESSION_KEY)
    if (
        not pending
        or pending.get("token") != request.POST.get("token")
        or pending.get("team") != str(team.uuid)
    ):
        messages.error(request, _("Forhåndsvisningen er udløbet. Vælg filen igen."))
        return redirect("measures:entry-upload", team_uuid=team.uuid)
    rows = _rows_from_session(pending["rows"])
    try:
        result = measurements_bulk_save(team=team, rows=rows, user=request.user, source="upload")
    except (BulkValidationError, BulkConflict, MeasurementBusy) as exc:
        # A value changed since the preview (409, with what is stored, by whom and when: the
        # refused rows are kept in the cells' history), or a rule changed meanwhile. Nothing is saved.
        errors = [RowError(None, "", exc.messages[0])] if isinstance(exc, MeasurementBusy) else exc.row_errors
        return render(
            request,
            "measures/entry_upload_preview.html",
            {
                "team": team,
                "network": team.network,
                "errors": errors,
                "filename": pending["filename"],
            },
            status=503 if isinstance(exc, MeasurementBusy) else 409,
        )
    del request.session[UPLOAD_SESSION_KEY]
    messages.success(
        request,
        _("Filen er indlæst: %(created)s nye, %(changed)s ændrede og %(unchanged)s uændrede værdier.")
        % {"created": result.created, "changed": result.changed, "unchanged": result.unchanged},
    )
    return redirect("measures:entry-grid", team_uuid=team.uuid)


@login_required
@require_GET
def completeness(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's overdue teams: months whose deadline has passed with data still missing."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    today = timezone.localdate()
    overdue = network_overdue_teams(network=network, teams=Team.objects.visible_to(request.user), today=today)
    due = past_deadline_periods(network, today)
    return render(
        request,
        "measures/entry_completeness.html",
        {
            "access": access,
            "network": network,
            "overdue": overdue,
            "last_due": due[-1] if due else None,
            "last_deadline": reporting_deadline(network, due[-1]) if due else None,
        },
    )
