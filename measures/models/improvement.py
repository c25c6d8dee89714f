"""The improvement work: driver diagrams and PDSA cycles."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages
from teams.models import Network, Team

from .definitions import Goal, Indicator


class DriverDiagram(HumanConstraintMessages, models.Model):
    """A driver diagram: the network's template (team is empty) or a team's own adapted copy."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="driver_diagrams", verbose_name=_("LKT")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="driver_diagrams",
        verbose_name=_("team"),
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("kopieret fra"),
    )
    title = models.CharField(_("titel"), max_length=300)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("driverdiagram")
        verbose_name_plural = _("driverdiagrammer")
        ordering = ["network", "team"]
        constraints = [
            models.UniqueConstraint(
                fields=["network"], condition=Q(team__isnull=True), name="measures_driverdiagram_one_template"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(team__isnull=False), name="measures_driverdiagram_one_per_team"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DriverNode(models.Model):
    """A box in a driver diagram: the aim, a primary or secondary driver, or a change idea."""

    class Kind(models.TextChoices):
        AIM = "aim", _("Mål")
        PRIMARY = "primary", _("Primær driver")
        SECONDARY = "secondary", _("Sekundær driver")
        CHANGE_IDEA = "change_idea", _("Forandringsidé")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    diagram = models.ForeignKey(
        DriverDiagram, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("driverdiagram")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("overordnet"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("kode"), max_length=10, blank=True, help_text=_("Fx A for et indsatsområde."))
    text = models.CharField(_("tekst"), max_length=500)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    goals = models.ManyToManyField(Goal, blank=True, related_name="driver_nodes", verbose_name=_("mål"))
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="driver_nodes", verbose_name=_("indikatorer")
    )
    history = HistoricalRecords(m2m_fields=[indicators])

    class Meta:
        verbose_name = _("element i driverdiagram")
        verbose_name_plural = _("elementer i driverdiagram")
        ordering = ["diagram", "parent_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class PDSACycle(HumanConstraintMessages, models.Model):
    """A test of change: Plan (question, prediction), Do, Study, Act (adopt / adapt / abandon)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        RUNNING = "running", _("I gang")
        COMPLETED = "completed", _("Afsluttet")

    class Decision(models.TextChoices):
        ADOPT = "adopt", _("Implementér")
        ADAPT = "adapt", _("Tilpas")
        ABANDON = "abandon", _("Forkast")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="pdsa_cycles", verbose_name=_("team")
    )
    change_idea = models.ForeignKey(
        DriverNode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pdsa_cycles",
        verbose_name=_("forandringsidé"),
    )
    title = models.CharField(_("titel"), max_length=300)
    objective = models.TextField(_("formål med testen"), blank=True)
    question = models.TextField(_("spørgsmål"), blank=True)
    prediction = models.TextField(_("forudsigelse"), blank=True)
    plan = models.TextField(_("planlæg"), blank=True)
    do_notes = models.TextField(_("udfør"), blank=True)
    study_notes = models.TextField(_("studér"), blank=True)
    act_notes = models.TextField(_("handl"), blank=True)
    decision = models.CharField(_("beslutning"), max_length=10, choices=Decision.choices, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("slut"), null=True, blank=True)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="pdsa_cycles", verbose_name=_("indikatorer")
    )
    # Shared with the network's idea bank by the team's choice, per cycle: free text can name people
    # and places, so nothing is shared by default.
    shared_with_network = models.BooleanField(_("delt med LKT'et"), default=False)
    shared_at = models.DateTimeField(_("delt"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[indicators])

    class Meta:
        verbose_name = _("PDSA-cyklus")
        verbose_name_plural = _("PDSA-cyklusser")
        ordering = ["team", "-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="measures_pdsacycle_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title
