"""How a team's charts are drawn and what they show: settings, targets, annotations, results."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages
from teams.models import Network, Organisation, Team

from .definitions import Indicator


class ChartSettings(HumanConstraintMessages, models.Model):
    """How a team's chart of one indicator is drawn: baseline (freeze), and version for locking."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="chart_settings", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="chart_settings", verbose_name=_("indikator")
    )
    baseline_end = models.DateField(
        _("baseline til og med"),
        null=True,
        blank=True,
        help_text=_("Fastfrys centerlinjen på månederne til og med denne."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ændret af"),
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diagramindstilling")
        verbose_name_plural = _("diagramindstillinger")
        ordering = ["team", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "indicator"], name="measures_chartsettings_unique_team_indicator"
            ),
            models.CheckConstraint(
                condition=Q(baseline_end__isnull=True) | Q(baseline_end__day=1),
                name="measures_chartsettings_baseline_day_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code}"


class PhaseBreak(HumanConstraintMessages, models.Model):
    """A new phase (faseskift) of a team's chart, from the month a change took effect."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="phase_breaks", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="phase_breaks", verbose_name=_("indikator")
    )
    period = models.DateField(_("ny fase fra"))
    label = models.CharField(_("betegnelse"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("faseskift")
        verbose_name_plural = _("faseskift")
        ordering = ["team", "indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "indicator", "period"],
                name="measures_phasebreak_unique_team_indicator_period",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="measures_phasebreak_period_day_1"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code} · {self.period:%Y-%m}"


class ExcludedPoint(HumanConstraintMessages, models.Model):
    """A month left out of a team's chart calculations, with the reason."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="excluded_points", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="excluded_points", verbose_name=_("indikator")
    )
    period = models.DateField(_("måned"))
    reason = models.CharField(_("begrundelse"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("udeladt punkt")
        verbose_name_plural = _("udeladte punkter")
        ordering = ["team", "indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "indicator", "period"],
                name="measures_excludedpoint_unique_team_indicator_period",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="measures_excludedpoint_period_day_1"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code} · {self.period:%Y-%m}"


class LocalTarget(HumanConstraintMessages, models.Model):
    """A team's own target (lokalt mål) for an indicator: ambitious but realistic."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="local_targets", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="local_targets", verbose_name=_("indikator")
    )
    value = models.DecimalField(
        _("målværdi"), max_digits=14, decimal_places=4, help_text=_("I indikatorens enhed.")
    )
    deadline = models.DateField(_("frist"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sat af"),
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lokalt mål")
        verbose_name_plural = _("lokale mål")
        ordering = ["team", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "indicator"], name="measures_localtarget_unique_team_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code}: {self.value}"


class Annotation(models.Model):
    """A dated note on a team's chart: an intervention or event, optionally tied to one indicator."""

    class Kind(models.TextChoices):
        INTERVENTION = "intervention", _("Indsats")
        EVENT = "event", _("Hændelse")
        NOTE = "note", _("Note")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="annotations", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="annotations",
        verbose_name=_("indikator"),
        help_text=_("Tom: vises på alle teamets diagrammer."),
    )
    date = models.DateField(_("dato"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INTERVENTION)
    text = models.CharField(_("tekst"), max_length=500)
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
        verbose_name = _("kommentar på diagram")
        verbose_name_plural = _("kommentarer på diagrammer")
        ordering = ["team", "-date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.text}"


class ChartResult(HumanConstraintMessages, models.Model):
    """A stored chart computed by the SPC engine: for a team, a region or the whole network."""

    class Scope(models.TextChoices):
        TEAM = "team", _("Team")
        REGION = "region", _("Region")
        NATIONAL = "national", _("National")

    class Variation(models.TextChoices):
        IMPROVEMENT = "improvement", _("Forbedring")
        CONCERN = "concern", _("Forværring")
        COMMON_CAUSE = "common_cause", _("Almindelig variation")
        NEITHER = "neither", _("Særlig variation uden retning")
        UNDIRECTED = "undirected", _("Særlig variation uden entydig retning")
        TOO_FEW = "too_few_points", _("For få punkter")
        NOT_APPLICABLE = "not_applicable", _("Intet ikon for diagramtypen")

    class Assurance(models.TextChoices):
        MET = "consistently_met", _("Målet nås")
        MISSED = "consistently_missed", _("Målet nås ikke")
        INCONSISTENT = "inconsistent", _("Målet nås måske")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    scope = models.CharField(_("niveau"), max_length=10, choices=Scope.choices)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="chart_results", verbose_name=_("LKT")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="chart_results", verbose_name=_("indikator")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chart_results",
        verbose_name=_("team"),
    )
    region = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chart_results",
        verbose_name=_("region"),
    )
    chart_type = models.CharField(_("diagramtype"), max_length=4, choices=Indicator.ChartType.choices)
    # The engine's full output (per point and per phase) and the inputs it was given.
    data = models.JSONField(_("resultat"), default=dict, blank=True)
    variation = models.CharField(_("variation"), max_length=20, choices=Variation.choices, blank=True)
    assurance = models.CharField(_("målopfyldelse"), max_length=20, choices=Assurance.choices, blank=True)
    runs_signal = models.BooleanField(_("signal i serieanalyse"), default=False)
    sigma_signal_count = models.PositiveIntegerField(_("punkter uden for kontrolgrænser"), default=0)
    n_points = models.PositiveIntegerField(_("antal punkter"), default=0)
    last_period = models.DateField(_("seneste måned"), null=True, blank=True)
    engine_version = models.CharField(_("beregningsversion"), max_length=20, blank=True)
    input_hash = models.CharField(_("hash af input"), max_length=64, blank=True)
    computed_at = models.DateTimeField(_("beregnet"), null=True, blank=True)
    # The dirty flag: set in the same transaction as the data write, cleared by the job. Indexed
    # only where true (measures_chart_stale): a full index on it made every recompute's UPDATE
    # rewrite all of the row's indexes (no HOT update) and doubled the table.
    is_stale = models.BooleanField(_("skal genberegnes"), default=True)
    stale_since = models.DateTimeField(_("forældet siden"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("reserveret til"), null=True, blank=True)
    error = models.TextField(_("fejl"), blank=True)
    # How often the engine actually ran for this row: shows that coalescing and claiming work.
    compute_count = models.PositiveIntegerField(_("antal beregninger"), default=0)
    # The change contract for BI replicas (measures.sync): moved forward by every change of what
    # the API row serves (a computation, the stale flag, carried team/region/indicator fields).
    synced_at = models.DateTimeField(_("synkroniseret"), default=timezone.now)

    class Meta:
        verbose_name = _("diagramresultat")
        verbose_name_plural = _("diagramresultater")
        ordering = ["network", "indicator", "scope", "team", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "team"],
                condition=Q(scope="team"),
                name="measures_chartresult_unique_team",
            ),
            models.UniqueConstraint(
                fields=["indicator", "region"],
                condition=Q(scope="region"),
                name="measures_chartresult_unique_region",
            ),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=Q(scope="national"),
                name="measures_chartresult_unique_national",
            ),
            models.CheckConstraint(
                condition=(Q(scope="team") & Q(team__isnull=False) & Q(region__isnull=True))
                | (Q(scope="region") & Q(team__isnull=True) & Q(region__isnull=False))
                | (Q(scope="national") & Q(team__isnull=True) & Q(region__isnull=True)),
                name="measures_chartresult_scope_matches_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "scope"], name="measures_chart_net_scope"),
            models.Index(fields=["synced_at", "uuid"], name="measures_chart_sync_keyset"),
            # The sweep's and the claim's lookup: the few stale rows, in the order they are claimed.
            models.Index(
                fields=["stale_since", "id"], condition=Q(is_stale=True), name="measures_chart_stale"
            ),
        ]

    def __str__(self) -> str:
        owner = self.team or self.region or self.network
        return f"{owner} · {self.indicator.code}"


class ChartStaleMark(models.Model):
    """A pooled (region or national) chart whose inputs changed: the dirty queue of the pipeline.

    A save inserts a mark in its own transaction instead of updating the shared region and
    national ChartResult rows, so saves of different teams share no locked row and never wait
    for a chart being written. Plain integers, no foreign keys: an insert here takes no lock on
    any other row. `chart_stale_marks_apply` folds the marks into `ChartResult.is_stale` (after
    the save's commit, and in every sweep) and deletes them.
    """

    indicator_id = models.BigIntegerField(_("indikator"))
    # The region whose aggregate changed; the national aggregate of the indicator always does.
    region_id = models.BigIntegerField(_("region"))
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)

    class Meta:
        verbose_name = _("markering til genberegning")
        verbose_name_plural = _("markeringer til genberegning")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.indicator_id} · {self.region_id}"
