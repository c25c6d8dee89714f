"""Cluster meetings with their extract deadline, the discussion answers and the goals set."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages

from .clusters import Cluster, Practice, Prescriber
from .packages import GoalLevel, Package, PackageItem

# From this many days before the extract deadline the coordinator is reminded and the page warns.
REMINDER_DAYS_BEFORE_DEADLINE = 14


class Meeting(HumanConstraintMessages, models.Model):
    """A cluster meeting (klyngemøde) on one package, or the follow-up meeting (opfølgende klyngemøde)."""

    class Kind(models.TextChoices):
        FIRST = "first", _("Klyngemøde")
        FOLLOW_UP = "follow_up", _("Opfølgende klyngemøde")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        HELD = "held", _("Afholdt")
        CANCELLED = "cancelled", _("Aflyst")

    class Comparison(models.TextChoices):
        SAME_MONTHS = "same_months", _("Samme kalendermåneder et år før")
        ROLLING_12 = "rolling_12", _("Løbende 12 måneder")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("praksisklynge")
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("klyngepakke")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.FIRST)
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("opfølgning på"),
    )
    date = models.DateField(_("dato"))
    place = models.CharField(_("sted"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    extract_wishes = models.TextField(_("ønsker til datatræk"), blank=True)
    extract_requested_on = models.DateField(_("datatræk bestilt"), null=True, blank=True)
    reminder_sent_on = models.DateField(_("påmindelse sendt"), null=True, blank=True)
    comparison = models.CharField(
        _("sammenligning før/efter"),
        max_length=20,
        choices=Comparison.choices,
        default=Comparison.SAME_MONTHS,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("klyngemøde")
        verbose_name_plural = _("klyngemøder")
        ordering = ["cluster", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="follow_up") | Q(follows__isnull=False),
                name="clusters_meeting_follow_up_has_first",
            ),
            models.CheckConstraint(
                condition=Q(kind="follow_up") | Q(follows__isnull=True),
                name="clusters_meeting_first_follows_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y} – {self.cluster}"

    @property
    def extract_deadline(self) -> date:
        """The last day the coordinator may request the data extract (the package's lead time, 60 days)."""
        return self.date - timedelta(days=self.package.extract_lead_days)

    def deadline_state(self, today: date) -> str:
        """requested / overdue / soon / open: what the page and the reminder say about the extract."""
        if self.extract_requested_on is not None:
            return "requested"
        if self.status != self.Status.PLANNED or today > self.date:
            return "closed"
        days_left = (self.extract_deadline - today).days
        if days_left < 0:
            return "overdue"
        if days_left <= REMINDER_DAYS_BEFORE_DEADLINE:
            return "soon"
        return "open"

    def days_to_deadline(self, today: date) -> int:
        return (self.extract_deadline - today).days


class DiscussionAnswer(HumanConstraintMessages, models.Model):
    """The group's answer to one discussion question ("Opsamling på drøftelse")."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="answers", verbose_name=_("klyngemøde")
    )
    question = models.ForeignKey(
        PackageItem, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("spørgsmål")
    )
    # The question as it was asked: the provider may reword the package later.
    question_text = models.TextField(_("spørgsmål"))
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    answer = models.TextField(_("svar"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("ændret af"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("svar på drøftelsesspørgsmål")
        verbose_name_plural = _("svar på drøftelsesspørgsmål")
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "question_text"], name="clusters_discussionanswer_unique_meeting_question"
            ),
        ]

    def __str__(self) -> str:
        return self.question_text[:60]


class MeetingGoal(HumanConstraintMessages, models.Model):
    """A goal the cluster set at a meeting, at cluster, clinic, prescriber or patient level.

    A patient-level goal is a written commitment; no patient data is stored.
    """

    class Measure(models.TextChoices):
        NONE = "", _("Intet tal")
        RATE = "rate", _("Recepter pr. 1.000 tilmeldte patienter pr. år")
        PENICILLIN_V = "penicillin_v", _("Andel penicillin V")
        CRITICAL = "critical", _("Andel kritisk vigtige antibiotika")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="goals", verbose_name=_("klyngemøde")
    )
    level = models.CharField(_("niveau"), max_length=20, choices=GoalLevel.choices)
    practice = models.ForeignKey(
        Practice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("praksis"),
    )
    prescriber = models.ForeignKey(
        Prescriber,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("behandler"),
    )
    text = models.TextField(_("mål"))
    measure = models.CharField(_("måles på"), max_length=20, choices=Measure.choices, blank=True, default="")
    target_value = models.DecimalField(_("målværdi"), max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mål fra klyngemøde")
        verbose_name_plural = _("mål fra klyngemøder")
        ordering = ["meeting", "level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="practice") | Q(practice__isnull=False),
                name="clusters_meetinggoal_practice_level_has_practice",
            ),
            models.CheckConstraint(
                condition=~Q(level="prescriber") | Q(prescriber__isnull=False),
                name="clusters_meetinggoal_prescriber_level_has_prescriber",
            ),
            models.CheckConstraint(
                condition=~Q(level="cluster") | (Q(practice__isnull=True) & Q(prescriber__isnull=True)),
                name="clusters_meetinggoal_cluster_level_has_no_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
