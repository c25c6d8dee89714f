"""Reads for seminars: the plan of a network, one seminar for a user, registrations, attendance.

Who may see a seminar is decided by who may see its network (`Network.objects.visible_to`, through
`teams.access`); who may edit it by `NetworkAccess.can_edit_seminars`. Nothing else decides it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from teams.access import NetworkAccess, network_access
from teams.models import Network, NetworkMembership, Team, TeamMembership

from .models import Attendance, Audience, LearningObjective, Registration, Seminar, SeminarPurpose

User = get_user_model()


@dataclass(frozen=True)
class SeminarAccess:
    seminar: Seminar
    network: NetworkAccess

    @property
    def can_edit(self) -> bool:
        return self.network.can_edit_seminars


def get_seminar_for_user(user: User | AnonymousUser, seminar_uuid, *, edit: bool = False) -> SeminarAccess:
    """The seminar if the user belongs to its network; 404 otherwise, 403 on a refused edit."""
    try:
        seminar = Seminar.objects.select_related("network", "network__lead_region").get(
            uuid=seminar_uuid, network__in=Network.objects.visible_to(user)
        )
    except (Seminar.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    access = SeminarAccess(seminar=seminar, network=network_access(user, seminar.network))
    if edit and not access.can_edit:
        raise PermissionDenied
    return access


def seminar_list(*, network: Network) -> QuerySet[Seminar]:
    """The seminars of a network in date order, with the number of confirmed and waiting places."""
    return (
        Seminar.objects.filter(network=network)
        .annotate(
            n_registered=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            ),
            n_waiting=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITING)),
        )
        .order_by("starts_at", "id")
    )


def seminar_with_content(*, seminar_id: int) -> Seminar:
    """One seminar with purposes, learning objectives, programme and materials loaded."""
    return Seminar.objects.prefetch_related(
        Prefetch("purposes", queryset=SeminarPurpose.objects.order_by("order", "id")),
        Prefetch(
            "learning_objectives", queryset=LearningObjective.objects.order_by("audience", "order", "id")
        ),
        "programme",
        "materials",
    ).get(pk=seminar_id)


def seminars_with_content(*, network: Network) -> QuerySet[Seminar]:
    """All seminars of a network with their texts, for the calendar feed (a fixed number of queries)."""
    return Seminar.objects.filter(network=network).prefetch_related(
        Prefetch("purposes", queryset=SeminarPurpose.objects.order_by("order", "id"))
    )


def texts_by_audience(items, audience_field: str = "audience") -> list[tuple[str, list[str]]]:
    """Ordered texts grouped by audience, teams first, as (audience label, texts) pairs."""
    labels = dict(Audience.choices)
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(getattr(item, audience_field), []).append(item.text)
    order = [Audience.BOTH, Audience.TEAMS, Audience.LEADERS]
    return [(labels[key], groups[key]) for key in order if key in groups]


@dataclass(frozen=True)
class PlanProgress:
    """How far a network is through its two years, and what comes next."""

    start: date
    end: date
    today: date
    percent: int
    next_seminar: Seminar | None
    running_seminar: Seminar | None = None
    past_count: int = 0
    total_count: int = 0

    @property
    def is_over(self) -> bool:
        return self.today >= self.end


def plan_progress(*, network: Network, seminars: list[Seminar], now: datetime | None = None) -> PlanProgress:
    now = now or timezone.now()
    today = timezone.localdate(now)
    span = (network.end_date - network.start_date).days
    elapsed = (today - network.start_date).days
    percent = 0 if span <= 0 else max(0, min(100, round(100 * elapsed / span)))
    upcoming = [s for s in seminars if s.starts_at > now]
    running = [s for s in seminars if s.starts_at <= now < s.ends_at]
    return PlanProgress(
        start=network.start_date,
        end=network.end_date,
        today=today,
        percent=percent,
        next_seminar=upcoming[0] if upcoming else None,
        running_seminar=running[0] if running else None,
        past_count=sum(1 for s in seminars if s.ends_at <= now),
        total_count=len(seminars),
    )


def user_registrations(*, user: User | AnonymousUser, network: Network) -> dict[int, Registration]:
    """The user's own registrations in a network, keyed by seminar id."""
    return {
        r.seminar_id: r
        for r in Registration.objects.filter(user=user, seminar__network=network).exclude(
            status=Registration.Status.CANCELLED
        )
    }


