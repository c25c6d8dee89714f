"""Goals, indicators, monthly measurements, chart settings, annotations, PDSA cycles and chart results."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from teams.models import Network, Organisation, Team


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")
    RETIRED = "retired", _("Udgået")


class Goal(models.Model):
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

    class Meta:
        abstract = True

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


# The field names a published version freezes.
DEFINITION_FIELDS = tuple(f.name for f in IndicatorDefinition._meta.fields)


class Indicator(IndicatorDefinition):
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
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


class IndicatorVersion(IndicatorDefinition):
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
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"


class IndicatorDraft(IndicatorDefinition):
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
        ]

    def __str__(self) -> str:
        # Outside the f-string: xgettext does not see calls inside f-strings.
        draft = _("kladde")
        return f"{self.indicator.code} v{self.indicator.version + 1} ({draft})"


class Measurement(models.Model):
    """One team's value of one indicator for one month."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("indikator")
    )
    # The first day of the month the value belongs to.
    period = models.DateField(_("måned"))
    numerator = models.DecimalField(_("tæller"), max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("nævner"), max_digits=14, decimal_places=4, null=True, blank=True)
    nothing_to_report = models.BooleanField(
        _("intet at indberette"), default=False, help_text=_("Adskiller sig fra manglende data.")
    )
    comment = models.TextField(_("kommentar"), blank=True)
    needs_checking = models.BooleanField(_("skal tjekkes"), default=False)
    indicator_version = models.PositiveIntegerField(
        _("indikatorversion"), help_text=_("Den definition, værdien blev indtastet under.")
    )
    # Optimistic locking: a save that started from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indtastet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("måling")
        verbose_name_plural = _("målinger")
        ordering = ["team", "indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "indicator", "period"],
                name="measures_measurement_unique_team_indicator_period",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                name="measures_measurement_numerator_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="measures_measurement_denominator_positive",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="measures_measurement_period_day_1"),
            models.CheckConstraint(
                condition=Q(nothing_to_report=True) | Q(numerator__isnull=False),
                name="measures_measurement_value_or_nothing_to_report",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "period"], name="measures_meas_ind_period")]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code} · {self.period:%Y-%m}"

    @property
    def value(self) -> Decimal | None:
        return self.indicator.value(self.numerator, self.denominator)


class MonthCompletion(models.Model):
    """A team's statement that all data for a month are entered."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="month_completions", verbose_name=_("team")
    )
    period = models.DateField(_("måned"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("markeret af"),
    )
    completed_at = models.DateTimeField(_("markeret"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("komplet måned")
        verbose_name_plural = _("komplette måneder")
        ordering = ["team", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "period"], name="measures_monthcompletion_unique_team_period"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="measures_monthcompletion_period_day_1"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.period:%Y-%m}"


class ChartSettings(models.Model):
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


class PhaseBreak(models.Model):
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


class ExcludedPoint(models.Model):
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


class LocalTarget(models.Model):
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


class DriverDiagram(models.Model):
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


class PDSACycle(models.Model):
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


class ChartResult(models.Model):
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
        TOO_FEW = "too_few_points", _("For få punkter")

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
    # The dirty flag: set in the same transaction as the data write, cleared by the job.
    is_stale = models.BooleanField(_("skal genberegnes"), default=True, db_index=True)
    stale_since = models.DateTimeField(_("forældet siden"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("reserveret til"), null=True, blank=True)
    error = models.TextField(_("fejl"), blank=True)
    # How often the engine actually ran for this row: shows that coalescing and claiming work.
    compute_count = models.PositiveIntegerField(_("antal beregninger"), default=0)

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
        indexes = [models.Index(fields=["network", "scope"], name="measures_chart_net_scope")]

    def __str__(self) -> str:
        owner = self.team or self.region or self.network
        return f"{owner} · {self.indicator.code}"


class ReminderSent(models.Model):
    """A reporting reminder sent to a team for a month; at most one per team and month."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("team"))
    period = models.DateField(_("måned"))
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)
    recipients = models.TextField(_("modtagere"), blank=True)

    class Meta:
        verbose_name = _("påmindelse")
        verbose_name_plural = _("påmindelser")
        ordering = ["-period", "team"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "period"], name="measures_remindersent_unique_team_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.period:%Y-%m}"


class RefusedMeasurement(models.Model):
    """A save refused because it started from an old version: what the user typed, kept, never applied.

    The history tables hold only values that were stored; a refused value never was, so it is
    logged here instead, and the cell's history page shows both.
    """

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="refused_measurements", verbose_name=_("team")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="refused_measurements", verbose_name=_("indikator")
    )
    period = models.DateField(_("måned"))
    numerator = models.DecimalField(_("tæller"), max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("nævner"), max_digits=14, decimal_places=4, null=True, blank=True)
    nothing_to_report = models.BooleanField(_("intet at indberette"), default=False)
    comment = models.TextField(_("kommentar"), blank=True)
    expected_version = models.PositiveIntegerField(_("forventet version"), null=True, blank=True)
    stored_version = models.PositiveIntegerField(_("gemt version"), null=True, blank=True)
    source = models.CharField(_("kilde"), max_length=40, blank=True)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("forsøgt af"),
    )
    attempted_at = models.DateTimeField(_("forsøgt"), auto_now_add=True)

    class Meta:
        verbose_name = _("afvist indtastning")
        verbose_name_plural = _("afviste indtastninger")
        ordering = ["team", "indicator", "period", "-attempted_at"]
        indexes = [
            models.Index(fields=["team", "indicator", "period"], name="measures_refused_cell"),
        ]

    def __str__(self) -> str:
        refused = _("afvist")
        return f"{self.team} · {self.indicator.code} · {self.period:%Y-%m} ({refused})"
