"""Writes for seminars: the plan, materials, registration with a waiting list, and attendance.

Every function is keyword-only, atomic and raises ValidationError with a Danish message the page
can show. Permission to call them is checked by the views through `seminars.selectors`
(`get_seminar_for_user`) and `teams.access`; the rules about *whom* a user may register are
checked here too, because they are cross-team rules.
"""

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.models import Network, Team, TeamMembership

from .models import (
    Attendance,
    LearningObjective,
    ProgrammeItem,
    Registration,
    Seminar,
    SeminarMaterial,
    SeminarPurpose,
)
from .selectors import is_network_person, network_people

ALLOWED_MATERIAL_EXTENSIONS = {".pdf", ".pptx", ".docx", ".xlsx", ".png", ".jpg", ".jpeg"}

SEMINAR_FIELDS = (
    "kind",
    "number",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "online_url",
    "audience",
    "capacity",
    "has_waiting_list",
    "preparation",
)


@dataclass(frozen=True)
class ProgrammeItemData:
    starts_at: time
    title: str
    ends_at: time | None = None
    speaker: str = ""


@dataclass(frozen=True)
class SeminarContent:
    """The ordered texts of a seminar: purposes and learning objectives per audience, and programme."""

    purposes: list[tuple[str, str]]  # (audience, text), in order
    objectives: list[tuple[str, str]]  # (audience, text), in order within each audience
    programme: list[ProgrammeItemData]


@transaction.atomic
def seminar_create(*, network: Network, fields: dict, content: SeminarContent, user: User) -> Seminar:
    seminar = Seminar(network=network)
    return _seminar_save(seminar=seminar, fields=fields, content=content)


@transaction.atomic
def seminar_update(*, seminar: Seminar, fields: dict, content: SeminarContent, user: User) -> Seminar:
    seminar = Seminar.objects.select_for_update().get(pk=seminar.pk)
    seminar = _seminar_save(seminar=seminar, fields=fields, content=content)
    # A larger capacity (or none) gives places to people on the waiting list.
    _promote_waiting(seminar)
    return seminar


