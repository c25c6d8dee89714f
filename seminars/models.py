"""Seminars of a network: the programme, learning objectives, registration and attendance."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lkt.constraints import HumanConstraintMessages
from teams.models import Network, Team


class Audience(models.TextChoices):
    TEAMS = "teams", _("Forbedringsteams")
    LEADERS = "leaders", _("Ledere")
    BOTH = "both", _("Ledere og forbedringsteams")


class Seminar(HumanConstraintMessages, models.Model):
    """A leadership kick-off, learning seminar, closing seminar or webinar of a network."""

    class Kind(models.TextChoices):
        LEADERSHIP = "leadership", _("Ledelsesseminar")
        LEARNING = "learning", _("Læringsseminar")
        CLOSING = "closing", _("Afslutningsseminar")
        WEBINAR = "webinar", _("Webinar")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="seminars", verbose_name=_("LKT")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(
        _("nummer"), default=1, help_text=_("Fx 2 for læringsseminar 2.")
    )
    title = models.CharField(_("titel"), max_length=300)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("slut"))
    place = models.CharField(_("sted"), max_length=300, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    online_url = models.URLField(_("link til online deltagelse"), blank=True)
    audience = models.CharField(
        _("målgruppe"), max_length=10, choices=Audience.choices, default=Audience.TEAMS
    )
    capacity = models.PositiveIntegerField(
        _("antal pladser"), null=True, blank=True, help_text=_("Tom: ubegrænset.")
    )
    has_waiting_list = models.BooleanField(_("venteliste"), default=True)
    preparation = models.TextField(_("forberedelse"), blank=True, help_text=_("Hvad teams skal forberede."))
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("seminar")
        verbose_name_plural = _("seminarer")
        ordering = ["network", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="seminars_seminar_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SeminarPurpose(models.Model):
    """One purpose (formål) of a seminar."""

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="purposes", verbose_name=_("seminar")
    )
    # The closing seminar has one set of purposes for the teams and another for the leaders.
    audience = models.CharField(
        _("målgruppe"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    text = models.TextField(_("formål"))
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        verbose_name = _("formål")
        verbose_name_plural = _("formål")
        ordering = ["seminar", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class LearningObjective(models.Model):
    """A learning objective (læringsmål) of a seminar for one audience, in order."""

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="learning_objectives", verbose_name=_("seminar")
    )
    audience = models.CharField(_("målgruppe"), max_length=10, choices=Audience.choices)
    text = models.TextField(_("læringsmål"))
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        verbose_name = _("læringsmål")
        verbose_name_plural = _("læringsmål")
        ordering = ["seminar", "audience", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class ProgrammeItem(models.Model):
    """An item of a seminar's programme."""

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="programme", verbose_name=_("seminar")
    )
    starts_at = models.TimeField(_("fra"))
    ends_at = models.TimeField(_("til"), null=True, blank=True)
    title = models.CharField(_("titel"), max_length=300)
    speaker = models.CharField(_("oplægsholder"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("programpunkt")
        verbose_name_plural = _("programpunkter")
        ordering = ["seminar", "starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M} {self.title}"


class SeminarMaterial(HumanConstraintMessages, models.Model):
    """A file or link handed out for a seminar."""

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="materials", verbose_name=_("seminar")
    )
    title = models.CharField(_("titel"), max_length=300)
    file = models.FileField(_("fil"), upload_to="seminars/%Y/", blank=True)
    url = models.URLField(_("link"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("lagt op af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("materiale")
        verbose_name_plural = _("materialer")
        ordering = ["seminar", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="seminars_material_file_or_url"),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(HumanConstraintMessages, models.Model):
    """A person's registration for a seminar, on behalf of a team; waiting list when full."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Tilmeldt")
        WAITING = "waiting", _("På venteliste")
        CANCELLED = "cancelled", _("Afmeldt")

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("seminar")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="seminar_registrations",
        verbose_name=_("deltager"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="seminar_registrations",
        verbose_name=_("team"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("tilmeldt af"),
    )
    created_at = models.DateTimeField(_("tilmeldt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("tilmelding")
        verbose_name_plural = _("tilmeldinger")
        ordering = ["seminar", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seminar", "user"], name="seminars_registration_unique_seminar_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.seminar} ({self.get_status_display()})"


class Attendance(HumanConstraintMessages, models.Model):
    """That a person attended a seminar, for a team; recorded by the organiser afterwards."""

    seminar = models.ForeignKey(
        Seminar, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("seminar")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="seminar_attendances",
        verbose_name=_("deltager"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="seminar_attendances",
        verbose_name=_("team"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registreret af"),
    )
    recorded_at = models.DateTimeField(_("registreret"), auto_now_add=True)

    class Meta:
        verbose_name = _("fremmøde")
        verbose_name_plural = _("fremmøder")
        ordering = ["seminar", "team", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["seminar", "user"], name="seminars_attendance_unique_seminar_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.seminar}"
