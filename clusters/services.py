"""Writes of the clusters app: members, packages, antibiotic groups, meetings, discussion, goals, extracts,
retention.

Keyword-only, atomic, raising ValidationError; optimistic locking (a stale `version`) raises
ConflictError, which the views answer with 409 and the stored state.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from teams.models import add_months

from .defaults import DEFAULT_GROUPS
from .models import (
    AntibioticGroup,
    Cluster,
    ClusterMembership,
    DiscussionAnswer,
    Extract,
    ExtractRow,
    GoalLevel,
    Meeting,
    MeetingGoal,
    Package,
    PackageItem,
    Practice,
    Prescriber,
    Provider,
)
from .upload import ParsedExtract


class ConflictError(Exception):
    """Someone else saved the object after the user opened it."""


def _check_member_practice(
    *, cluster: Cluster, practice: Practice | None, prescriber: Prescriber | None, member
) -> None:
    """A member's practice and doctor must be the cluster's, and a doctor is one person's login."""
    if practice is not None and practice.cluster_id != cluster.id:
        raise ValidationError({"practice": _("Praksis hører ikke til klyngen.")})
    if prescriber is None:
        return
    if practice is None or prescriber.practice_id != practice.id:
        raise ValidationError({"prescriber": _("Behandleren hører ikke til den valgte praksis.")})
    if prescriber.user_id is not None and prescriber.user_id != member.id:
        raise ValidationError({"prescriber": _("Behandleren er allerede knyttet til en anden bruger.")})


def cluster_membership_check(
    *,
    cluster: Cluster,
    member,
    role: str,
    practice: Practice | None,
    prescriber: Prescriber | None,
    membership: ClusterMembership | None = None,
) -> None:
    """The rules of a membership, also for forms that show them at the field (the admin's form):
    the practice and doctor are the cluster's, a person is a member once, and the last coordinator
    stays one. `membership` is the stored row when changing it."""
    _check_member_practice(cluster=cluster, practice=practice, prescriber=prescriber, member=member)
    others = ClusterMembership.objects.filter(cluster=cluster, user=member)
    if membership is not None:
        others = others.exclude(pk=membership.pk)
    if others.exists():
        raise ValidationError({"user": _("Brugeren er allerede medlem af klyngen.")})
    if (
        membership is not None
        and membership.role == ClusterMembership.Role.COORDINATOR
        and role != ClusterMembership.Role.COORDINATOR
    ):
        _check_coordinator_left(cluster=cluster, leaving=membership)


def _link_prescriber(*, cluster: Cluster, member, prescriber: Prescriber | None, user: User) -> None:
    """Make `prescriber` the member's own doctor in the cluster (they see their own figures by name),
    unlinking any other doctor of the cluster the member was linked to."""
    linked = Prescriber.objects.select_for_update().filter(practice__cluster=cluster, user=member)
    for other in linked:
        if prescriber is None or other.pk != prescriber.pk:
            other.user = None
            other._history_user = user
            other.save(update_fields=["user"])
    if prescriber is not None and prescriber.user_id != member.id:
        prescriber.user = member
        prescriber._history_user = user
        prescriber.save(update_fields=["user"])


def _lock_cluster(cluster: Cluster) -> None:
    # Membership writes of one cluster run one at a time: two coordinators demoting each other at
    # once must not leave the cluster with none (row locks on the memberships alone could deadlock).
    Cluster.objects.select_for_update().filter(pk=cluster.pk).first()


def _check_coordinator_left(*, cluster: Cluster, leaving: ClusterMembership) -> None:
    """A cluster keeps at least one coordinator: nobody else may plan meetings or manage members."""
    coordinators = ClusterMembership.objects.filter(cluster=cluster, role=ClusterMembership.Role.COORDINATOR)
    if not coordinators.exclude(pk=leaving.pk).exists():
        raise ValidationError(
            {"role": _("Klyngen skal have mindst én klyngekoordinator. Udpeg en ny koordinator først.")}
        )


@transaction.atomic
def cluster_membership_add(
    *,
    cluster: Cluster,
    member,
    role: str,
    practice: Practice | None,
    prescriber: Prescriber | None = None,
    user: User,
) -> ClusterMembership:
    """Give `member` (an existing login) a role in the cluster, at a practice, optionally as one of its
    doctors in the extracts. The user acting is `user` (kept in the history)."""
    _lock_cluster(cluster)
    if prescriber is not None:
        prescriber.refresh_from_db()  # linked meanwhile? read after the lock
    cluster_membership_check(
        cluster=cluster, member=member, role=role, practice=practice, prescriber=prescriber
    )
    membership = ClusterMembership(cluster=cluster, user=member, role=role, practice=practice)
    membership._history_user = user
    membership.full_clean()
    try:
        # Two coordinators adding the same person at once: the unique constraint decides.
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise ValidationError({"user": _("Brugeren er allerede medlem af klyngen.")}) from exc
    _link_prescriber(cluster=cluster, member=member, prescriber=prescriber, user=user)
    return membership


