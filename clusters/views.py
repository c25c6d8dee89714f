"""HTML views of the clusters app: fetch with the access helper, validate with a form, call a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import presentation, selectors, services, upload
from .access import (
    get_cluster_for_user,
    get_meeting_for_user,
    get_provider_for_user,
    practice_labels,
    prescriber_labels,
)
from .forms import (
    DiscussionForm,
    ExtractRequestedForm,
    GoalForm,
    GroupFormSet,
    MeetingEditForm,
    MeetingForm,
    MemberAddForm,
    MemberForm,
    PackageForm,
    UploadForm,
)
from .models import (
    ClusterMembership,
    Extract,
    GoalLevel,
    Meeting,
    MeetingGoal,
    Package,
    PackageItem,
    Practice,
    Prescriber,
    Provider,
    ProviderMembership,
)


def _packages_for(user: User | AnonymousUser):
    own = Provider.objects.filter(memberships__user=user)
    return (
        (Package.objects.filter(is_published=True) | Package.objects.filter(provider__in=own))
        .distinct()
        .select_related("provider")
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The clusters the user follows, their coming meetings with the extract deadline, and the packages."""
    clusters = selectors.clusters_for(request.user)
    today = timezone.localdate()
    meetings = list(selectors.upcoming_meetings(clusters))
    delivered = set(Extract.objects.filter(meeting__in=meetings).values_list("meeting_id", flat=True))
    coordinated = set(
        ClusterMembership.objects.filter(
            user=request.user, role=ClusterMembership.Role.COORDINATOR
        ).values_list("cluster_id", flat=True)
    )
    providers = list(Provider.objects.filter(memberships__user=request.user))
    return render(
        request,
        "clusters/home.html",
        {
            "clusters": clusters,
            "meetings": [
                (
                    m,
                    "delivered" if m.id in delivered else m.deadline_state(today),
                    m.days_to_deadline(today),
                    m.cluster_id in coordinated,
                )
                for m in meetings
            ],
            "packages": _packages_for(request.user),
            "providers": providers,
            "today": today,
        },
    )


@login_required
@require_GET
def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_cluster_for_user(request.user, slug)
    cluster = access.cluster
    practices = list(Practice.objects.filter(cluster=cluster))
    labels = practice_labels(access, practices)
    today = timezone.localdate()
    meetings = list(cluster.meetings.select_related("package", "follows").order_by("-date"))
    delivered = set(Extract.objects.filter(meeting__in=meetings).values_list("meeting_id", flat=True))
    return render(
        request,
        "clusters/cluster_detail.html",
        {
            "access": access,
            "cluster": cluster,
            "practices": sorted(labels.values(), key=lambda label: label.label),
            "prescriber_count": Prescriber.objects.filter(practice__cluster=cluster).count(),
            "coordinators": ClusterMembership.objects.filter(
                cluster=cluster, role=ClusterMembership.Role.COORDINATOR
            ).select_related("user"),
            "member_count": ClusterMembership.objects.filter(cluster=cluster).count(),
            "meetings": [
                (m, "delivered" if m.id in delivered else m.deadline_state(today), m.days_to_deadline(today))
                for m in meetings
            ],
            "extracts": Extract.objects.filter(cluster=cluster).select_related("meeting")[:10],
        },
    )


