"""Data extracts (datatræk from Ordiprax+) as uploaded by the provider, one row per unit, period and ATC code."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lkt.constraints import HumanConstraintMessages

from .clusters import Cluster, Practice, Prescriber
from .meetings import Meeting


class Extract(HumanConstraintMessages, models.Model):
    """One uploaded extract: immutable once stored (a new upload is a new extract)."""

    class Granularity(models.TextChoices):
        MONTH = "month", _("Måned")
        QUARTER = "quarter", _("Kvartal")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="extracts", verbose_name=_("praksisklynge")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="extracts",
        verbose_name=_("klyngemøde"),
    )
    granularity = models.CharField(_("periode"), max_length=10, choices=Granularity.choices)
    first_period = models.DateField(_("første periode"))
    last_period = models.DateField(_("sidste periode"))
    filename = models.CharField(_("filnavn"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rækker"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("indlæst af"),
    )
    uploaded_at = models.DateTimeField(_("indlæst"), auto_now_add=True)
    # Set by the retention task when the prescriber rows (personal data about doctors) are deleted.
    prescriber_rows_deleted_at = models.DateTimeField(_("behandlerdata slettet"), null=True, blank=True)

    class Meta:
        verbose_name = _("datatræk")
        verbose_name_plural = _("datatræk")
        ordering = ["cluster", "-uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_period__gte=models.F("first_period")),
                name="clusters_extract_last_after_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} {self.first_period:%m.%Y}–{self.last_period:%m.%Y}"


class ExtractRow(HumanConstraintMessages, models.Model):
    """Prescriptions of one ATC code in one period, for a practice, a prescriber, the region or the country."""

    class Scope(models.TextChoices):
        PRACTICE = "practice", _("Praksis")
        PRESCRIBER = "prescriber", _("Behandler")
        REGION = "region", _("Region")
        COUNTRY = "country", _("Landet")

    extract = models.ForeignKey(
        Extract, on_delete=models.CASCADE, related_name="rows", verbose_name=_("datatræk")
    )
    scope = models.CharField(_("niveau"), max_length=12, choices=Scope.choices)
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("praksis")
    )
    prescriber = models.ForeignKey(
        Prescriber,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("behandler"),
    )
    period = models.DateField(_("periode"), help_text=_("Første dag i måneden eller kvartalet."))
    months = models.PositiveSmallIntegerField(_("måneder"), default=1)
    atc_code = models.CharField(_("ATC-kode"), max_length=10)
    prescriptions = models.PositiveIntegerField(_("recepter"))
    ddd = models.DecimalField(_("DDD"), max_digits=12, decimal_places=2, null=True, blank=True)
    # Patients are listed with the practice (not the doctor): set on practice, region and country rows.
    listed_patients = models.PositiveIntegerField(_("tilmeldte patienter"), null=True, blank=True)

    class Meta:
        verbose_name = _("række i datatræk")
        verbose_name_plural = _("rækker i datatræk")
        ordering = ["extract", "scope", "period", "atc_code", "id"]
        indexes = [models.Index(fields=["extract", "scope"], name="clusters_row_extract_scope")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (
                        Q(scope="practice")
                        & Q(practice__isnull=False)
                        & Q(prescriber__isnull=True)
                        & Q(listed_patients__isnull=False)
                    )
                    | (Q(scope="prescriber") & Q(practice__isnull=False) & Q(prescriber__isnull=False))
                    | (
                        Q(scope__in=["region", "country"])
                        & Q(practice__isnull=True)
                        & Q(prescriber__isnull=True)
                        & Q(listed_patients__isnull=False)
                    )
                ),
                name="clusters_extractrow_scope_matches_unit",
            ),
            models.CheckConstraint(
                condition=Q(months__in=[1, 3]), name="clusters_extractrow_month_or_quarter"
            ),
            models.UniqueConstraint(
                fields=["extract", "practice", "period", "atc_code"],
                condition=Q(scope="practice"),
                name="clusters_extractrow_unique_practice_period_atc",
            ),
            models.UniqueConstraint(
                fields=["extract", "prescriber", "period", "atc_code"],
                condition=Q(scope="prescriber"),
                name="clusters_extractrow_unique_prescriber_period_atc",
            ),
            models.UniqueConstraint(
                fields=["extract", "scope", "period", "atc_code"],
                condition=Q(scope__in=["region", "country"]),
                name="clusters_extractrow_unique_reference_period_atc",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.period:%Y-%m} {self.atc_code}: {self.prescriptions}"