@transaction.atomic
def cluster_membership_update(
    *,
    membership: ClusterMembership,
    role: str,
    practice: Practice | None,
    prescriber: Prescriber | None,
    user: User,
) -> ClusterMembership:
    """Change a member's role, practice and own doctor."""
    _lock_cluster(membership.cluster)
    current = (
        ClusterMembership.objects.select_for_update().select_related("cluster", "user").get(pk=membership.pk)
    )
    cluster = current.cluster
    if prescriber is not None:
        prescriber.refresh_from_db()
    cluster_membership_check(
        cluster=cluster,
        member=current.user,
        role=role,
        practice=practice,
        prescriber=prescriber,
        membership=current,
    )
    current.role = role
    current.practice = practice
    current._history_user = user
    current.full_clean()
    current.save(update_fields=["role", "practice"])
    _link_prescriber(cluster=cluster, member=current.user, prescriber=prescriber, user=user)
    return current


@transaction.atomic
def cluster_membership_remove(*, membership: ClusterMembership, user: User) -> None:
    """Take a person out of the cluster: the membership goes and so does their link to a doctor, so
    they no longer see the cluster or their own figures by name."""
    _lock_cluster(membership.cluster)
    current = (
        ClusterMembership.objects.select_for_update().select_related("cluster", "user").get(pk=membership.pk)
    )
    if current.role == ClusterMembership.Role.COORDINATOR:
        _check_coordinator_left(cluster=current.cluster, leaving=current)
    _link_prescriber(cluster=current.cluster, member=current.user, prescriber=None, user=user)
    current._history_user = user
    current.delete()


def antibiotic_groups_ensure_defaults(*, provider: Provider) -> int:
    """Give a provider the default groups if it has none; returns how many were created."""
    if provider.antibiotic_groups.exists():
        return 0
    for order, (code, name, prefixes, critical, narrow) in enumerate(DEFAULT_GROUPS, start=1):
        group = AntibioticGroup(
            provider=provider,
            code=code.lower(),
            name=_(name),
            atc_prefixes=prefixes,
            is_critically_important=critical,
            is_narrow_penicillin=narrow,
            order=order,
        )
        group.full_clean()
        group.save()
    return len(DEFAULT_GROUPS)


@transaction.atomic
def package_save(
    *, package: Package, fields: dict, items: dict[str, list[dict]], version: int | None, user: User
) -> Package:
    """Store a package's fields and its item lists (each kind replaced as a whole, in the given order)."""
    if package.pk is not None:
        current = Package.objects.select_for_update().get(pk=package.pk)
        if version is not None and current.version != version:
            raise ConflictError
        package.version = current.version + 1
    for name, value in fields.items():
        setattr(package, name, value)
    package._history_user = user
    package.full_clean()
    package.save()
    for kind, entries in items.items():
        existing = list(package.items.filter(kind=kind).order_by("order", "id"))
        for index, entry in enumerate(entries):
            item = existing[index] if index < len(existing) else PackageItem(package=package, kind=kind)
            changed = (item.text, item.url, item.actor, item.order) != (
                entry["text"],
                entry.get("url", ""),
                entry.get("actor", ""),
                index + 1,
            )
            if changed or item.pk is None:
                item.text, item.url, item.actor, item.order = (
                    entry["text"],
                    entry.get("url", ""),
                    entry.get("actor", ""),
                    index + 1,
                )
                item._history_user = user
                item.full_clean()
                item.save()
        for item in existing[len(entries) :]:
            item._history_user = user
            item.delete()
    return package


@transaction.atomic
def antibiotic_groups_save(*, provider: Provider, rows: list[dict], user: User) -> None:
    """Replace the provider's groups by `rows` (code, name, atc_prefixes, flags), matched by code."""
    codes = [row["code"] for row in rows]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("To grupper har samme kode."))
    narrow = [row for row in rows if row.get("is_narrow_penicillin")]
    if len(narrow) > 1:
        raise ValidationError(_("Kun én gruppe kan være penicillin V."))
    stored = {group.code: group for group in provider.antibiotic_groups.all()}
    for order, row in enumerate(rows, start=1):
        group = stored.pop(row["code"], None) or AntibioticGroup(provider=provider, code=row["code"])
        for name in ("name", "atc_prefixes", "is_critically_important", "is_narrow_penicillin"):
            setattr(group, name, row[name])
        group.order = order
        group._history_user = user
        group.full_clean()
        group.save()
    for group in stored.values():
        group._history_user = user
        group.delete()