@login_required
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_cluster_for_user(request.user, slug, plan=True)
    cluster = access.cluster
    initial = {"kind": Meeting.Kind.FIRST}
    follows = (
        Meeting.objects.filter(cluster=cluster, uuid=request.GET["follows"]).first()
        if _is_uuid(request.GET.get("follows"))
        else None
    )
    if follows is not None:
        # The follow-up: same package, at least the package's months later (six in the antibiotics package).
        from teams.models import add_months

        initial = {
            "kind": Meeting.Kind.FOLLOW_UP,
            "follows": follows.pk,
            "package": follows.package_id,
            "date": add_months(follows.date, follows.package.follow_up_min_months),
            "place": follows.place,
        }
    # Bound on every POST, also an empty one (an empty QueryDict is falsy): it must show its errors.
    form = MeetingForm(request.POST if request.method == "POST" else None, cluster=cluster, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                cluster=cluster,
                package=data["package"],
                day=data["date"],
                place=data["place"],
                kind=data["kind"],
                follows=data["follows"],
                extract_wishes=data["extract_wishes"],
                comparison=data["comparison"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Klyngemødet er planlagt. Husk at bestille datatrækket senest %(date)s.")
                % {"date": meeting.extract_deadline.strftime("%d.%m.%Y")},
            )
            return redirect("clusters:meeting-detail", meeting_uuid=meeting.uuid)
    return render(
        request,
        "clusters/meeting_form.html",
        {"access": access, "cluster": cluster, "form": form},
        status=400 if form.errors else 200,
    )


def _member_rows(cluster) -> list[dict]:
    memberships = list(
        ClusterMembership.objects.filter(cluster=cluster)
        .select_related("user", "practice")
        .order_by("role", "practice__name", "user__first_name", "user__username")
    )
    doctors = {p.user_id: p for p in Prescriber.objects.filter(practice__cluster=cluster, user__isnull=False)}
    return [{"membership": m, "prescriber": doctors.get(m.user_id)} for m in memberships]


def _member_changes(cluster, limit: int = 20) -> list:
    """The latest additions, changes and removals of the cluster's members, from their history."""
    return list(
        ClusterMembership.history.filter(cluster_id=cluster.id)
        .select_related("history_user", "user", "practice")
        .order_by("-history_date", "-history_id")[:limit]
    )


def _add_member_errors(form, exc: ValidationError) -> None:
    # The service names the person "user" (the model's field); the add form calls it "person".
    if hasattr(exc, "error_dict") and "user" in exc.error_dict and "person" in form.fields:
        form.add_error("person", exc.error_dict.pop("user"))
    _add_errors(form, exc)


@login_required
def cluster_members(request: HttpRequest, slug: str) -> HttpResponse:
    """Who belongs to the cluster, at which practice and as which doctor; the coordinator adds people."""
    access = get_cluster_for_user(request.user, slug, members=True)
    cluster = access.cluster
    form = MemberAddForm(
        request.POST if request.method == "POST" else None,
        cluster=cluster,
        initial={"role": ClusterMembership.Role.MEMBER},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.cluster_membership_add(
                cluster=cluster,
                member=data["person"],
                role=data["role"],
                practice=data["practice"],
                prescriber=data["prescriber"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_member_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s er nu med i klyngen.")
                % {"name": membership.user.get_full_name() or membership.user.username},
            )
            return redirect("clusters:cluster-members", slug=cluster.slug)
    return _members_page(request, access, form)


def _members_page(
    request: HttpRequest, access, form: MemberAddForm, remove_errors: list[str] | None = None
) -> HttpResponse:
    return render(
        request,
        "clusters/members.html",
        {
            "access": access,
            "cluster": access.cluster,
            "rows": _member_rows(access.cluster),
            "changes": _member_changes(access.cluster),
            "form": form,
            "remove_errors": remove_errors or [],
        },
        status=400 if form.errors or remove_errors else 200,
    )


def _membership_for(cluster, membership_uuid) -> ClusterMembership:
    if not _is_uuid(membership_uuid):
        raise Http404
    return get_object_or_404(
        ClusterMembership.objects.select_related("user", "practice"), cluster=cluster, uuid=membership_uuid
    )


@login_required
def cluster_member_edit(request: HttpRequest, slug: str, membership_uuid) -> HttpResponse:
    access = get_cluster_for_user(request.user, slug, members=True)
    cluster = access.cluster
    membership = _membership_for(cluster, membership_uuid)
    linked = Prescriber.objects.filter(practice__cluster=cluster, user=membership.user).first()
    form = MemberForm(
        request.POST if request.method == "POST" else None,
        cluster=cluster,
        initial={"role": membership.role, "practice": membership.practice_id, "prescriber": linked},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cluster_membership_update(
                membership=membership,
                role=data["role"],
                practice=data["practice"],
                prescriber=data["prescriber"],
                user=request.user,
            )
        except ClusterMembership.DoesNotExist as exc:  # removed by someone else meanwhile
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Medlemmet er ændret."))
            return redirect("clusters:cluster-members", slug=cluster.slug)
    return render(
        request,
        "clusters/member_form.html",
        {"access": access, "cluster": cluster, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def cluster_member_remove(request: HttpRequest, slug: str, membership_uuid) -> HttpResponse:
    access = get_cluster_for_user(request.user, slug, members=True)
    cluster = access.cluster
    membership = _membership_for(cluster, membership_uuid)
    name = membership.user.get_full_name() or membership.user.username
    try:
        services.cluster_membership_remove(membership=membership, user=request.user)
    except ClusterMembership.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        # Refused (the last coordinator): said on the member page, nothing changed.
        form = MemberAddForm(cluster=cluster, initial={"role": ClusterMembership.Role.MEMBER})
        return _members_page(
            request, access, form, remove_errors=[m for ms in exc.message_dict.values() for m in ms]
        )
    messages.success(request, _("%(name)s er taget ud af klyngen.") % {"name": name})
    return redirect("clusters:cluster-members", slug=cluster.slug)


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid)
    today = timezone.localdate()
    extracts = list(Extract.objects.filter(meeting=meeting).select_related("uploaded_by"))
    key = []
    if access.is_provider:
        # The presenting pharmacist hands each doctor their own figures: the letters with names, only here.
        prescribers = list(
            Prescriber.objects.filter(practice__cluster=meeting.cluster).select_related("practice")
        )
        labels = prescriber_labels(access, prescribers)
        key = sorted(
            ((labels[p.id].label, p.name, p.practice.name) for p in prescribers),
            key=lambda row: (len(row[0]), row[0]),
        )
    return render(
        request,
        "clusters/meeting_detail.html",
        {
            "access": access,
            "meeting": meeting,
            "cluster": meeting.cluster,
            "package": meeting.package,
            # Once the provider has uploaded the extract, the deadline no longer matters.
            "state": "delivered" if extracts else meeting.deadline_state(today),
            "days_left": meeting.days_to_deadline(today),
            "extracts": extracts,
            "request_form": ExtractRequestedForm(
                initial={"requested_on": meeting.extract_requested_on or today}
            ),
            "follow_ups": meeting.follow_ups.all(),
            "prescriber_key": key,
            "goal_count": meeting.goals.count() if access.sees_discussion else 0,
        },
    )


@login_required
def meeting_edit(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, plan=True)
    status = 200
    if request.method == "POST":
        form = MeetingEditForm(request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in MeetingEditForm.FIELDS}
            try:
                services.meeting_update(
                    meeting=meeting, version=form.cleaned_data["version"], fields=fields, user=request.user
                )
            except services.ConflictError:
                meeting.refresh_from_db()
                messages.error(
                    request,
                    _(
                        "En anden har ændret mødet, efter du åbnede det. Her er det gemte; dine ændringer er vist i formularen."
                    ),
                )
                form = MeetingEditForm(request.POST)
                form.is_valid()
                form.data = form.data.copy()
                form.data["version"] = meeting.version
                return render(
                    request,
                    "clusters/meeting_edit.html",
                    {"access": access, "meeting": meeting, "form": form, "conflict": True},
                    status=409,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Klyngemødet er gemt."))
                return redirect("clusters:meeting-detail", meeting_uuid=meeting.uuid)
        status = 400
    else:
        form = MeetingEditForm(
            initial={
                **{name: getattr(meeting, name) for name in MeetingEditForm.FIELDS},
                "version": meeting.version,
            }
        )
    return render(
        request,
        "clusters/meeting_edit.html",
        {"access": access, "meeting": meeting, "form": form},
        status=status,
    )


@login_required
@require_POST
def meeting_extract_requested(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, plan=True)
    form = ExtractRequestedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv en gyldig dato."))
    else:
        on = None if request.POST.get("undo") else (form.cleaned_data["requested_on"] or timezone.localdate())
        services.meeting_mark_extract_requested(meeting=meeting, on=on, user=request.user)
        messages.success(
            request, _("Bestillingen af datatrækket er registreret.") if on else _("Bestillingen er fjernet.")
        )
    return redirect("clusters:meeting-detail", meeting_uuid=meeting.uuid)


@login_required
def extract_upload(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, upload=True)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    context = {
        "access": access,
        "meeting": meeting,
        "form": form,
        "columns": upload.COLUMNS,
        "example": upload.TEMPLATE_EXAMPLE,
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "clusters/extract_upload.html", context, status=400)
        file = form.cleaned_data["file"]
        parsed = upload.parse_extract(data=file.read(), filename=file.name)
        if not parsed.is_valid:
            context.update(
                {"errors": parsed.errors[:200], "error_count": len(parsed.errors), "filename": file.name}
            )
            return render(request, "clusters/extract_upload.html", context, status=400)
        result = services.extract_import(
            cluster=meeting.cluster, meeting=meeting, parsed=parsed, filename=file.name, user=request.user
        )
        messages.success(
            request,
            _(
                "Datatrækket er indlæst: %(rows)s rækker, %(first)s – %(last)s; %(practices)s nye praksisser og %(prescribers)s nye behandlere."
            )
            % {
                "rows": result.extract.row_count,
                "first": result.extract.first_period.strftime("%m.%Y"),
                "last": result.extract.last_period.strftime("%m.%Y"),
                "practices": result.new_practices,
                "prescribers": result.new_prescribers,
            },
        )
        return redirect("clusters:meeting-detail", meeting_uuid=meeting.uuid)
    return render(request, "clusters/extract_upload.html", context)


@login_required
@require_GET
def extract_template(request: HttpRequest) -> HttpResponse:
    """The import template with example rows, as CSV (default) or Excel."""
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            upload.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="datatraek-skabelon.xlsx"'
    else:
        response = HttpResponse(upload.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="datatraek-skabelon.csv"'
    return response


def _data_context(meeting: Meeting, access) -> dict:
    data = selectors.meeting_data(meeting, access)
    return {
        "access": access,
        "meeting": meeting,
        "cluster": meeting.cluster,
        "data": data,
        "sections": presentation.meeting_sections(data),
    }


@login_required
@require_GET
def meeting_data(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid)
    return render(request, "clusters/meeting_data.html", _data_context(meeting, access))


def _goal_rows(meeting: Meeting, access) -> list[dict]:
    goals = list(meeting.goals.select_related("practice", "prescriber"))
    plabels = practice_labels(access)
    slabels = prescriber_labels(access)
    rows = []
    for goal in goals:
        unit = ""
        if goal.level == GoalLevel.PRACTICE and goal.practice_id:
            unit = plabels[goal.practice_id].label
        elif goal.level == GoalLevel.PRESCRIBER and goal.prescriber_id:
            unit = slabels[goal.prescriber_id].label if goal.prescriber_id in slabels else ""
        rows.append({"goal": goal, "unit": unit})
    return rows


def _questions(meeting: Meeting) -> list[tuple[PackageItem | None, str]]:
    """The package's questions, plus questions answered earlier that the provider has since removed."""
    items = [(item, item.text) for item in meeting.package.items.filter(kind=PackageItem.Kind.QUESTION)]
    texts = {text for _item, text in items}
    earlier = [
        (None, answer.question_text) for answer in meeting.answers.all() if answer.question_text not in texts
    ]
    return items + earlier


@login_required
@require_GET
def meeting_report(request: HttpRequest, meeting_uuid) -> HttpResponse:
    """The printable meeting report: the plan, the data, the discussion and the goals."""
    meeting, access = get_meeting_for_user(request.user, meeting_uuid)
    context = _data_context(meeting, access)
    if access.sees_discussion:
        answers = {a.question_text: a.answer for a in meeting.answers.all()}
        context["answers"] = [(text, answers.get(text, "")) for _item, text in _questions(meeting)]
        context["goals"] = _goal_rows(meeting, access)
    context["package"] = meeting.package
    return render(request, "clusters/meeting_report.html", context)


def _goal_form(access, data=None) -> GoalForm:
    plabels = practice_labels(access)
    slabels = prescriber_labels(access)
    return GoalForm(
        data,
        practices=sorted(((pid, lbl.label) for pid, lbl in plabels.items()), key=lambda c: c[1]),
        prescribers=sorted(
            ((pid, lbl.label) for pid, lbl in slabels.items()),
            key=lambda c: (not slabels[c[0]].is_own, len(c[1]), c[1]),
        ),
    )


@login_required
def meeting_discussion(request: HttpRequest, meeting_uuid) -> HttpResponse:
    """The discussion summary (Opsamling på drøftelse) and the goals: the coordinator records, the cluster reads."""
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, discussion=True)
    questions = _questions(meeting)
    texts = [text for _item, text in questions]
    stored = {a.question_text: a.answer for a in meeting.answers.all()}
    status = 200
    if request.method == "POST":
        if not access.can_plan:
            raise PermissionDenied
        form = DiscussionForm(request.POST, questions=texts)
        if form.is_valid():
            try:
                services.discussion_save(
                    meeting=meeting,
                    answers=[
                        (item, text, answer)
                        for (item, text), answer in zip(questions, form.answers(), strict=True)
                    ],
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
            except services.ConflictError:
                meeting.refresh_from_db()
                status = 409
                messages.error(
                    request,
                    _(
                        "En anden har gemt svarene, efter du åbnede siden. Dine svar står i formularen; de gemte står under hvert felt."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = meeting.version
            else:
                messages.success(request, _("Opsamlingen er gemt."))
                return redirect("clusters:meeting-discussion", meeting_uuid=meeting.uuid)
        else:
            status = 400
    else:
        initial = {f"answer_{i}": stored.get(text, "") for i, text in enumerate(texts)}
        form = DiscussionForm(initial={**initial, "version": meeting.version}, questions=texts)
    fields = [(form[f"answer_{i}"], stored.get(text, "")) for i, text in enumerate(texts)]
    return render(
        request,
        "clusters/meeting_discussion.html",
        {
            "access": access,
            "meeting": meeting,
            "form": form,
            "fields": fields,
            "goals": _goal_rows(meeting, access),
            "goal_form": _goal_form(access) if access.can_plan else None,
            "conflict": status == 409,
            "levels": meeting.package.goal_levels,
        },
        status=status,
    )


@login_required
@require_POST
def goal_add(request: HttpRequest, meeting_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, discussion=True, plan=True)
    form = _goal_form(access, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        practice = (
            Practice.objects.filter(cluster=meeting.cluster, id=data["practice"]).first()
            if data["practice"]
            else None
        )
        prescriber = (
            Prescriber.objects.filter(practice__cluster=meeting.cluster, id=data["prescriber"]).first()
            if data["prescriber"]
            else None
        )
        try:
            services.goal_add(
                meeting=meeting,
                level=data["level"],
                text=data["text"],
                practice=practice,
                prescriber=prescriber,
                measure=data["measure"],
                target_value=data["target_value"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Målet er gemt."))
            return redirect("clusters:meeting-discussion", meeting_uuid=meeting.uuid)
    questions = _questions(meeting)
    stored = {a.question_text: a.answer for a in meeting.answers.all()}
    discussion = DiscussionForm(
        initial={
            **{f"answer_{i}": stored.get(t, "") for i, (_it, t) in enumerate(questions)},
            "version": meeting.version,
        },
        questions=[t for _i, t in questions],
    )
    return render(
        request,
        "clusters/meeting_discussion.html",
        {
            "access": access,
            "meeting": meeting,
            "form": discussion,
            "fields": [
                (discussion[f"answer_{i}"], stored.get(t, "")) for i, (_it, t) in enumerate(questions)
            ],
            "goals": _goal_rows(meeting, access),
            "goal_form": form,
            "levels": meeting.package.goal_levels,
        },
        status=400,
    )


@login_required
@require_POST
def goal_delete(request: HttpRequest, meeting_uuid, goal_uuid) -> HttpResponse:
    meeting, access = get_meeting_for_user(request.user, meeting_uuid, discussion=True, plan=True)
    try:
        goal = MeetingGoal.objects.get(meeting=meeting, uuid=goal_uuid)
    except (MeetingGoal.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    services.goal_delete(goal=goal, user=request.user)
    messages.success(request, _("Målet er slettet."))
    return redirect("clusters:meeting-discussion", meeting_uuid=meeting.uuid)


@login_required
@require_GET
def meeting_followup(request: HttpRequest, meeting_uuid) -> HttpResponse:
    """Before and after: the follow-up meeting's comparison of the same calendar months (or rolling 12 months)."""
    meeting, access = get_meeting_for_user(request.user, meeting_uuid)
    data = selectors.meeting_data(meeting, access)
    result = presentation.follow_up(meeting, data)
    goals = _goal_rows(meeting.follows, access) if meeting.follows and access.sees_discussion else []
    return render(
        request,
        "clusters/meeting_followup.html",
        {"access": access, "meeting": meeting, "cluster": meeting.cluster, "result": result, "goals": goals},
    )


@login_required
@require_GET
def package_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        package = (
            _packages_for(request.user)
            .prefetch_related(Prefetch("items", queryset=PackageItem.objects.order_by("kind", "order")))
            .get(slug=slug)
        )
    except Package.DoesNotExist as exc:
        raise Http404 from exc
    can_edit = ProviderMembership.objects.filter(provider=package.provider, user=request.user).exists()
    levels = dict(GoalLevel.choices)
    return render(
        request,
        "clusters/package_detail.html",
        {
            "package": package,
            "can_edit": can_edit,
            "goal_levels": [levels[code] for code in package.goal_levels if code in levels],
            "kinds": PackageItem.Kind,
        },
    )


def _package_form_page(request: HttpRequest, *, provider: Provider, package: Package | None) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PackageForm(request.POST)
        if form.is_valid():
            target = package or Package(provider=provider, slug=_unique_slug(form.cleaned_data["title"]))
            try:
                target = services.package_save(
                    package=target,
                    fields=form.package_fields(),
                    items=form.items(),
                    version=form.cleaned_data["version"] if package else None,
                    user=request.user,
                )
            except services.ConflictError:
                status = 409
                messages.error(
                    request,
                    _(
                        "En anden har ændret pakken, efter du åbnede den. Dine ændringer står i formularen; hent siden igen for at se de gemte."
                    ),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("Klyngepakken er gemt."))
                return redirect("clusters:package-detail", slug=target.slug)
        else:
            status = 400
    else:
        form = PackageForm(
            initial=PackageForm.initial_for(package)
            if package
            else {
                "duration_minutes": 180,
                "extract_lead_days": 60,
                "follow_up_min_months": 6,
                "goal_levels": list(GoalLevel.values),
            }
        )
    return render(
        request,
        "clusters/package_form.html",
        {"form": form, "package": package, "provider": provider},
        status=status,
    )


def _unique_slug(title: str) -> str:
    from django.utils.text import slugify

    # slugify drops æ, ø and å; spell them out as Danes do in addresses.
    danish = title.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    base_slug = slugify(danish)[:70] or "klyngepakke"
    slug, number = base_slug, 2
    while Package.objects.filter(slug=slug).exists():
        slug, number = f"{base_slug}-{number}", number + 1
    return slug


@login_required
def package_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_provider_for_user(request.user, slug, edit=True)
    return _package_form_page(request, provider=access.provider, package=None)


@login_required
def package_edit(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        package = Package.objects.select_related("provider").get(slug=slug)
    except Package.DoesNotExist as exc:
        raise Http404 from exc
    if not ProviderMembership.objects.filter(provider=package.provider, user=request.user).exists():
        if not _packages_for(request.user).filter(pk=package.pk).exists():
            raise Http404
        raise PermissionDenied
    return _package_form_page(request, provider=package.provider, package=package)


@login_required
def provider_groups(request: HttpRequest, slug: str) -> HttpResponse:
    """The provider's antibiotic groups and critically important list: read by all, edited by the provider."""
    access = get_provider_for_user(request.user, slug)
    provider = access.provider
    groups = list(provider.antibiotic_groups.all())
    status = 200
    if request.method == "POST":
        if not access.can_edit:
            raise PermissionDenied
        formset = GroupFormSet(request.POST, prefix="groups")
        if formset.is_valid():
            rows = [
                f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            try:
                services.antibiotic_groups_save(provider=provider, rows=rows, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(request, _("Antibiotikagrupperne er gemt."))
                return redirect("clusters:provider-groups", slug=provider.slug)
        else:
            status = 400
    else:
        formset = GroupFormSet(
            prefix="groups",
            initial=[
                {
                    "code": g.code,
                    "name": g.name,
                    "atc_prefixes": g.atc_prefixes,
                    "is_critically_important": g.is_critically_important,
                    "is_narrow_penicillin": g.is_narrow_penicillin,
                }
                for g in groups
            ],
        )
    return render(
        request,
        "clusters/provider_groups.html",
        {"provider": provider, "access": access, "groups": groups, "formset": formset},
        status=status,
    )
