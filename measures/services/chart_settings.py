"""How a team's chart is drawn: baseline (fastfrys), phase breaks, excluded points, and annotations.

Chart settings belong to the team lead (teams.access: `lead=True`); annotations to everyone who
enters the team's data (`write=True`). Every write is atomic, leaves a django-simple-history row
with the user, and calls `chart_series_changed` in the same transaction, so the chart is marked
stale at once and recomputed after commit.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from teams.models import Team

from ..charts import chart_series_changed
from ..models import (
    Annotation,
    ChartSettings,
    ExcludedPoint,
    Indicator,
    Measurement,
    PhaseBreak,
    PublicationStatus,
)
from ..months import current_month, month_label, next_month
from .entry import period_errors

# Fewer baseline points than this give a centre line that moves a lot with one new point; the
# Danish run chart guidance asks for 10-20 points before freezing. Warned about, not refused.
MIN_BASELINE_POINTS = 10


@dataclass(frozen=True)
class ChartSettingsSaved:
    settings: ChartSettings
    warnings: list[str] = field(default_factory=list)


class ChartSettingsConflict(ValidationError):
    """A save that started from an older version of the settings. `.current` is what is stored now."""

    def __init__(self, current: ChartSettings):
        self.current = current
        message = _(
            "Diagramindstillingerne er ændret af %(who)s %(when)s, siden du hentede siden. "
            "Baseline er nu: %(baseline)s. Dine ændringer er ikke gemt; se de gemte indstillinger og prøv igen."
        ) % {
            "who": _user_name(current.updated_by),
            "when": formats.date_format(timezone.localtime(current.updated_at), "DATETIME_FORMAT"),
            "baseline": month_label(current.baseline_end) if current.baseline_end else _("ikke fastfrosset"),
        }
        super().__init__(message, code="conflict")


def _user_name(user: User) -> str:
    if user is None:
        return _("ukendt bruger")
    return user.get_full_name() or user.get_username()


# --------------------------------------------------------------------------- reads used by the rules and forms


def reported_periods(*, team: Team, indicator: Indicator) -> list[date]:
    """The months that have a point on the team's chart, oldest first (the pipeline's rule)."""
    rows = Measurement.objects.filter(team=team, indicator=indicator, numerator__isnull=False)
    if indicator.has_denominator:
        rows = rows.filter(denominator__isnull=False)
    return list(rows.order_by("period").values_list("period", flat=True))


def phase_break_periods(
    *, team: Team, indicator: Indicator, reported: list[date] | None = None, today: date | None = None
) -> list[date]:
    """Months a new phase can start: after the first month with data, up to this month.

    `reported` saves a query when the caller already has `reported_periods(...)`.
    """
    if reported is None:
        reported = reported_periods(team=team, indicator=indicator)
    if not reported:
        return []
    months, period, last = [], next_month(reported[0]), current_month(today)
    while period <= last:
        months.append(period)
        period = next_month(period)
    return months


def _check_series(team: Team, indicator: Indicator) -> None:
    if indicator.network_id != team.network_id or indicator.status != PublicationStatus.PUBLISHED:
        raise ValidationError(_("Indikatoren findes ikke i teamets LKT."))


def _check_period(team: Team, period: date, today: date | None = None) -> None:
    if problems := period_errors(team=team, period=period, today=today):
        raise ValidationError({"period": problems})


# --------------------------------------------------------------------------- baseline (fastfrys)


def chart_settings_update(
    *,
    team: Team,
    indicator: Indicator,
    baseline_end: date | None,
    expected_version: int | None,
    user: User,
    today: date | None = None,
) -> ChartSettingsSaved:
    """Freeze the centre line on the months up to and including `baseline_end` (None: no freeze).

    `expected_version` is the settings version the user started from (None: they saw no settings).
    A save from an older version raises ChartSettingsConflict naming who changed them.
    The baseline must end in a month with data; a short baseline is saved with a warning.
    """
    _check_series(team, indicator)
    warnings: list[str] = []
    if baseline_end is not None:
        try:
            _check_period(team, baseline_end, today)
        except ValidationError as exc:
            raise ValidationError({"baseline_end": exc.message_dict["period"]}) from None
        reported = reported_periods(team=team, indicator=indicator)
        if baseline_end not in reported:
            raise ValidationError(
                {
                    "baseline_end": _("Baseline skal slutte i en måned med data. %(month)s har ingen værdi.")
                    % {"month": month_label(baseline_end)}
                }
            )
        excluded = set(
            ExcludedPoint.objects.filter(team=team, indicator=indicator).values_list("period", flat=True)
        )
        n_points = sum(1 for p in reported if p <= baseline_end and p not in excluded)
        if n_points < MIN_BASELINE_POINTS:
            warnings.append(
                _(
                    "Baseline har kun %(count)s punkter. Centerlinjen er usikker med færre end %(min)s punkter."
                )
                % {"count": n_points, "min": MIN_BASELINE_POINTS}
            )
        if PhaseBreak.objects.filter(team=team, indicator=indicator).exists():
            warnings.append(
                _(
                    "Processen er opdelt i faser. Så beregnes centerlinjen for hver fase for sig, "
                    "og baseline bruges ikke, før faseskiftene er fjernet."
                )
            )
    with transaction.atomic():
        settings = _settings_save(
            team=team,
            indicator=indicator,
            baseline_end=baseline_end,
            expected_version=expected_version,
            user=user,
        )
    return ChartSettingsSaved(settings=settings, warnings=warnings)


def _settings_save(
    *, team: Team, indicator: Indicator, baseline_end: date | None, expected_version: int | None, user: User
) -> ChartSettings:
    existing = (
        ChartSettings.objects.filter(team=team, indicator=indicator).select_related("updated_by").first()
    )
    if existing is None:
        settings = ChartSettings(team=team, indicator=indicator, baseline_end=baseline_end, updated_by=user)
        # The database enforces uniqueness; a lost race is turned into a conflict below.
        settings.full_clean(validate_unique=False, validate_constraints=False)
        settings._history_user = user
        try:
            with transaction.atomic():
                settings.save()
        except IntegrityError:
            # Someone saved the first settings of this chart between our read and our insert.
            current = ChartSettings.objects.filter(team=team, indicator=indicator).first()
            if current is None:
                raise
            raise ChartSettingsConflict(current) from None
        chart_series_changed(team=team, indicator=indicator)
        return settings
    if existing.version != expected_version:
        raise ChartSettingsConflict(existing)
    if existing.baseline_end == baseline_end:
        return existing
    # Compare-and-set on the version: the row (PostgreSQL) or the database (SQLite) stays locked
    # until commit, so a second save from the same version finds the new version and is refused.
    claimed = ChartSettings.objects.filter(pk=existing.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise ChartSettingsConflict(ChartSettings.objects.select_related("updated_by").get(pk=existing.pk))
    existing.version = expected_version + 1
    existing.baseline_end = baseline_end
    existing.updated_by = user
    existing.full_clean(validate_unique=False, validate_constraints=False)
    existing._history_user = user
    existing.save()
    chart_series_changed(team=team, indicator=indicator)
    return existing


# --------------------------------------------------------------------------- phase breaks (faseskift)


@transaction.atomic
def phase_break_add(
    *, team: Team, indicator: Indicator, period: date, label: str = "", user: User, today: date | None = None
) -> PhaseBreak:
    """Start a new phase of the team's chart at `period` (the month a change took effect)."""
    _check_series(team, indicator)
    _check_period(team, period, today)
    reported = reported_periods(team=team, indicator=indicator)
    if not reported:
        raise ValidationError(
            {"period": _("Diagrammet har endnu ingen data, så processen kan ikke opdeles.")}
        )
    if period <= reported[0]:
        raise ValidationError(
            {
                "period": _("En ny fase skal starte efter den første måned med data (%(month)s).")
                % {"month": month_label(reported[0])}
            }
        )
    phase = PhaseBreak(team=team, indicator=indicator, period=period, label=(label or "").strip())
    _insert_month_row(
        phase,
        user=user,
        duplicate=_("Der er allerede et faseskift i %(month)s.") % {"month": month_label(period)},
    )
    return phase