def _check_meeting_dates(*, kind: str, follows: Meeting | None, day: date, package: Package) -> None:
    if kind == Meeting.Kind.FOLLOW_UP:
        if follows is None:
            raise ValidationError({"follows": _("Vælg det klyngemøde, der følges op på.")})
        earliest = add_months(follows.date, package.follow_up_min_months)
        if day < earliest:
            raise ValidationError(
                {
                    "date": _(
                        "Det opfølgende klyngemøde skal ligge mindst %(months)s måneder efter klyngemødet, dvs. %(date)s eller senere."
                    )
                    % {"months": package.follow_up_min_months, "date": earliest.strftime("%d.%m.%Y")}
                }
            )


@transaction.atomic
def meeting_create(
    *,
    cluster: Cluster,
    package: Package,
    day: date,
    place: str = "",
    kind: str = Meeting.Kind.FIRST,
    follows: Meeting | None = None,
    extract_wishes: str = "",
    comparison: str = Meeting.Comparison.SAME_MONTHS,
    user: User,
) -> Meeting:
    """Plan a cluster meeting; the extract deadline follows from the date and the package."""
    if follows is not None and follows.cluster_id != cluster.id:
        raise ValidationError({"follows": _("Mødet hører til en anden klynge.")})
    if kind == Meeting.Kind.FOLLOW_UP and follows is not None:
        package = follows.package
    _check_meeting_dates(kind=kind, follows=follows, day=day, package=package)
    meeting = Meeting(
        cluster=cluster,
        package=package,
        date=day,
        place=place,
        kind=kind,
        follows=follows if kind == Meeting.Kind.FOLLOW_UP else None,
        extract_wishes=extract_wishes,
        comparison=comparison,
        created_by=user,
    )
    meeting._history_user = user
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, version: int, fields: dict, user: User) -> Meeting:
    """Change the plan (date, place, status, wishes, comparison) unless someone else saved it first."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.version != version:
        raise ConflictError
    for name, value in fields.items():
        setattr(current, name, value)
    _check_meeting_dates(
        kind=current.kind, follows=current.follows, day=current.date, package=current.package
    )
    if "date" in fields and fields["date"] != meeting.date:
        # A new date is a new deadline: remind again.
        current.reminder_sent_on = None
    # The row is locked (select_for_update): a plain increment is safe, and history can record it.
    current.version += 1
    current._history_user = user
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def meeting_mark_extract_requested(*, meeting: Meeting, on: date, user: User) -> Meeting:
    """The coordinator has asked the provider for the data extract (or undoes it with on=None)."""
    meeting.extract_requested_on = on
    meeting.version = meeting.version + 1
    meeting._history_user = user
    meeting.save(update_fields=["extract_requested_on", "version", "updated_at"])
    return meeting


@transaction.atomic
def discussion_save(
    *, meeting: Meeting, answers: list[tuple[PackageItem | None, str, str]], version: int, user: User
) -> Meeting:
    """Record the group's answers to the discussion questions: (question, question text, answer)."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.version != version:
        raise ConflictError
    stored = {answer.question_text: answer for answer in current.answers.all()}
    for order, (question, text, answer_text) in enumerate(answers, start=1):
        answer = stored.get(text) or DiscussionAnswer(meeting=current, question=question, question_text=text)
        if answer.pk is not None and answer.answer == answer_text and answer.order == order:
            continue
        answer.answer, answer.order, answer.updated_by = answer_text, order, user
        answer._history_user = user
        answer.full_clean()
        answer.save()
    current.version += 1
    current._history_user = user
    current.save(update_fields=["version", "updated_at"])
    return current


@transaction.atomic
def goal_add(
    *,
    meeting: Meeting,
    level: str,
    text: str,
    practice: Practice | None = None,
    prescriber: Prescriber | None = None,
    measure: str = "",
    target_value: Decimal | None = None,
    user: User,
) -> MeetingGoal:
    """A goal set at the meeting; practice and prescriber must belong to the meeting's cluster."""
    if level in (GoalLevel.CLUSTER,):
        practice = prescriber = None
    if level == GoalLevel.PRACTICE:
        prescriber = None
    if level == GoalLevel.PRESCRIBER and prescriber is not None:
        practice = prescriber.practice
    if practice is not None and practice.cluster_id != meeting.cluster_id:
        raise ValidationError({"practice": _("Praksis hører ikke til klyngen.")})
    if level == GoalLevel.PATIENT and measure:
        raise ValidationError(
            {"measure": _("Et mål for den enkelte patient er en skriftlig hensigt uden tal.")}
        )
    goal = MeetingGoal(
        meeting=meeting,
        level=level,
        practice=practice,
        prescriber=prescriber,
        text=text,
        measure=measure,
        target_value=target_value,
        created_by=user,
    )
    goal._history_user = user
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, goal: MeetingGoal, user: User) -> None:
    goal._history_user = user
    goal.delete()


