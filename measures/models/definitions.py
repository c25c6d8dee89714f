"""Goals and indicators: the expert group's definitions, their published versions and drafts."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages
from teams.models import Network

# The most decimals an indicator may be shown with (the stored values have four).
MAX_DECIMALS = 4


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")
    RETIRED = "retired", _("Udgået")


class Goal(HumanConstraintMessages, models.Model):
    """A network-level goal (mål), e.g. "reduce total antibiotic use", with its national target."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="goals", verbose_name=_("LKT")
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    is_balancing = models.BooleanField(_("ulempeindikator (balancemål)"), default=False)
    target_text = models.CharField(
        _("nationalt mål"),
        max_length=300,
        blank=True,
        help_text=_("Fx: 10 % reduktion i forhold til baseline."),
    )
    target_value = models.DecimalField(_("målværdi"), max_digits=14, decimal_places=4, null=True, blank=True)
    baseline_start = models.DateField(_("baseline fra"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline til"), null=True, blank=True)
    target_deadline = models.DateField(_("frist for målet"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offentliggjort af"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        ordering = ["network", "number"]
        constraints = [
            models.UniqueConstraint(fields=["network", "number"], name="measures_goal_unique_network_number"),
        ]

    def __str__(self) -> str:
        return f"{_('Mål')} {self.number}: {self.title}"


class IndicatorDefinition(models.Model):
    """What an indicator measures and how it is charted: the fields a published version freezes.

    Shared by the live Indicator, its frozen IndicatorVersions and the pending IndicatorDraft, so
    the three can never drift apart.
    """

    class Kind(models.TextChoices):
        OUTCOME = "outcome", _("Resultatmål")
        PROCESS = "process", _("Procesmål")
        BALANCING = "balancing", _("Ulempeindikator (balancemål)")

    class Direction(models.TextChoices):
        UP = "up", _("Højere er bedre")
        DOWN = "down", _("Lavere er bedre")
        NEITHER = "neither", _("Ingen retning")

    class ChartType(models.TextChoices):
        RUN = "run", _("Seriediagram")
        I = "i", _("I-kort (enkeltværdier)")  # noqa: E741 - the chart's name
        P = "p", _("P-kort (andele)")
        PP = "pp", _("P'-kort (Laney)")
        C = "c", _("C-kort (antal)")
        U = "u", _("U-kort (rater)")
        UP = "up", _("U'-kort (Laney)")
        G = "g", _("G-kort (tilfælde mellem hændelser)")
        T = "t", _("T-kort (tid mellem hændelser)")

    name = models.CharField(_("navn"), max_length=300)
    definition = models.TextField(_("indikatordefinition"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OUTCOME)
    numerator_definition = models.TextField(_("tæller"))
    denominator_definition = models.TextField(
        _("nævner"), blank=True, help_text=_("Tom, hvis indikatoren ikke har en nævner.")
    )
    unit = models.CharField(
        _("enhed"), max_length=60, blank=True, help_text=_("Fx %, DDD pr. 100 sengedage.")
    )
    multiplier = models.DecimalField(
        _("multiplikator"), max_digits=10, decimal_places=0, default=Decimal("1")
    )
    direction = models.CharField(
        _("forbedringsretning"), max_length=10, choices=Direction.choices, default=Direction.DOWN
    )
    chart_type = models.CharField(
        _("diagramtype"), max_length=4, choices=ChartType.choices, default=ChartType.RUN
    )
    whole_numbers = models.BooleanField(
        _("kun hele tal"), default=False, help_text=_("Tæller og nævner er antal (hele tal).")
    )
    data_source = models.CharField(_("datakilde"), max_length=300, blank=True)
    target_value = models.DecimalField(
        _("national målværdi"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("I indikatorens enhed."),
    )
    # How many decimals a reader sees (grid, charts, tables, reports); stored values keep theirs.
    # Empty means the default for the chart type and unit (default_decimals), so an indicator
    # whose chart type changes in a new version follows it unless the expert group chose.
    decimals = models.PositiveSmallIntegerField(
        _("antal decimaler"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_DECIMALS)],
        help_text=_("0–4. Tom: 1 for procenter og rater, 0 for antal, 2 for andele uden multiplikator."),
    )

    class Meta:
        abstract = True

    @property
    def shown_decimals(self) -> int:
        """The decimals values of this indicator are shown with: the chosen number or the default."""
        if self.decimals is not None:
            return self.decimals
        return default_decimals(
            chart_type=self.chart_type,
            unit=self.unit,
            multiplier=self.multiplier,
            has_denominator=self.has_denominator,
            whole_numbers=self.whole_numbers,
        )

    @property
    def has_denominator(self) -> bool:
        return bool(self.denominator_definition.strip())

    @property
    def is_proportion(self) -> bool:
        """A share of the denominator: the numerator can never exceed it."""
        return self.chart_type in {self.ChartType.P, self.ChartType.PP}

    def value(self, numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
        """The plotted value: numerator / denominator x multiplier, or the numerator alone."""
        if numerator is None:
            return None
        if not self.has_denominator:
            return numerator
        if not denominator:
            return None
        return numerator / denominator * self.multiplier


def default_decimals(
    *, chart_type: str, unit: str, multiplier, has_denominator: bool, whole_numbers: bool
) -> int:
    """Decimals when the expert group has not chosen: 1 for percentages and rates (12,5 %, 54,3 DDD
    pr. 100 sengedage), 0 for counts (c and g charts, whole numbers without a denominator), 2 for
    shares shown as fractions (a p chart with multiplier 1: 0,85)."""
    if "%" in (unit or ""):
        return 1
    if chart_type in ("c", "g") or (whole_numbers and not has_denominator):
        return 0
    if chart_type in ("p", "pp") and Decimal(multiplier or 1) == 1:
        return 2
    return 1


# The field names a published version freezes.
DEFINITION_FIELDS = tuple(f.name for f in IndicatorDefinition._meta.fields)


class Indicator(HumanConstraintMessages, IndicatorDefinition):
    """An indicator with its current definition; published definitions are kept as IndicatorVersions."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("LKT")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("mål"),
    )
    code = models.SlugField(_("kode"), max_length=40)
    baseline_start = models.DateField(_("baseline fra"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline til"), null=True, blank=True)
    target_deadline = models.DateField(_("frist for målværdi"), null=True, blank=True)
    # The reporting obligation, distinct from the months a team may enter (baseline data may be
    # entered for earlier months). Set when the indicator is first published, never before that
    # month, so publishing never gives every team a backlog.
    first_due_month = models.DateField(
        _("første måned med indberetningspligt"),
        null=True,
        blank=True,
        help_text=_(
            "Tom: den måned, indikatoren offentliggøres. Tidligere måneder kan stadig indtastes som baseline."
        ),
    )
    last_due_month = models.DateField(
        _("sidste måned med indberetningspligt"),
        null=True,
        blank=True,
        help_text=_("Tom: til LKT'ets slut."),
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=0,
        help_text=_("Nummeret på den seneste offentliggjorte definition; 0 før første."),
    )
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offentliggjort af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        ordering = ["network", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "code"], name="measures_indicator_unique_network_code"
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gt=0), name="measures_indicator_multiplier_positive"
            ),
            models.CheckConstraint(
                condition=Q(decimals__isnull=True) | Q(decimals__lte=MAX_DECIMALS),
                name="measures_indicator_decimals_0_4",
            ),
            models.CheckConstraint(
                condition=Q(first_due_month__isnull=True) | Q(first_due_month__day=1),
                name="measures_indicator_first_due_month_day_1",
            ),
            models.CheckConstraint(
                condition=Q(last_due_month__isnull=True) | Q(last_due_month__day=1),
                name="measures_indicator_last_due_month_day_1",
            ),
            models.CheckConstraint(
                condition=Q(first_due_month__isnull=True)
                | Q(last_due_month__isnull=True)
                | Q(last_due_month__gte=models.F("first_due_month")),
                name="measures_indicator_last_due_after_first",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


class IndicatorVersion(HumanConstraintMessages, IndicatorDefinition):
    """A published definition of an indicator, never edited after publication."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="versions", verbose_name=_("indikator")
    )
    version = models.PositiveIntegerField(_("version"))
    change_note = models.TextField(_("ændringsnote"), blank=True)
    published_at = models.DateTimeField(_("offentliggjort"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("offentliggjort af"),
    )

    class Meta:
        verbose_name = _("indikatorversion")
        verbose_name_plural = _("indikatorversioner")
        ordering = ["indicator", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "version"], name="measures_indicatorversion_unique_indicator_version"
            ),
            models.CheckConstraint(
                condition=Q(decimals__isnull=True) | Q(decimals__lte=MAX_DECIMALS),
                name="measures_indicatorversion_decimals_0_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"


class IndicatorDraft(HumanConstraintMessages, IndicatorDefinition):
    """The pending next definition of a published indicator, until it is published as a new version.

    Kept apart from the Indicator so that the published definition, which teams enter data
    under, never changes before the expert group publishes the change with a change note.
    """

    indicator = models.OneToOneField(
        Indicator, on_delete=models.CASCADE, related_name="pending_draft", verbose_name=_("indikator")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mål"),
    )
    baseline_start = models.DateField(_("baseline fra"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline til"), null=True, blank=True)
    target_deadline = models.DateField(_("frist for målværdi"), null=True, blank=True)
    first_due_month = models.DateField(_("første måned med indberetningspligt"), null=True, blank=True)
    last_due_month = models.DateField(_("sidste måned med indberetningspligt"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("ændret af"),
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kladde til ny indikatorversion")
        verbose_name_plural = _("kladder til nye indikatorversioner")
        ordering = ["indicator"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gt=0), name="measures_indicatordraft_multiplier_positive"
            ),
            models.CheckConstraint(
                condition=Q(decimals__isnull=True) | Q(decimals__lte=MAX_DECIMALS),
                name="measures_indicatordraft_decimals_0_4",
            ),
            models.CheckConstraint(
                condition=Q(first_due_month__isnull=True)
                | Q(last_due_month__isnull=True)
                | Q(last_due_month__gte=models.F("first_due_month")),
                name="measures_indicatordraft_last_due_after_first",
            ),
        ]

    def __str__(self) -> str:
        # Outside the f-string: xgettext does not see calls inside f-strings.
        draft = _("kladde")
        return f"{self.indicator.code} v{self.indicator.version + 1} ({draft})"