def _seminar_save(*, seminar: Seminar, fields: dict, content: SeminarContent) -> Seminar:
    unknown = set(fields) - set(SEMINAR_FIELDS)
    if unknown:
        raise ValueError(f"unknown seminar fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(seminar, name, value)
    seminar.full_clean(exclude=["network"])
    if seminar.ends_at <= seminar.starts_at:
        raise ValidationError({"ends_at": _("Seminaret skal slutte efter, det er begyndt.")})
    seminar.save()
    # The texts are ordered lists edited as a whole, so they are replaced as a whole.
    seminar.purposes.all().delete()
    seminar.learning_objectives.all().delete()
    seminar.programme.all().delete()
    SeminarPurpose.objects.bulk_create(
        SeminarPurpose(seminar=seminar, audience=audience, text=text, order=i)
        for i, (audience, text) in enumerate(content.purposes)
    )
    LearningObjective.objects.bulk_create(
        LearningObjective(seminar=seminar, audience=audience, text=text, order=i)
        for i, (audience, text) in enumerate(content.objectives)
    )
    ProgrammeItem.objects.bulk_create(
        ProgrammeItem(
            seminar=seminar,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            title=item.title,
            speaker=item.speaker,
        )
        for item in content.programme
    )
    return seminar


@transaction.atomic
def seminar_delete(*, seminar: Seminar, user: User) -> None:
    if Attendance.objects.filter(seminar=seminar).exists():
        raise ValidationError(_("Seminaret har registreret fremmøde og kan ikke slettes."))
    seminar.delete()


def material_validate_file(upload: UploadedFile) -> None:
    """Size and type limits for seminar materials; the extension decides, as the browser's
    content type is not to be trusted."""
    if upload.size > settings.MAX_UPLOAD_SIZE:
        limit_mb = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
        raise ValidationError(_("Filen er for stor. Den må højst fylde %(mb)s MB.") % {"mb": limit_mb})
    if Path(upload.name).suffix.lower() not in ALLOWED_MATERIAL_EXTENSIONS:
        raise ValidationError(_("Filtypen er ikke tilladt. Brug pdf, pptx, docx, xlsx, png eller jpg."))


@transaction.atomic
def material_add(
    *, seminar: Seminar, title: str, user: User, file: UploadedFile | None = None, url: str = ""
) -> SeminarMaterial:
    if bool(file) == bool(url):
        raise ValidationError(_("Vælg enten en fil eller et link."))
    if file:
        material_validate_file(file)
    material = SeminarMaterial(seminar=seminar, title=title, url=url, uploaded_by=user)
    if file:
        material.file.save(Path(file.name).name, file, save=False)
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def material_delete(*, material: SeminarMaterial, user: User) -> None:
    if material.file:
        material.file.delete(save=False)
    material.delete()


def _confirmed_count(seminar: Seminar) -> int:
    return Registration.objects.filter(seminar=seminar, status=Registration.Status.REGISTERED).count()


def _has_free_place(seminar: Seminar) -> bool:
    return seminar.capacity is None or _confirmed_count(seminar) < seminar.capacity


def _promote_waiting(seminar: Seminar) -> list[Registration]:
    """Move people from the waiting list to free places, first come first served.

    The caller holds the seminar row lock, so two cancellations cannot both promote the same person
    or overfill the seminar.
    """
    promoted = []
    waiting = Registration.objects.filter(seminar=seminar, status=Registration.Status.WAITING).order_by(
        "created_at", "id"
    )
    for registration in waiting:
        if not _has_free_place(seminar):
            break
        registration.status = Registration.Status.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        promoted.append(registration)
    return promoted


def _default_team(*, user: User, network: Network) -> Team | None:
    membership = (
        TeamMembership.objects.filter(user=user, team__network=network)
        .select_related("team")
        .order_by("id")
        .first()
    )
    return membership.team if membership else None


def may_register(*, actor, person, team: Team | None, network: Network, is_organiser: bool) -> bool:
    """Anyone in the network registers themselves; a team lead registers members of the team they lead;
    project leads register anyone in the network."""
    if is_organiser:
        return True
    if person.pk == actor.pk:
        return True
    if team is None:
        return False
    return (
        Team.objects.led_by(actor).filter(pk=team.pk, network=network).exists()
        and TeamMembership.objects.filter(team=team, user=person).exists()
    )


@transaction.atomic
def registration_create(
    *, seminar: Seminar, person, actor, team: Team | None = None, is_organiser: bool = False
) -> Registration:
    """Register `person` for the seminar: a place if there is one, else the waiting list if the
    seminar has one, else refused. Registering again after cancelling puts the person at the back."""
    # The row lock serialises registrations for one seminar: the capacity check and the insert
    # happen as one step, also on PostgreSQL under concurrent requests.
    seminar = Seminar.objects.select_for_update().select_related("network").get(pk=seminar.pk)
    network = seminar.network
    if seminar.starts_at <= timezone.now():
        raise ValidationError(_("Seminaret er begyndt; tilmeldingen er lukket."))
    if not is_network_person(user=person, network=network):
        raise ValidationError(_("Personen er ikke med i dette lærings- og kvalitetsteam."))
    if team is None:
        team = _default_team(user=person, network=network)
    elif team.network_id != network.id or not TeamMembership.objects.filter(team=team, user=person).exists():
        raise ValidationError(_("Personen er ikke med i det valgte forbedringsteam."))
    if not may_register(actor=actor, person=person, team=team, network=network, is_organiser=is_organiser):
        raise ValidationError(_("Du kan kun tilmelde dig selv og medlemmer af dit eget forbedringsteam."))

    existing = Registration.objects.filter(seminar=seminar, user=person).first()
    if existing and existing.status != Registration.Status.CANCELLED:
        raise ValidationError(_("%(name)s er allerede tilmeldt.") % {"name": _person_name(person)})

    if _has_free_place(seminar):
        status = Registration.Status.REGISTERED
    elif seminar.has_waiting_list:
        status = Registration.Status.WAITING
    else:
        raise ValidationError(_("Seminaret er fuldt booket, og der er ingen venteliste."))

    registration = existing or Registration(seminar=seminar, user=person)
    registration.team = team
    registration.status = status
    registration.registered_by = actor
    if existing:
        # Back of the queue: the waiting list is ordered by created_at.
        registration.created_at = timezone.now()
    registration.full_clean(exclude=["seminar", "user"])
    registration.save()
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor, is_organiser: bool = False
) -> list[Registration]:
    """Cancel a registration; a freed place goes to the first on the waiting list. Returns the promoted."""
    seminar = Seminar.objects.select_for_update().select_related("network").get(pk=registration.seminar_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return []
    if not may_register(
        actor=actor,
        person=registration.user,
        team=registration.team,
        network=seminar.network,
        is_organiser=is_organiser,
    ):
        raise ValidationError(_("Du kan kun afmelde dig selv og medlemmer af dit eget forbedringsteam."))
    if seminar.starts_at <= timezone.now() and not is_organiser:
        raise ValidationError(_("Seminaret er begyndt; kontakt arrangøren for at afmelde."))
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    return _promote_waiting(seminar)


@transaction.atomic
def attendance_record(*, seminar: Seminar, attended: dict[int, int | None], recorded_by) -> tuple[int, int]:
    """Set who attended the seminar: `attended` maps user id -> team id (or None); everyone not in it
    is marked as not attending. Returns (added, removed)."""
    seminar = Seminar.objects.select_for_update().select_related("network").get(pk=seminar.pk)
    if seminar.starts_at > timezone.now():
        raise ValidationError(_("Fremmøde kan først registreres, når seminaret er begyndt."))
    network = seminar.network
    team_ids = set(Team.objects.filter(network=network).values_list("id", flat=True))
    for user_id, team_id in attended.items():
        if team_id is not None and team_id not in team_ids:
            raise ValidationError(_("Et af de valgte teams hører ikke til dette lærings- og kvalitetsteam."))
        if (
            team_id is not None
            and not TeamMembership.objects.filter(team_id=team_id, user_id=user_id).exists()
        ):
            raise ValidationError(_("En deltager er ikke med i det angivne forbedringsteam."))
    allowed = set(network_people(network=network).filter(pk__in=attended.keys()).values_list("pk", flat=True))
    if set(attended) - allowed:
        raise ValidationError(_("En af deltagerne er ikke med i dette lærings- og kvalitetsteam."))

    existing = {a.user_id: a for a in Attendance.objects.filter(seminar=seminar)}
    removed = [a.pk for user_id, a in existing.items() if user_id not in attended]
    Attendance.objects.filter(pk__in=removed).delete()
    added = 0
    for user_id, team_id in attended.items():
        current = existing.get(user_id)
        if current is None:
            Attendance.objects.create(
                seminar=seminar, user_id=user_id, team_id=team_id, recorded_by=recorded_by
            )
            added += 1
        elif current.team_id != team_id:
            current.team_id = team_id
            current.recorded_by = recorded_by
            current.save(update_fields=["team", "recorded_by"])
    return added, len(removed)


def _person_name(user: User) -> str:
    return user.get_full_name() or user.username


def combine_local(day, clock: time) -> datetime:
    """A date and a wall-clock time in Copenhagen as an aware datetime (handles summer time)."""
    return timezone.make_aware(datetime.combine(day, clock), timezone.get_default_timezone())
