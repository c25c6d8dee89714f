"""Report snapshots: a seminar's PDF or slides as generated once, with the data they were made from."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lkt.constraints import HumanConstraintMessages
from seminars.models import Seminar
from teams.models import Network, Team


class ReportSnapshot(HumanConstraintMessages, models.Model):
    """One generated report: its file(s), the chart results it used and the date of its data.

    Files are written once and never regenerated, so downloading a snapshot again gives the same
    bytes. Where peers are anonymised for teams, a network report has two files: one with team
    names for the project leadership and one anonymised for the teams.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", _("LKT-rapport")
        TEAM = "team", _("Teamrapport")

    class Format(models.TextChoices):
        PDF = "pdf", _("PDF")
        PPTX = "pptx", _("PowerPoint")

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        RUNNING = "running", _("Genererer")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Fejlet")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="report_snapshots", verbose_name=_("LKT")
    )
    seminar = models.ForeignKey(
        Seminar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_snapshots",
        verbose_name=_("seminar"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_snapshots",
        verbose_name=_("team"),
    )
    kind = models.CharField(_("rapport"), max_length=10, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("fremskridt (%)"), default=0)
    progress_text = models.CharField(_("trin"), max_length=200, blank=True)
    error = models.TextField(_("fejl"), blank=True)
    # "Data pr.": the moment the chart results were read; the cover and the file names say it.
    data_as_of = models.DateTimeField(_("data pr."), null=True, blank=True)
    # The stored chart results the report was made from, as they were: [{"scope", "team", "indicator",
    # "computed_at", "data"}]. The files are the record; this says exactly what went into them.
    chart_results = models.JSONField(_("diagramresultater"), default=list, blank=True)
    file_named = models.FileField(_("fil med navne"), upload_to="reports/%Y/", blank=True)
    file_anonymised = models.FileField(_("anonymiseret fil"), upload_to="reports/%Y/", blank=True)
    sha256_named = models.CharField(_("SHA-256 (med navne)"), max_length=64, blank=True)
    sha256_anonymised = models.CharField(_("SHA-256 (anonymiseret)"), max_length=64, blank=True)
    has_anonymised = models.BooleanField(_("har anonymiseret udgave"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("bestilt af"),
    )
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    # Set when a worker claims the snapshot; a claim older than the task's time limit is taken over.
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("færdig"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport-snapshot")
        verbose_name_plural = _("rapport-snapshots")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="team") & Q(team__isnull=False))
                | (Q(kind="network") & Q(team__isnull=True)),
                name="reports_reportsnapshot_team_iff_team_report",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="reports_reportsnapshot_progress_max_100"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file_named=""), name="reports_reportsnapshot_done_has_file"
            ),
        ]
        indexes = [models.Index(fields=["network", "-created_at"], name="reports_snapshot_network")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.network} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def extension(self) -> str:
        return self.format
