"""Pages of the seminar plan: the plan of a network, a seminar, editing, registration, attendance,
materials and iCalendar files.

Access: `get_network_for_user` / `get_seminar_for_user` (outsiders 404); editing and attendance
need `can_edit_seminars` (403 otherwise). The calendar files need a login session: calendar apps
cannot log in, so the network feed is a file to download and import, not a subscription URL: a
secret per-user URL would be a second way in that outlives the session and the password, and would
need its own revocable token model. Re-importing updates the events, as their UIDs are stable.
"""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from teams.access import get_network_for_user
from teams.models import Team

from . import services
from .forms import (
    AttendanceForm,
    MaterialForm,
    ProgrammeFormSet,
    RegistrationForm,
    SeminarForm,
    programme_initial,
    programme_items,
)
from .ical import build_calendar, site_host
from .models import Registration, Seminar, SeminarMaterial
from .selectors import (
    attendance_sheet,
    get_seminar_for_user,
    plan_progress,
    registrable_users,
    seminar_list,
    seminar_with_content,
    seminars_with_content,
    texts_by_audience,
    user_registrations,
    visible_registrations,
)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def seminar_plan(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    network = access.network
    seminars = list(seminar_list(network=network))
    mine = user_registrations(user=request.user, network=network)
    for seminar in seminars:
        seminar.my_registration = mine.get(seminar.id)
    return render(
        request,
        "seminars/plan.html",
        {
            "access": access,
            "network": network,
            "seminars": seminars,
            "progress": plan_progress(network=network, seminars=seminars),
        },
    )


def _materials(seminar: Seminar) -> list[dict]:
    items = []
    for material in seminar.materials.all():
        if material.file:
            filename = Path(material.file.name).name
            href = reverse(
                "seminars:material-download", kwargs={"seminar_uuid": seminar.uuid, "filename": filename}
            )
            kind = Path(filename).suffix.lstrip(".").lower()
        else:
            href, kind = material.url, _("link")
        items.append(
            {
                "title": material.title,
                "href": href,
                "kind": kind,
                "is_file": bool(material.file),
                "pk": material.pk,
            }
        )
    return items


@login_required
def seminar_detail(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid)
    seminar = seminar_with_content(seminar_id=access.seminar.pk)
    registrations = list(visible_registrations(access=access, user=request.user))
    my_registration = (
        Registration.objects.filter(seminar=seminar, user=request.user)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    people = registrable_users(access=access, user=request.user)
    registered_ids = {r.user_id for r in registrations}
    others = people.exclude(pk=request.user.pk).exclude(pk__in=registered_ids)
    counts = seminar_list(network=seminar.network).get(pk=seminar.pk)
    led_team_ids = set(
        Team.objects.led_by(request.user).filter(network=seminar.network).values_list("id", flat=True)
    )
    for registration in registrations:
        registration.can_cancel = (
            access.can_edit or registration.user_id == request.user.pk or registration.team_id in led_team_ids
        )
    return render(
        request,
        "seminars/detail.html",
        {
            "access": access,
            "network": seminar.network,
            "seminar": seminar,
            "purposes": texts_by_audience(seminar.purposes.all()),
            "objectives": texts_by_audience(seminar.learning_objectives.all()),
            "registrations": registrations,
            "materials": _materials(seminar),
            "my_registration": my_registration,
            "register_others_form": RegistrationForm(people=others) if others.exists() else None,
            "n_registered": counts.n_registered,
            "n_waiting": counts.n_waiting,
            "is_open": seminar.starts_at > timezone.now(),
            "has_started": seminar.starts_at <= timezone.now(),
        },
    )


def _seminar_form_page(request: HttpRequest, *, network, seminar: Seminar | None) -> HttpResponse:
    if request.method == "POST":
        form = SeminarForm(request.POST)
        formset = ProgrammeFormSet(request.POST, prefix="programme")
        if form.is_valid() and formset.is_valid():
            try:
                if seminar is None:
                    seminar = services.seminar_create(
                        network=network,
                        fields=form.seminar_fields(),
                        content=form.content(programme_items(formset)),
                        user=request.user,
                    )
                    messages.success(request, _("Seminaret er oprettet."))
                else:
                    seminar = services.seminar_update(
                        seminar=seminar,
                        fields=form.seminar_fields(),
                        content=form.content(programme_items(formset)),
                        user=request.user,
                    )
                    messages.success(request, _("Seminaret er gemt."))
                return redirect("seminars:seminar-detail", seminar_uuid=seminar.uuid)
            except ValidationError as exc:
                form.add_error(None, exc)
    elif seminar is None:
        form = SeminarForm(initial={"audience": "teams", "has_waiting_list": True, "number": 1})
        formset = ProgrammeFormSet(prefix="programme")
    else:
        form = SeminarForm(initial=SeminarForm.initial_for(seminar))
        formset = ProgrammeFormSet(initial=programme_initial(seminar), prefix="programme")
    return render(
        request,
        "seminars/edit.html",
        {
            "network": network,
            "seminar": seminar,
            "form": form,
            "formset": formset,
            "material_form": MaterialForm() if seminar else None,
            "materials": _materials(seminar) if seminar else [],
        },
    )


@login_required
def seminar_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, lead=True)
    return _seminar_form_page(request, network=access.network, seminar=None)


@login_required
def seminar_edit(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid, edit=True)
    seminar = seminar_with_content(seminar_id=access.seminar.pk)
    return _seminar_form_page(request, network=seminar.network, seminar=seminar)


@login_required
@require_POST
def seminar_delete(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid, edit=True)
    seminar = access.seminar
    try:
        services.seminar_delete(seminar=seminar, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("seminars:seminar-edit", seminar_uuid=seminar.uuid)
    messages.success(request, _("Seminaret er slettet."))
    return redirect("seminars:plan", slug=seminar.network.slug)


@login_required
@require_POST
def material_add(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid, edit=True)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(
                seminar=access.seminar,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"],
                user=request.user,
            )
            messages.success(request, _("Materialet er tilføjet."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("Materialet blev ikke tilføjet: %(errors)s") % {"errors": " ".join(errors)})
    return redirect(
        reverse("seminars:seminar-edit", kwargs={"seminar_uuid": access.seminar.uuid}) + "#materialer"
    )


@login_required
@require_POST
def material_delete(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid, edit=True)
    # The material's id travels in the form body, scoped to this seminar, never in the URL.
    raw_id = request.POST.get("material", "")
    material = (
        SeminarMaterial.objects.filter(seminar=access.seminar, pk=raw_id).first()
        if raw_id.isdigit()
        else None
    )
    if material is None:
        # Usually a second click on "Slet": the material is already gone.
        messages.error(request, _("Materialet findes ikke længere."))
    else:
        services.material_delete(material=material, user=request.user)
        messages.success(request, _("Materialet er slettet."))
    return redirect(
        reverse("seminars:seminar-edit", kwargs={"seminar_uuid": access.seminar.uuid}) + "#materialer"
    )


@login_required
def material_download(request: HttpRequest, seminar_uuid, filename: str) -> FileResponse:
    """Seminar files are served through this view, so only people in the network get them."""
    access = get_seminar_for_user(request.user, seminar_uuid)
    material = next(
        (
            m
            for m in SeminarMaterial.objects.filter(seminar=access.seminar).exclude(file="")
            if Path(m.file.name).name == filename
        ),
        None,
    )
    if material is None:
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=filename)


@login_required
@require_POST
def seminar_register(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid)
    seminar = access.seminar
    person = request.user
    if request.POST.get("person"):
        form = RegistrationForm(request.POST, people=registrable_users(access=access, user=request.user))
        if not form.is_valid():
            raise PermissionDenied
        person = form.cleaned_data["person"]
    try:
        registration = services.registration_create(
            seminar=seminar, person=person, actor=request.user, is_organiser=access.can_edit
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        name = person.get_full_name() or person.username
        if registration.status == Registration.Status.WAITING:
            messages.warning(
                request,
                _(
                    "Seminaret er fuldt booket. %(name)s er sat på venteliste og får en plads, hvis en anden melder fra."
                )
                % {"name": name},
            )
        else:
            messages.success(request, _("%(name)s er tilmeldt.") % {"name": name})
    return redirect("seminars:seminar-detail", seminar_uuid=seminar.uuid)


@login_required
@require_POST
def seminar_cancel(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid)
    seminar = access.seminar
    person_id = request.POST.get("person") or request.user.pk
    registration = (
        Registration.objects.filter(seminar=seminar, user_id=person_id)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "team")
        .first()
    )
    if registration is None:
        messages.error(request, _("Der er ingen tilmelding at afmelde."))
        return redirect("seminars:seminar-detail", seminar_uuid=seminar.uuid)
    try:
        services.registration_cancel(
            registration=registration, actor=request.user, is_organiser=access.can_edit
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        user = registration.user
        messages.success(request, _("%(name)s er afmeldt.") % {"name": user.get_full_name() or user.username})
    return redirect("seminars:seminar-detail", seminar_uuid=seminar.uuid)


@login_required
def seminar_attendance(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid, edit=True)
    seminar = access.seminar
    groups = attendance_sheet(seminar=seminar)
    rows = {row.user.pk: row for group in groups for row in group.rows}
    if request.method == "POST":
        form = AttendanceForm(request.POST, user_ids=list(rows))
        if form.is_valid():
            attended = {pk: (rows[pk].team.pk if rows[pk].team else None) for pk in form.attended_ids()}
            try:
                added, removed = services.attendance_record(
                    seminar=seminar, attended=attended, recorded_by=request.user
                )
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(
                    request,
                    _("Fremmødet er gemt: %(n)s deltog.") % {"n": len(attended)},
                )
                return redirect("seminars:seminar-attendance", seminar_uuid=seminar.uuid)
    return render(
        request,
        "seminars/attendance.html",
        {
            "network": seminar.network,
            "seminar": seminar,
            "groups": groups,
            "has_started": seminar.starts_at <= timezone.now(),
            "n_attended": sum(1 for row in rows.values() if row.attended),
        },
    )


def _calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _seminar_url(request: HttpRequest):
    def url_for(seminar: Seminar) -> str:
        return request.build_absolute_uri(
            reverse("seminars:seminar-detail", kwargs={"seminar_uuid": seminar.uuid})
        )

    return url_for


@login_required
def seminar_ics(request: HttpRequest, seminar_uuid) -> HttpResponse:
    access = get_seminar_for_user(request.user, seminar_uuid)
    seminar = seminar_with_content(seminar_id=access.seminar.pk)
    content = build_calendar([seminar], name=seminar.title, host=site_host(), url_for=_seminar_url(request))
    return _calendar_response(content, f"{slugify(seminar.title) or 'seminar'}.ics")


@login_required
def network_ics(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug)
    network = access.network
    seminars = seminars_with_content(network=network).select_related("network")
    content = build_calendar(
        seminars,
        name=_("%(network)s: seminarer") % {"network": network.name},
        host=site_host(),
        url_for=_seminar_url(request),
    )
    return _calendar_response(content, f"{network.slug}-seminarer.ics")