def registrable_users(*, access: SeminarAccess, user: User | AnonymousUser) -> QuerySet:
    """Whom `user` may register for the seminar: themselves, members of teams they lead in the network;
    project leads may register anyone in the network."""
    network = access.seminar.network
    if access.network.can_edit_seminars:
        return network_people(network=network)
    led_teams = Team.objects.led_by(user).filter(network=network)
    return (
        User.objects.filter(Q(pk=user.pk) | Q(team_memberships__team__in=led_teams), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def network_people(*, network: Network) -> QuerySet:
    """Everyone in a network: team members and people with a network role."""
    return (
        User.objects.filter(
            Q(team_memberships__team__network=network) | Q(network_memberships__network=network),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def visible_registrations(*, access: SeminarAccess, user: User | AnonymousUser) -> QuerySet[Registration]:
    """Registrations the user may see: all for people with a network role; otherwise those of the
    user's own teams and their own (peers may be anonymised, so their people are not listed)."""
    qs = (
        Registration.objects.filter(seminar=access.seminar)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "team")
        .order_by("status", "created_at", "id")
    )
    if access.network.sees_all_team_names:
        return qs
    own_teams = Team.objects.filter(network=access.seminar.network, memberships__user=user)
    return qs.filter(Q(user=user) | Q(team__in=own_teams))


@dataclass
class AttendanceRow:
    user: object
    team: Team | None
    registration_status: str
    attended: bool


@dataclass
class AttendanceGroup:
    label: str
    rows: list[AttendanceRow] = field(default_factory=list)


def attendance_sheet(*, seminar: Seminar) -> list[AttendanceGroup]:
    """Everyone who could have attended, grouped by team: registered people first, then the other
    team members, then people with a network role (leaders, coordinators) without a team."""
    network = seminar.network
    registrations = {
        r.user_id: r
        for r in Registration.objects.filter(seminar=seminar)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "team")
    }
    attended = {
        a.user_id: a for a in Attendance.objects.filter(seminar=seminar).select_related("user", "team")
    }
    teams = list(Team.objects.filter(network=network).order_by("name"))
    team_by_id = {t.id: t for t in teams}
    memberships = (
        TeamMembership.objects.filter(team__network=network, user__is_active=True)
        .select_related("user")
        .order_by("team__name", "user__first_name", "user__last_name", "user__username")
    )
    groups: dict[int | None, AttendanceGroup] = {t.id: AttendanceGroup(label=t.name) for t in teams}
    groups[None] = AttendanceGroup(label="")
    placed: set[int] = set()

    def team_for(user_id: int, default_team_id: int | None) -> int | None:
        # The team recorded at attendance or registration wins over the membership order.
        if user_id in attended and attended[user_id].team_id:
            return attended[user_id].team_id
        if user_id in registrations and registrations[user_id].team_id:
            return registrations[user_id].team_id
        return default_team_id

    def add(user: User | AnonymousUser, default_team_id: int | None) -> None:
        if user.id in placed:
            return
        placed.add(user.id)
        team_id = team_for(user.id, default_team_id)
        if team_id not in groups:
            team_id = None
        registration = registrations.get(user.id)
        groups[team_id].rows.append(
            AttendanceRow(
                user=user,
                team=team_by_id.get(team_id) if team_id else None,
                registration_status=registration.status if registration else "",
                attended=user.id in attended,
            )
        )

    for registration in registrations.values():
        add(registration.user, registration.team_id)
    for membership in memberships:
        add(membership.user, membership.team_id)
    role_users = (
        User.objects.filter(network_memberships__network=network, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    for user in role_users:
        add(user, None)
    for attendance in attended.values():
        add(attendance.user, attendance.team_id)
    for group in groups.values():
        # Registered people first within each team, so the organiser ticks them off quickly.
        group.rows.sort(key=lambda row: (row.registration_status != Registration.Status.REGISTERED,))
    return [g for g in groups.values() if g.rows]


def team_seminar_history(*, team: Team) -> list[dict]:
    """The seminars of a team's network with how many of the team registered and attended."""
    seminars = (
        Seminar.objects.filter(network_id=team.network_id)
        .annotate(
            team_attended=Count("attendances", filter=Q(attendances__team=team), distinct=True),
            team_registered=Count(
                "registrations",
                filter=Q(registrations__team=team, registrations__status=Registration.Status.REGISTERED),
                distinct=True,
            ),
        )
        .order_by("starts_at", "id")
    )
    now = timezone.now()
    return [
        {
            "seminar": s,
            "is_past": s.ends_at <= now,
            "attended": s.team_attended,
            "registered": s.team_registered,
        }
        for s in seminars
    ]


def network_attendance_matrix(*, network: Network, teams: list[Team]) -> tuple[list[Seminar], dict]:
    """Past seminars of a network and, per (team id, seminar id), how many people of the team attended."""
    now = timezone.now()
    seminars = list(Seminar.objects.filter(network=network, starts_at__lte=now).order_by("starts_at", "id"))
    counts = (
        Attendance.objects.filter(seminar__in=seminars, team__in=teams)
        .values("team_id", "seminar_id")
        .annotate(n=Count("id"))
    )
    return seminars, {(row["team_id"], row["seminar_id"]): row["n"] for row in counts}


def is_network_person(*, user: User | AnonymousUser, network: Network) -> bool:
    return (
        TeamMembership.objects.filter(user=user, team__network=network).exists()
        or NetworkMembership.objects.filter(user=user, network=network).exists()
    )


def network_seminar_dates(*, network: Network) -> list[Seminar]:
    """A network's seminars in date order, only what a period picker needs (title, number, start)."""
    return list(
        Seminar.objects.filter(network=network)
        .only("uuid", "title", "number", "starts_at")
        .order_by("starts_at", "id")
    )
