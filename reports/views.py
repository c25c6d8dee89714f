"""Report pages: the network's reports and data approval, a snapshot's progress, downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from measures.services.entry_locks import locked_through, month_lock_clear, month_lock_history, month_lock_set
from measures.views.dashboards import record_report
from teams.access import NetworkAccess, get_network_for_user
from teams.models import Team

from .forms import MonthLockForm, SnapshotOrderForm
from .models import ReportSnapshot
from .selectors import may_download_anonymised, may_download_named, snapshots_visible_to
from .services import report_snapshot_request


def get_snapshot_for_user(user: User | AnonymousUser, snapshot_uuid) -> tuple[ReportSnapshot, NetworkAccess]:
    """The snapshot if the user may see it (its network, and for a team report the team); 404 otherwise."""
    try:
        snapshot = ReportSnapshot.objects.select_related("network", "team", "seminar").get(uuid=snapshot_uuid)
    except (ReportSnapshot.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    access = get_network_for_user(user, snapshot.network.slug)
    if (
        snapshot.team_id is not None
        and not Team.objects.visible_to(user).filter(pk=snapshot.team_id).exists()
    ):
        raise Http404
    return snapshot, access


def _writable_teams(user: User | AnonymousUser, network):
    return Team.objects.writable_by(user).filter(network=network, is_active=True).order_by("name")


@login_required
@require_GET
def network_reports(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's generated reports, ordering a new one, and the data approval (month lock)."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    teams = _writable_teams(request.user, network)
    snapshots = list(snapshots_visible_to(request.user, network=network, access=access)[:50])
    for snapshot in snapshots:
        snapshot.can_named = may_download_named(snapshot, access)
        snapshot.can_anonymised = may_download_anonymised(snapshot, access)
    return render(
        request,
        "reports/network_reports.html",
        {
            "access": access,
            "network": network,
            "snapshots": snapshots,
            "order_form": SnapshotOrderForm(network=network, can_lock=True)
            if access.is_national_lead
            else None,
            "team_form": SnapshotOrderForm(network=network, teams=teams) if teams.exists() else None,
            "locked_through": locked_through(network),
            "lock_form": MonthLockForm(network=network) if access.is_national_lead else None,
            "lock_history": month_lock_history(network),
        },
    )


@login_required
@require_POST
def snapshot_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Order a report: the network report (national lead) or one team's report (its members)."""
    access = get_network_for_user(request.user, slug)
    network = access.network
    is_team_report = "team" in request.POST
    if is_team_report:
        teams = _writable_teams(request.user, network)
        form = SnapshotOrderForm(request.POST, network=network, teams=teams)
    else:
        if not access.is_national_lead:
            raise PermissionDenied
        form = SnapshotOrderForm(request.POST, network=network, can_lock=True)
    if not form.is_valid():
        errors = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
        messages.error(request, errors)
        return redirect("reports:network-reports", slug=network.slug)
    data = form.cleaned_data
    try:
        snapshot = report_snapshot_request(
            network=network,
            user=request.user,
            format=data["format"],
            team=data.get("team"),
            seminar=data.get("seminar"),
            lock_through=data.get("lock_through_date"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:network-reports", slug=network.slug)
    return redirect("reports:snapshot-detail", snapshot_uuid=snapshot.uuid)


@login_required
@require_GET
def snapshot_detail(request: HttpRequest, snapshot_uuid) -> HttpResponse:
    """One report: progress while it is generated, the failure if it failed, the downloads when ready."""
    snapshot, access = get_snapshot_for_user(request.user, snapshot_uuid)
    return render(
        request,
        "reports/snapshot_detail.html",
        {
            "access": access,
            "network": snapshot.network,
            "snapshot": snapshot,
            "can_named": may_download_named(snapshot, access),
            "can_anonymised": may_download_anonymised(snapshot, access),
            "n_charts": len(snapshot.chart_results),
        },
    )


@login_required
@require_GET
def snapshot_status(request: HttpRequest, snapshot_uuid) -> JsonResponse:
    """The progress as JSON, polled by the snapshot page."""
    snapshot, _access = get_snapshot_for_user(request.user, snapshot_uuid)
    return JsonResponse(
        {
            "status": snapshot.status,
            "status_label": snapshot.get_status_display(),
            "progress": snapshot.progress,
            "text": snapshot.progress_text,
            "error": snapshot.error,
            "finished": snapshot.is_finished,
        }
    )


def _download(request: HttpRequest, snapshot: ReportSnapshot, field) -> FileResponse:
    """The stored file (the same bytes every time), recorded in the network's export audit."""
    if snapshot.status != ReportSnapshot.Status.DONE or not field:
        raise Http404
    filename = field.name.rsplit("/", 1)[-1]
    content_type = (
        "application/pdf"
        if snapshot.format == ReportSnapshot.Format.PDF
        else "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    record_report(request, snapshot.network, filename)
    return response


@login_required
@require_GET
def snapshot_download_named(request: HttpRequest, snapshot_uuid) -> FileResponse:
    """The file with team names: the project leadership (or everyone, where it is the only file)."""
    snapshot, access = get_snapshot_for_user(request.user, snapshot_uuid)
    if not may_download_named(snapshot, access):
        raise PermissionDenied
    return _download(request, snapshot, snapshot.file_named)


@login_required
@require_GET
def snapshot_download_anonymised(request: HttpRequest, snapshot_uuid) -> FileResponse:
    """The file for the teams, with the other teams anonymised."""
    snapshot, access = get_snapshot_for_user(request.user, snapshot_uuid)
    if not may_download_anonymised(snapshot, access):
        raise Http404
    return _download(request, snapshot, snapshot.file_anonymised)


@login_required
@require_POST
def month_lock(request: HttpRequest, slug: str) -> HttpResponse:
    """Lock the network's months up to a month, or unlock them (national lead); kept in history."""
    access = get_network_for_user(request.user, slug)
    if not access.is_national_lead:
        raise PermissionDenied
    network = access.network
    form = MonthLockForm(request.POST, network=network)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect("reports:network-reports", slug=network.slug)
    data = form.cleaned_data
    try:
        if data["action"] == "lock":
            month_lock_set(
                network=network, through=data["through_date"], user=request.user, note=data["note"]
            )
            messages.success(
                request,
                _("Data er godkendt og låst til og med %(month)s.")
                % {"month": formats.date_format(data["through_date"], "F Y")},
            )
        else:
            month_lock_clear(network=network, user=request.user, note=data["note"])
            messages.success(request, _("Månederne er låst op."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reports:network-reports", slug=network.slug)
