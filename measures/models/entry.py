"""Entered monthly data: measurements, completed months, refused saves, reminders and month locks."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages
from teams.models import Network, Team

from .definitions import Indicator


class Measurement(HumanConstraintMessages, models.Model):
    """One team's value of one indicator for one month."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    # No index of their own: the unique constraint's index leads with the team, and
    # measures_meas_ind_period with the indicator. A team's own index also drew the planner away from
    # the unique one when the chart pipeline reads series by (team, indicator) pair: it read every
    # indicator's rows of the team and filtered (three times the time at 200 teams).
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("team"), db_index=False
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="measurements",
        verbose_name=_("indikator"),
        db_index=False,
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
    # A first value entered into a month that was already locked (data approval): allowed, but
    # marked, because a report made before it did not include it.
    entered_after_lock = models.BooleanField(_("indtastet efter låsning"), default=False)
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
    # The change contract for BI replicas (measures.sync): moved forward, in the same transaction,
    # by every change of what the API row serves, also of fields carried from the team, its region
    # and organisations, the network and the indicator. Not a value change, so no history row.
    synced_at = models.DateTimeField(_("synkroniseret"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["created_at", "synced_at"])

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
        indexes = [
            models.Index(fields=["indicator", "period"], name="measures_meas_ind_period"),
            # The API's keyset: (synced_at, uuid), ties on one timestamp broken by the UUID.
            models.Index(fields=["synced_at", "uuid"], name="measures_meas_sync_keyset"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.indicator.code} · {self.period:%Y-%m}"

    @property
    def value(self) -> Decimal | None:
        return self.indicator.value(self.numerator, self.denominator)


class MonthCompletion(HumanConstraintMessages, models.Model):
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


class ReminderSent(HumanConstraintMessages, models.Model):
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
    """A refused save (an old version, or a locked month): what the user typed, kept, never applied.

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
    # "conflict": started from an old version; "locked": the month is locked (data approval).
    reason = models.CharField(_("årsag"), max_length=20, blank=True, default="conflict")
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


class MonthLock(HumanConstraintMessages, models.Model):
    """A network's approved data: stored values in months up to `locked_through` cannot be changed.

    One row per network, changed in place, so the history of this row is the history of every lock
    and unlock (who, when, why). An empty `locked_through` means nothing is locked.
    """

    network = models.OneToOneField(
        Network, on_delete=models.CASCADE, related_name="month_lock", verbose_name=_("LKT")
    )
    # The first day of the last locked month; None: unlocked.
    locked_through = models.DateField(_("låst til og med"), null=True, blank=True)
    note = models.CharField(_("begrundelse"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("ændret af"),
    )
    changed_at = models.DateTimeField(_("ændret"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("låste måneder")
        verbose_name_plural = _("låste måneder")
        ordering = ["network"]
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_through__isnull=True) | Q(locked_through__day=1),
                name="measures_monthlock_locked_through_day_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network} · {self.locked_through:%Y-%m}" if self.locked_through else str(self.network)