@transaction.atomic
def phase_break_remove(*, team: Team, indicator: Indicator, period: date, user: User) -> None:
    """Join the phase starting at `period` with the one before it."""
    _delete_month_row(
        PhaseBreak.objects.filter(team=team, indicator=indicator, period=period).first(),
        user=user,
        missing=_("Faseskiftet i %(month)s findes ikke (længere).") % {"month": month_label(period)},
    )


# --------------------------------------------------------------------------- excluded points (udelad punkt)


@transaction.atomic
def excluded_point_add(
    *, team: Team, indicator: Indicator, period: date, reason: str, user: User, today: date | None = None
) -> ExcludedPoint:
    """Leave one month out of the centre line and limits; the point is still drawn, with the reason."""
    _check_series(team, indicator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv en begrundelse for at udelade punktet.")})
    _check_period(team, period, today)
    if period not in reported_periods(team=team, indicator=indicator):
        raise ValidationError(
            {
                "period": _("%(month)s har ingen værdi, så der er intet punkt at udelade.")
                % {"month": month_label(period)}
            }
        )
    point = ExcludedPoint(team=team, indicator=indicator, period=period, reason=reason)
    _insert_month_row(
        point,
        user=user,
        duplicate=_("Punktet i %(month)s er allerede udeladt.") % {"month": month_label(period)},
    )
    return point


@transaction.atomic
def excluded_point_remove(*, team: Team, indicator: Indicator, period: date, user: User) -> None:
    """Take the month back into the calculations."""
    _delete_month_row(
        ExcludedPoint.objects.filter(team=team, indicator=indicator, period=period).first(),
        user=user,
        missing=_("Punktet i %(month)s er ikke udeladt (længere).") % {"month": month_label(period)},
    )


def _insert_month_row(row: PhaseBreak | ExcludedPoint, *, user: User, duplicate: str) -> None:
    """Save a new phase break or exclusion; a duplicate, also a concurrent one, is a field error."""
    model = type(row)
    if model.objects.filter(team=row.team, indicator=row.indicator, period=row.period).exists():
        raise ValidationError({"period": duplicate})
    row.full_clean(validate_unique=False, validate_constraints=False)
    row._history_user = user
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"period": duplicate}) from None
    chart_series_changed(team=row.team, indicator=row.indicator)