@dataclass(frozen=True)
class ImportResult:
    extract: Extract
    new_practices: int
    new_prescribers: int


@transaction.atomic
def extract_import(
    *, cluster: Cluster, meeting: Meeting | None, parsed: ParsedExtract, filename: str, user: User
) -> ImportResult:
    """Store a validated extract in one transaction; practices and prescribers new to the cluster are created."""
    if not parsed.is_valid:
        raise ValidationError(_("Filen har fejl; intet er gemt."))
    practices = {p.code: p for p in Practice.objects.select_for_update().filter(cluster=cluster)}
    new_practices = new_prescribers = 0
    for line in parsed.lines:
        if line.scope in ("practice", "prescriber") and line.practice_code not in practices:
            practice = Practice(
                cluster=cluster, code=line.practice_code, name=line.practice_name or line.practice_code
            )
            practice.full_clean()
            practice.save()
            practices[line.practice_code] = practice
            new_practices += 1
    prescribers = {(p.practice_id, p.code): p for p in Prescriber.objects.filter(practice__cluster=cluster)}
    periods = [line.period for line in parsed.lines]
    extract = Extract.objects.create(
        cluster=cluster,
        meeting=meeting,
        granularity=parsed.granularity,
        first_period=min(periods),
        last_period=max(periods),
        filename=filename[:200],
        row_count=len(parsed.lines),
        uploaded_by=user,
    )
    rows = []
    for line in parsed.lines:
        practice = practices.get(line.practice_code) if line.practice_code else None
        prescriber = None
        if line.scope == "prescriber":
            prescriber = prescribers.get((practice.id, line.prescriber_code))
            if prescriber is None:
                prescriber = Prescriber.objects.create(
                    practice=practice,
                    code=line.prescriber_code,
                    name=line.prescriber_name or line.prescriber_code,
                )
                prescribers[(practice.id, line.prescriber_code)] = prescriber
                new_prescribers += 1
        rows.append(
            ExtractRow(
                extract=extract,
                scope=line.scope,
                practice=practice,
                prescriber=prescriber,
                period=line.period,
                months=line.months,
                atc_code=line.atc_code,
                prescriptions=line.prescriptions,
                ddd=line.ddd,
                listed_patients=line.listed_patients if line.scope != "prescriber" else None,
            )
        )
    ExtractRow.objects.bulk_create(rows, batch_size=5000)
    return ImportResult(extract=extract, new_practices=new_practices, new_prescribers=new_prescribers)


def extract_prescriber_rows_expire(*, now=None, batch_size: int = 50) -> int:
    """Delete the prescriber rows of extracts older than the retention period; returns extracts handled.

    Prescriber figures are personal data about doctors; practice, region and country rows stay. Safe to
    run twice: an extract is claimed with a conditional UPDATE, so two workers never handle the same one.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CLUSTER_PRESCRIBER_RETENTION_DAYS)
    ids = list(
        Extract.objects.filter(uploaded_at__lt=cutoff, prescriber_rows_deleted_at__isnull=True)
        .order_by("uploaded_at")
        .values_list("id", flat=True)[:batch_size]
    )
    handled = 0
    for extract_id in ids:
        with transaction.atomic():
            claimed = Extract.objects.filter(id=extract_id, prescriber_rows_deleted_at__isnull=True).update(
                prescriber_rows_deleted_at=now
            )
            if claimed:
                ExtractRow.objects.filter(extract_id=extract_id, scope=ExtractRow.Scope.PRESCRIBER).delete()
                handled += 1
    return handled


def meeting_reminders_send(*, today: date) -> int:
    """E-mail the coordinators of planned meetings whose extract is not requested and whose deadline is near
    or passed; once per meeting (again only after the date changes). Returns meetings reminded."""
    from .models.meetings import REMINDER_DAYS_BEFORE_DEADLINE

    sent = 0
    meetings = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        extract_requested_on__isnull=True,
        reminder_sent_on__isnull=True,
        date__gte=today,
    ).select_related("package", "cluster")
    for meeting in meetings:
        if meeting.days_to_deadline(today) > REMINDER_DAYS_BEFORE_DEADLINE:
            continue
        # Claim first: a second run (or a second worker) finds reminder_sent_on set and sends nothing.
        if not Meeting.objects.filter(pk=meeting.pk, reminder_sent_on__isnull=True).update(
            reminder_sent_on=today
        ):
            continue
        recipients = list(
            ClusterMembership.objects.filter(cluster=meeting.cluster, role=ClusterMembership.Role.COORDINATOR)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if not recipients:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            context = {"meeting": meeting, "today": today, "site_url": settings.SITE_URL}
            send_mail(
                render_to_string("clusters/email_extract_reminder_subject.txt", context).strip(),
                render_to_string("clusters/email_extract_reminder.txt", context),
                None,
                recipients,
            )
        sent += 1
    return sent