def _delete_month_row(row: PhaseBreak | ExcludedPoint | None, *, user: User, missing: str) -> None:
    if row is None:
        raise ValidationError(missing)
    row._history_user = user
    row.delete()
    chart_series_changed(team=row.team, indicator=row.indicator)


# --------------------------------------------------------------------------- annotations (kommentar på diagram)


def _annotated_indicators(team: Team, indicator: Indicator | None) -> list[Indicator]:
    """The charts an annotation appears on: one indicator, or all the team's published ones."""
    if indicator is not None:
        return [indicator]
    return list(Indicator.objects.filter(network_id=team.network_id, status=PublicationStatus.PUBLISHED))


@transaction.atomic
def annotation_create(
    *,
    team: Team,
    indicator: Indicator | None,
    date: date,
    kind: str,
    text: str,
    user: User,
    today: date | None = None,
) -> Annotation:
    """A dated note on the team's chart of `indicator`, or on all its charts when indicator is None."""
    if indicator is not None:
        _check_series(team, indicator)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Skriv en kommentar.")})
    if kind not in Annotation.Kind.values:
        raise ValidationError({"kind": _("Vælg en type.")})
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("Datoen ligger i fremtiden. Skriv kommentaren, når det er sket.")})
    if date < team.network.first_period:
        raise ValidationError(
            {
                "date": _("Datoen ligger før LKT'ets start (%(start)s).")
                % {"start": month_label(team.network.first_period)}
            }
        )
    annotation = Annotation(team=team, indicator=indicator, date=date, kind=kind, text=text, created_by=user)
    annotation.full_clean()
    annotation._history_user = user
    annotation.save()
    for affected in _annotated_indicators(team, indicator):
        chart_series_changed(team=team, indicator=affected)
    return annotation


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user: User) -> None:
    """Remove a note from the team's chart(s); kept in history."""
    team, indicator = annotation.team, annotation.indicator
    annotation._history_user = user
    annotation.delete()
    for affected in _annotated_indicators(team, indicator):
        chart_series_changed(team=team, indicator=affected)
