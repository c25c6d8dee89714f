"""Writing monthly measurements: validation, optimistic locking, history, bulk upload, month completion.

Every write path (grid, upload, API, admin) goes through these functions, so every write is
validated the same way, leaves a django-simple-history row with the user, and marks the chart
stale in the same transaction (measures.charts.chart_series_changed).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from teams.models import Team

from ..charts import chart_series_changed
from ..models import Indicator, Measurement, MonthCompletion, MonthLock, PublicationStatus, RefusedMeasurement
from ..months import current_month, month_start
from ..numbers import format_display
from ..selectors.definitions import published_indicators
from ..selectors.entry import entry_window

# DecimalField(max_digits=14, decimal_places=4): ten digits before the comma, four after.
MAX_DECIMAL_PLACES = 4
MAX_VALUE = Decimal("9999999999")
MAX_COMMENT_LENGTH = 2000
# A value more than OUTLIER_FACTOR times the team's own median (or less than the median divided
# by it) is saved but flagged for checking, like DHIS2's min/max warnings. Fewer than
# OUTLIER_MIN_HISTORY earlier values say too little about what is normal.
OUTLIER_FACTOR = Decimal(5)
OUTLIER_MIN_HISTORY = 6


CONFLICT_VERSION = "version"
CONFLICT_LOCKED = "locked"


class MeasurementConflict(ValidationError):
    """The one refusal of a write to a cell: every write path answers it with HTTP 409.

    `code` says why: "version" (the save started from an old version, or the cell was created or
    deleted meanwhile) or "locked" (the month is locked; raised by the entry rules with a message).
    `.current` is what is stored now (or None). Raise it inside a save's transaction and the
    service keeps the refused value in RefusedMeasurement; the views and the API turn it into 409
    with `as_dict()`: the stored value, who stored it and when.
    """

    def __init__(
        self, current: Measurement | None, *, code: str = CONFLICT_VERSION, message: str | None = None
    ):
        self.current = current
        if message is None and current is None:
            message = _(
                "Værdien er slettet af en anden, siden du hentede siden. Din indtastning er ikke gemt."
            )
        elif message is None:
            message = _(
                "Værdien er ændret af %(who)s %(when)s, siden du hentede siden. Gemt nu: %(value)s. "
                "Din indtastning er ikke gemt, men kan ses i cellens historik."
            ) % {
                "who": _user_name(current.entered_by),
                "when": _when(current),
                "value": describe_measurement(current),
            }
        super().__init__(message, code=code)

    def as_dict(self) -> dict:
        """The 409 body's core: code, message and the stored value with who and when (None if empty)."""
        return {"code": self.code, "message": self.messages[0], "stored": stored_dict(self.current)}


def _when(measurement: Measurement) -> str:
    return formats.date_format(timezone.localtime(measurement.updated_at), "DATETIME_FORMAT")


def stored_dict(measurement: Measurement | None) -> dict | None:
    """A stored value as a conflict answer shows it: locale-neutral numbers, who and when (UTC ISO)."""
    if measurement is None:
        return None
    return {
        "indicator": measurement.indicator.code,
        "period": f"{measurement.period:%Y-%m}",
        "numerator": None if measurement.numerator is None else float(measurement.numerator),
        "denominator": None if measurement.denominator is None else float(measurement.denominator),
        "nothing_to_report": measurement.nothing_to_report,
        "comment": measurement.comment,
        "version": measurement.version,
        "entered_by": _user_name(measurement.entered_by) if measurement.entered_by_id else "",
        "updated_at": measurement.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "description": describe_measurement(measurement),
    }


class MeasurementBusy(ValidationError):
    """A save that met a deadlock or serialization failure twice; nothing was stored. HTTP 503."""

    def __init__(self):
        super().__init__(
            _("Værdien blev ikke gemt, fordi mange gemte på samme tid. Prøv igen om et øjeblik."), code="busy"
        )


class MeasurementLocked(MeasurementConflict):
    """A change to a stored value in a month the national project leadership has locked (409 `locked`)."""

    def __init__(self, current: Measurement, locked_through: date):
        self.locked_through = locked_through
        message = _(
            "Måneden er låst (data godkendt til og med %(month)s), så den gemte værdi kan ikke ændres. "
            "Gemt nu: %(value)s. Din indtastning er ikke gemt, men kan ses i cellens historik. "
            "Kontakt den nationale projektledelse, hvis værdien er forkert."
        ) % {"month": formats.date_format(locked_through, "b. Y"), "value": describe_measurement(current)}
        super().__init__(current, code=CONFLICT_LOCKED, message=message)


def refusal_reason(conflict: MeasurementConflict) -> str:
    """RefusedMeasurement.reason for a refusal: "locked", or "conflict" for a version conflict."""
    return "locked" if conflict.code == CONFLICT_LOCKED else "conflict"


def network_locked_through(team: Team) -> date | None:
    """The last month of the team's network that is locked (data approval), or None."""
    return (
        MonthLock.objects.filter(network_id=team.network_id).values_list("locked_through", flat=True).first()
    )


_LOOK_UP = object()


def measurement_lock_check(
    *, team: Team, period: date, existing: Measurement | None, locked_through=_LOOK_UP
) -> bool:
    """Refuse changing or deleting a stored value in a locked month; say whether the month is locked.

    The one lock rule for every write path. A first value in a locked month (`existing` None) is
    allowed: the caller marks it `entered_after_lock`. Bulk callers pass `locked_through`, read once.
    """
    through = network_locked_through(team) if locked_through is _LOOK_UP else locked_through
    if through is None or period > through:
        return False
    if existing is not None:
        raise MeasurementLocked(existing, through)
    return True


@dataclass(frozen=True)
class RowError:
    row_number: int | None
    field: str
    message: str


class BulkValidationError(ValidationError):
    """At least one row of a bulk save is invalid; `.row_errors` lists every bad row. Nothing was written."""

    def __init__(self, row_errors: list["RowError"]):
        self.row_errors = row_errors
        super().__init__(
            [f"{_('Række')} {e.row_number}, {e.field}: {e.message}" for e in row_errors[:100]], code="bulk"
        )


@dataclass(frozen=True)
class MeasurementRow:
    """One row of a bulk save (an uploaded line or an API item).

    comment None leaves a stored comment alone (a file without a comment column).
    expected_version None: not checked; 0: the caller saw no stored value; n: the caller saw version n.
    """

    indicator_code: str
    period: date
    numerator: Decimal | None
    denominator: Decimal | None
    comment: str | None = None
    nothing_to_report: bool = False
    expected_version: int | None = None
    row_number: int | None = None


@dataclass
class RowAction:
    row: MeasurementRow
    action: str  # "create", "change" or "unchanged"
    before: Measurement | None = None
    needs_checking: bool = False
    entered_after_lock: bool = False


@dataclass(frozen=True)
class RowConflict:
    """A bulk row refused because the cell changed since the caller saw it (or was locked)."""

    row: MeasurementRow
    indicator: Indicator
    conflict: MeasurementConflict


class BulkConflict(MeasurementConflict):
    """Rows of a bulk save met a conflict: nothing was written; `.conflicts` lists each with the stored value."""

    def __init__(self, conflicts: list[RowConflict], *, row_errors: list[RowError] | None = None):
        # Locked rows first: the answer's code is the first refusal's.
        self.conflicts = sorted(conflicts, key=lambda c: c.conflict.code != CONFLICT_LOCKED)
        self.row_errors = row_errors or [
            RowError(c.row.row_number, _("Måned"), c.conflict.messages[0]) for c in self.conflicts
        ]
        first = self.conflicts[0].conflict
        message = first.messages[0]
        if first.code != CONFLICT_LOCKED:
            message = _(
                "%(count)s værdier er ændret af andre, siden de blev læst. Intet er gemt. %(first)s"
            ) % {"count": len(self.conflicts), "first": message}
        super().__init__(first.current, code=first.code, message=message)

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "conflicts": [
                {
                    "row": c.row.row_number,
                    "indicator": c.row.indicator_code,
                    "period": f"{c.row.period:%Y-%m}",
                    **c.conflict.as_dict(),
                }
                for c in self.conflicts
            ],
            "errors": [
                {"row": e.row_number, "field": e.field, "message": e.message} for e in self.row_errors
            ],
        }


class MeasurementsLocked(BulkConflict):
    """Rows of a bulk save would change stored values in locked months (409 `locked`). Nothing was written.

    `.row_errors` also lists the other errors of the rows, so a preview shows every problem at once.
    """

    @property
    def locked(self) -> list[RowConflict]:
        return [c for c in self.conflicts if c.conflict.code == CONFLICT_LOCKED]


@dataclass
class BulkPlan:
    actions: list[RowAction] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    conflicts: list[RowConflict] = field(default_factory=list)
    # Rows that would change a stored value in a locked month (also in `errors` and `conflicts`).
    locked: list[RowAction] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.action == action)


@dataclass(frozen=True)
class BulkSaveResult:
    created: int
    changed: int
    unchanged: int


def _user_name(user: User) -> str:
    if user is None:
        return _("ukendt bruger")
    return user.get_full_name() or user.get_username()


def describe_measurement(measurement: Measurement) -> str:
    """The stored values in words, for conflict messages and history."""
    if measurement.nothing_to_report:
        return _("intet at indberette")
    if measurement.indicator.has_denominator:
        return _("tæller %(numerator)s, nævner %(denominator)s") % {
            "numerator": format_display(measurement.numerator, 4),
            "denominator": format_display(measurement.denominator, 4),
        }
    return _("tæller %(numerator)s") % {"numerator": format_display(measurement.numerator, 4)}


def period_errors(*, team: Team, period: date, today: date | None = None) -> list[str]:
    """A month can be entered inside the network's entry window, up to and including this month.

    The window (baseline months before the start, follow-up months after the end) is wider than
    the due months; see measures.selectors.entry.
    """
    if period.day != 1:
        return [_("Måneden skal angives som den 1. i måneden.")]
    if period > current_month(today):
        return [_("Der kan ikke indberettes for en måned i fremtiden.")]
    network = team.network
    if period < network.entry_first_period:
        return [
            _("%(month)s ligger før de måneder, LKT'et modtager data for (fra %(first)s, inkl. baseline).")
            % {
                "month": _month_label(period),
                "first": _month_label(network.entry_first_period),
            }
        ]
    if period > network.entry_last_period:
        return [
            _("LKT'et modtager ikke data efter %(last)s; %(month)s ligger efter LKT'ets slut.")
            % {"last": _month_label(network.entry_last_period), "month": _month_label(period)}
        ]
    return []


def entry_window_errors(
    *, team: Team, indicator: Indicator, period: date, today: date | None = None
) -> list[str]:
    """The month must be one the network and the indicator accept (every write path checks this)."""
    if problems := period_errors(team=team, period=period, today=today):
        return problems
    window = entry_window(team.network, indicator)
    if period not in window:
        return [
            _("Indikatoren “%(name)s” modtager ikke data efter %(last)s.")
            % {"name": indicator.name, "last": _month_label(window.last)}
        ]
    return []


def _month_label(period: date) -> str:
    return formats.date_format(period, "YEAR_MONTH_FORMAT")


def measurement_errors(
    *,
    team: Team,
    indicator: Indicator,
    period: date,
    numerator: Decimal | None,
    denominator: Decimal | None,
    nothing_to_report: bool = False,
    comment: str | None = "",
    today: date | None = None,
) -> dict[str, list[str]]:
    """Every rule a measurement must meet, as {field: [translated messages]}; empty when valid."""
    errors: dict[str, list[str]] = defaultdict(list)
    if indicator.network_id != team.network_id:
        errors["indicator"].append(_("Indikatoren hører ikke til teamets LKT."))
    elif indicator.status != PublicationStatus.PUBLISHED:
        errors["indicator"].append(_("Indikatoren er ikke offentliggjort."))
    if problems := entry_window_errors(team=team, indicator=indicator, period=period, today=today):
        errors["period"] = problems
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"].append(_("Kommentaren må højst være %(max)s tegn.") % {"max": MAX_COMMENT_LENGTH})
    if nothing_to_report:
        if numerator is not None or denominator is not None:
            errors["nothing_to_report"].append(
                _("Fjern tæller og nævner, eller fjern markeringen “intet at indberette”.")
            )
        return dict(errors)

    labels = {"numerator": _("Tælleren"), "denominator": _("Nævneren")}
    for name, number in (("numerator", numerator), ("denominator", denominator)):
        if number is None:
            continue
        label = labels[name]
        if number < 0:
            errors[name].append(_("%(field)s må ikke være negativ.") % {"field": label})
        elif number > MAX_VALUE:
            errors[name].append(_("%(field)s er for stor.") % {"field": label})
            continue
        if -number.as_tuple().exponent > MAX_DECIMAL_PLACES and number != number.quantize(Decimal("0.0001")):
            errors[name].append(
                _("%(field)s må højst have %(places)s decimaler.")
                % {"field": label, "places": MAX_DECIMAL_PLACES}
            )
        elif indicator.whole_numbers and number != number.to_integral_value():
            errors[name].append(_("%(field)s skal være et helt tal (et antal).") % {"field": label})

    if numerator is None:
        errors["numerator"].append(_("Tælleren mangler."))
    if indicator.has_denominator:
        if denominator is None:
            errors["denominator"].append(_("Nævneren mangler."))
        elif denominator == 0:
            errors["denominator"].append(_("Nævneren skal være større end 0."))
        elif (
            indicator.is_proportion
            and numerator is not None
            and numerator > denominator
            and "denominator" not in errors
        ):
            errors["numerator"].append(_("Tælleren kan ikke være større end nævneren for en andel."))
    elif denominator is not None:
        errors["denominator"].append(_("Indikatoren har ingen nævner; lad feltet være tomt."))
    return dict(errors)


def measurement_validate(**kwargs) -> None:
    """measurement_errors(...) as a ValidationError keyed by field, for the API and the forms."""
    errors = measurement_errors(**kwargs)
    if errors:
        raise ValidationError(errors)


def measurement_is_outlier(
    *, indicator: Indicator, numerator, denominator, history: list[Decimal], median: Decimal | None = None
) -> bool:
    """Whether the value lies far outside the team's own earlier values (`history`, plotted values).

    Bulk callers pass the `median` computed once per indicator instead of re-sorting per row.
    """
    value = indicator.value(numerator, denominator)
    if value is None or len(history) < OUTLIER_MIN_HISTORY:
        return False
    if median is None:
        median = Decimal(statistics.median(history))
    if median <= 0:
        return False
    return value > median * OUTLIER_FACTOR or value < median / OUTLIER_FACTOR


def _history_values(*, team: Team, indicator: Indicator, exclude_period: date | None = None) -> list[Decimal]:
    rows = Measurement.objects.filter(team=team, indicator=indicator, nothing_to_report=False)
    if exclude_period is not None:
        rows = rows.exclude(period=exclude_period)
    values = (indicator.value(n, d) for n, d in rows.values_list("numerator", "denominator"))
    return [v for v in values if v is not None]


def _is_unchanged(measurement: Measurement, *, numerator, denominator, nothing_to_report, comment) -> bool:
    return (
        measurement.numerator == numerator
        and measurement.denominator == denominator
        and measurement.nothing_to_report == nothing_to_report
        and (comment is None or measurement.comment == comment)
    )


def _refused_log(
    *,
    team,
    indicator,
    period,
    numerator,
    denominator,
    nothing_to_report,
    comment,
    expected_version,
    current,
    user: User,
    source,
    reason: str = "conflict",
) -> None:
    # Written after the refused transaction has rolled back, so what the user typed survives.
    RefusedMeasurement.objects.create(
        team=team,
        indicator=indicator,
        period=period,
        numerator=numerator,
        denominator=denominator,
        nothing_to_report=nothing_to_report,
        comment=comment or "",
        expected_version=expected_version,
        stored_version=current.version if current else None,
        source=source[:40],
        reason=reason,
        attempted_by=user if getattr(user, "pk", None) else None,
    )


def _current(*, team, indicator, period) -> Measurement | None:
    return (
        Measurement.objects.filter(team=team, indicator=indicator, period=period)
        .select_related("entered_by", "indicator")
        .first()
    )


# SQLSTATEs after which running the whole transaction again is safe: it rolled back entirely.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def _is_retryable(exc: Exception) -> bool:
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    # SQLite has no row locks: a writer that found the database locked past its timeout.
    return connection.vendor == "sqlite" and "locked" in str(exc)


def _retrying(operation):
    """Run `operation` (which opens its own transaction) and once more after a deadlock, a
    serialization failure or a concurrent insert of the same cell; then MeasurementBusy.

    Safe because the failed attempt rolled back completely and the retry reads afresh: its
    version checks decide again, so a retry never overwrites what another save stored.
    """
    for attempt in (1, 2):
        try:
            return operation()
        except OperationalError as exc:
            if not _is_retryable(exc):
                raise
            if attempt == 2:
                raise MeasurementBusy() from exc
        except _CellTaken:
            if attempt == 2:
                raise MeasurementBusy() from None
    raise AssertionError("unreachable")


class _CellTaken(Exception):
    """A bulk insert met a cell another save created meanwhile; the bulk save is run again."""


def measurement_save(
    *,
    team: Team,
    indicator: Indicator,
    period: date,
    numerator: Decimal | None,
    denominator: Decimal | None,
    comment: str = "",
    nothing_to_report: bool = False,
    needs_checking: bool | None = None,
    expected_version: int | None,
    user: User,
    source: str = "grid",
) -> Measurement:
    """Create or change one team's value of one indicator for one month.

    `expected_version` is the version the user started from (None: they saw no stored value).
    A save from an older version raises MeasurementConflict and is logged as a RefusedMeasurement.
    `needs_checking` None keeps the stored flag; a value far outside the team's history is always
    flagged when the numbers change. Saving exactly what is stored changes nothing and adds no history.
    Locks only the cell's own row (and the team's chart row of the indicator); see measures.charts.
    """
    period = month_start(period)
    comment = comment or ""
    measurement_validate(
        team=team,
        indicator=indicator,
        period=period,
        numerator=numerator,
        denominator=denominator,
        nothing_to_report=nothing_to_report,
        comment=comment,
    )
    values = {
        "numerator": numerator,
        "denominator": denominator,
        "nothing_to_report": nothing_to_report,
        "comment": comment,
    }

    def attempt() -> Measurement:
        with transaction.atomic():
            return _save_checked(
                team=team,
                indicator=indicator,
                period=period,
                values=values,
                needs_checking=needs_checking,
                expected_version=expected_version,
                user=user,
            )

    try:
        return _retrying(attempt)
    except MeasurementConflict as conflict:
        _refused_log(
            team=team,
            indicator=indicator,
            period=period,
            expected_version=expected_version,
            current=conflict.current,
            user=user,
            source=source,
            reason=refusal_reason(conflict),
            **values,
        )
        raise


def _save_checked(
    *, team, indicator, period, values, needs_checking, expected_version, user: User
) -> Measurement:
    existing = _current(team=team, indicator=indicator, period=period)
    if existing is None and expected_version is not None:
        raise MeasurementConflict(None)
    if existing is not None and existing.version != expected_version:
        raise MeasurementConflict(existing)
    numbers_changed = existing is None or (
        existing.numerator != values["numerator"]
        or existing.denominator != values["denominator"]
        or existing.nothing_to_report != values["nothing_to_report"]
    )
    flag = existing.needs_checking if existing is not None else False
    if needs_checking is not None:
        flag = needs_checking
    if numbers_changed and not values["nothing_to_report"]:
        history = _history_values(team=team, indicator=indicator, exclude_period=period)
        if measurement_is_outlier(
            indicator=indicator,
            numerator=values["numerator"],
            denominator=values["denominator"],
            history=history,
        ):
            flag = True

    if existing is None:
        late_entry = measurement_lock_check(team=team, period=period, existing=None)
        measurement = Measurement(
            team=team,
            indicator=indicator,
            period=period,
            needs_checking=flag,
            entered_after_lock=late_entry,
            indicator_version=indicator.version,
            entered_by=user,
            version=1,
            **values,
        )
        measurement._history_user = user
        try:
            with transaction.atomic():
                measurement.save()
        except IntegrityError:
            # Someone created the same cell between our read and our insert (the unique constraint
            # made us wait for their commit): one stored value, and this save is a clean conflict.
            current = _current(team=team, indicator=indicator, period=period)
            if current is None:
                raise
            raise MeasurementConflict(current) from None
    else:
        if _is_unchanged(existing, **values) and existing.needs_checking == flag:
            return existing
        measurement_lock_check(team=team, period=period, existing=existing)
        # Compare-and-set on the version: works the same on PostgreSQL and SQLite, and holds the
        # row (PostgreSQL) or the database (SQLite) until commit, so no other save can slip in.
        claimed = Measurement.objects.filter(pk=existing.pk, version=expected_version).update(
            version=expected_version + 1
        )
        if not claimed:
            raise MeasurementConflict(_current(team=team, indicator=indicator, period=period))
        measurement = existing
        for name, value in values.items():
            setattr(measurement, name, value)
        measurement.needs_checking = flag
        measurement.version = expected_version + 1
        measurement.indicator_version = indicator.version
        measurement.entered_by = user
        measurement._history_user = user
        measurement.save()
    chart_series_changed(team=team, indicator=indicator)
    return measurement


def measurement_refuse_if_locked(
    *,
    measurement: Measurement,
    numerator: Decimal | None,
    denominator: Decimal | None,
    nothing_to_report: bool,
    comment: str | None,
    user: User,
    source: str,
    deleting: bool = False,
) -> None:
    """For forms that validate before they save (the admin): refuse a change to a locked month now.

    Raises MeasurementLocked and keeps what was typed in RefusedMeasurement, as the save would.
    Saving exactly what is stored is not a change and passes.
    """
    if not deleting and _is_unchanged(
        measurement,
        numerator=numerator,
        denominator=denominator,
        nothing_to_report=nothing_to_report,
        comment=comment,
    ):
        return
    try:
        measurement_lock_check(team=measurement.team, period=measurement.period, existing=measurement)
    except MeasurementLocked:
        _refused_log(
            team=measurement.team,
            indicator=measurement.indicator,
            period=measurement.period,
            numerator=numerator,
            denominator=denominator,
            nothing_to_report=nothing_to_report,
            comment=_("(sletning)") if deleting else comment,
            expected_version=measurement.version,
            current=measurement,
            user=user,
            source=f"{source}-delete" if deleting else source,
            reason="locked",
        )
        raise


def measurement_delete(
    *, measurement: Measurement, expected_version: int | None, user: User, source: str = "grid"
) -> None:
    """Delete a stored value if nobody changed it since `expected_version`; the deletion is kept in history.

    `expected_version` None means the caller saw no stored value (a grid cell cleared in a page
    loaded before someone else stored one): that is a conflict, never a blind delete.
    """
    team, indicator = measurement.team, measurement.indicator

    def attempt() -> None:
        with transaction.atomic():
            measurement_lock_check(team=team, period=measurement.period, existing=measurement)
            claimed = expected_version is not None and Measurement.objects.filter(
                pk=measurement.pk, version=expected_version
            ).update(version=expected_version + 1)
            if not claimed:
                raise MeasurementConflict(_current(team=team, indicator=indicator, period=measurement.period))
            measurement.version = expected_version + 1
            measurement.entered_by = user
            measurement._history_user = user
            measurement.delete()
            chart_series_changed(team=team, indicator=indicator)

    try:
        _retrying(attempt)
    except MeasurementConflict as conflict:
        _refused_log(
            team=team,
            indicator=indicator,
            period=measurement.period,
            numerator=None,
            denominator=None,
            nothing_to_report=False,
            comment=_("(sletning)"),
            expected_version=expected_version,
            current=conflict.current,
            user=user,
            source=f"{source}-delete",
            reason=refusal_reason(conflict),
        )
        raise


@dataclass
class _StoredValues:
    """What a bulk plan compares with: the stored cells and each indicator's outlier history."""

    cells: dict[tuple[int, date], Measurement]
    history: dict[int, list[Decimal]]
    medians: dict[int, Decimal]


def _bulk_stored(
    *, team: Team, indicators: dict[str, Indicator], rows: list[MeasurementRow]
) -> _StoredValues:
    """One query: the team's stored values of the indicators the rows use."""
    used = {indicators[r.indicator_code].id for r in rows if r.indicator_code in indicators}
    by_id = {i.id: i for i in indicators.values()}
    cells: dict[tuple[int, date], Measurement] = {}
    history: dict[int, list[Decimal]] = defaultdict(list)
    for measurement in Measurement.objects.filter(team=team, indicator_id__in=used).select_related(
        "entered_by"
    ):
        measurement.indicator = by_id[measurement.indicator_id]
        cells[(measurement.indicator_id, measurement.period)] = measurement
        value = measurement.value
        if value is not None and not measurement.nothing_to_report:
            history[measurement.indicator_id].append(value)
    medians = {i: Decimal(statistics.median(values)) for i, values in history.items() if values}
    return _StoredValues(cells=cells, history=history, medians=medians)


def _bulk_row_errors(
    *,
    team: Team,
    row: MeasurementRow,
    indicator: Indicator | None,
    period: date,
    seen: dict[tuple[str, date], int | None],
    today: date | None,
) -> list[RowError]:
    """Every error of one row: unknown indicator, a repeated cell, and the rules of measurement_errors."""
    if indicator is None:
        return [
            RowError(
                row.row_number,
                _("Indikator"),
                _("Ukendt indikator “%(code)s”.") % {"code": row.indicator_code},
            )
        ]
    key = (row.indicator_code, period)
    if key in seen:
        return [
            RowError(
                row.row_number,
                _("Måned"),
                _("Samme indikator og måned står også i række %(row)s.") % {"row": seen[key]},
            )
        ]
    seen[key] = row.row_number
    errors = measurement_errors(
        team=team,
        indicator=indicator,
        period=period,
        numerator=row.numerator,
        denominator=row.denominator,
        nothing_to_report=row.nothing_to_report,
        comment=row.comment,
        today=today,
    )
    labels = field_labels()
    return [
        RowError(row.row_number, labels.get(name, name), message)
        for name, messages in errors.items()
        for message in messages
    ]


def _bulk_row_conflict(*, row: MeasurementRow, before: Measurement | None) -> MeasurementConflict | None:
    """The refusal check of one row: expected_version None is not checked, 0 means "saw no value".

    Every other reason to refuse a row (a locked month) belongs here too, as a MeasurementConflict
    with its own code, so the bulk paths answer it like the grid: 409 and RefusedMeasurement.
    """
    if row.expected_version is None:
        return None
    stored_version = before.version if before else 0
    if stored_version == row.expected_version:
        return None
    return MeasurementConflict(before)


def _bulk_row_action(
    *, row: MeasurementRow, indicator: Indicator, before: Measurement | None, stored: _StoredValues
) -> RowAction:
    """What saving a valid, unconflicted row does: create, change or nothing, and its check flag."""
    if before is not None and _is_unchanged(
        before,
        numerator=row.numerator,
        denominator=row.denominator,
        nothing_to_report=row.nothing_to_report,
        comment=row.comment,
    ):
        return RowAction(row=row, action="unchanged", before=before, needs_checking=before.needs_checking)
    numbers_changed = before is None or (
        before.numerator != row.numerator
        or before.denominator != row.denominator
        or before.nothing_to_report != row.nothing_to_report
    )
    flag = before.needs_checking if before else False
    if (
        numbers_changed
        and not row.nothing_to_report
        and measurement_is_outlier(
            indicator=indicator,
            numerator=row.numerator,
            denominator=row.denominator,
            history=stored.history[indicator.id],
            median=stored.medians.get(indicator.id),
        )
    ):
        flag = True
    return RowAction(
        row=row, action="create" if before is None else "change", before=before, needs_checking=flag
    )


def measurements_bulk_plan(*, team: Team, rows: list[MeasurementRow], today: date | None = None) -> BulkPlan:
    """What a bulk save of `rows` would do, row by row, every error and every conflict; writes nothing.

    Two queries whatever the number of rows: the indicators and the stored values of those
    indicators (for comparison and for the outlier medians).
    """
    plan = BulkPlan()
    indicators = {i.code: i for i in list(published_indicators(network=team.network))}
    stored = _bulk_stored(team=team, indicators=indicators, rows=rows)
    seen: dict[tuple[str, date], int | None] = {}
    through = network_locked_through(team)
    for row in rows:
        indicator = indicators.get(row.indicator_code)
        period = month_start(row.period)
        errors = _bulk_row_errors(
            team=team, row=row, indicator=indicator, period=period, seen=seen, today=today
        )
        if errors:
            plan.errors.extend(errors)
            continue
        before = stored.cells.get((indicator.id, period))
        conflict = _bulk_row_conflict(row=row, before=before)
        if conflict is not None:
            plan.conflicts.append(RowConflict(row=row, indicator=indicator, conflict=conflict))
            continue
        action = _bulk_row_action(row=row, indicator=indicator, before=before, stored=stored)
        if action.action != "unchanged":
            try:
                action.entered_after_lock = measurement_lock_check(
                    team=team, period=period, existing=before, locked_through=through
                )
            except MeasurementLocked as locked:
                plan.locked.append(action)
                plan.errors.append(RowError(row.row_number, _("Måned"), locked.messages[0]))
                plan.conflicts.append(RowConflict(row=row, indicator=indicator, conflict=locked))
                continue
        plan.actions.append(action)
    return plan


def field_labels() -> dict[str, str]:
    """Field names as the user sees them (translated when called)."""
    return {
        "numerator": _("Tæller"),
        "denominator": _("Nævner"),
        "period": _("Måned"),
        "indicator": _("Indikator"),
        "comment": _("Kommentar"),
        "nothing_to_report": _("Intet at indberette"),
    }


def measurements_bulk_save(
    *, team: Team, rows: list[MeasurementRow], user: User, source: str
) -> BulkSaveResult:
    """Save many rows at once, all or nothing.

    Every row is validated first; any error raises BulkValidationError listing every bad row, and
    nothing is written. A row whose `expected_version` no longer matches raises BulkConflict (409)
    listing every such row with its stored value; those rows are kept in RefusedMeasurement.
    Rows equal to what is stored change nothing and add no history, so re-uploading the same file
    is a no-op. Charts are marked stale once per changed indicator.
    """
    try:
        return _retrying(lambda: _bulk_save_once(team=team, rows=rows, user=user, source=source))
    except BulkConflict as refused:
        for item in refused.conflicts:
            row = item.row
            _refused_log(
                team=team,
                indicator=item.indicator,
                period=month_start(row.period),
                numerator=row.numerator,
                denominator=row.denominator,
                nothing_to_report=row.nothing_to_report,
                comment=row.comment,
                expected_version=row.expected_version,
                current=item.conflict.current,
                user=user,
                source=source,
                reason=refusal_reason(item.conflict),
            )
        raise


def _bulk_lock(*, team: Team, rows: list[MeasurementRow]) -> None:
    """Lock the team's stored values of the rows' indicators, and nothing else, in id order.

    `of=("self",)` and no joins: the team, the network and the indicators stay unlocked, so saves
    of other teams never wait here; the fixed order means two bulk saves of one team cannot
    deadlock. Cells created meanwhile are caught by the unique constraint (see _bulk_save_once).
    """
    codes = {r.indicator_code for r in rows}
    locked = (
        Measurement.objects.select_for_update(of=("self",))
        .filter(team=team, indicator__code__in=codes, indicator__network_id=team.network_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    list(locked)


def _bulk_save_once(*, team: Team, rows: list[MeasurementRow], user: User, source: str) -> BulkSaveResult:
    with transaction.atomic():
        _bulk_lock(team=team, rows=rows)
        plan = measurements_bulk_plan(team=team, rows=rows)
        if plan.locked:
            raise MeasurementsLocked(plan.conflicts, row_errors=plan.errors)
        if plan.errors:
            raise BulkValidationError(plan.errors)
        if plan.conflicts:
            raise BulkConflict(plan.conflicts)
        indicators = {i.code: i for i in list(published_indicators(network=team.network))}
        now = timezone.now()
        to_create, to_change = [], []
        touched: set[int] = set()
        for action in plan.actions:
            if action.action == "unchanged":
                continue
            row, indicator = action.row, indicators[action.row.indicator_code]
            touched.add(indicator.id)
            if action.action == "create":
                to_create.append(
                    Measurement(
                        team=team,
                        indicator=indicator,
                        period=month_start(row.period),
                        numerator=row.numerator,
                        denominator=row.denominator,
                        nothing_to_report=row.nothing_to_report,
                        comment=row.comment or "",
                        needs_checking=action.needs_checking,
                        entered_after_lock=action.entered_after_lock,
                        indicator_version=indicator.version,
                        version=1,
                        entered_by=user,
                        created_at=now,
                        updated_at=now,
                        synced_at=now,
                    )
                )
            else:
                measurement = action.before
                measurement.numerator = row.numerator
                measurement.denominator = row.denominator
                measurement.nothing_to_report = row.nothing_to_report
                if row.comment is not None:
                    measurement.comment = row.comment
                measurement.needs_checking = action.needs_checking
                measurement.indicator_version = indicator.version
                measurement.version += 1
                measurement.entered_by = user
                measurement.updated_at = now
                measurement.synced_at = now
                to_change.append(measurement)
        if to_create:
            # In cell order, so two saves inserting overlapping new cells wait, never deadlock.
            to_create.sort(key=lambda m: (m.indicator_id, m.period))
            try:
                with transaction.atomic():
                    bulk_create_with_history(
                        to_create,
                        Measurement,
                        batch_size=1000,
                        default_user=user,
                        default_change_reason=source,
                        default_date=now,
                    )
            except IntegrityError as exc:
                if "measures_measurement_unique_team_indicator_period" not in str(exc):
                    raise
                # Another save created one of these cells after our plan: plan again from scratch
                # (the version checks then decide whether this is a change or a conflict).
                raise _CellTaken from exc
        if to_change:
            to_change.sort(key=lambda m: m.pk)
            _update_rows(to_change)
            # fields=[]: the rows are written above; this only adds their history records.
            bulk_update_with_history(
                to_change,
                Measurement,
                fields=[],
                batch_size=1000,
                default_user=user,
                default_change_reason=source,
                default_date=now,
            )
        # In indicator id order: the team's chart rows are locked in the same order by every save.
        for indicator in sorted(indicators.values(), key=lambda i: i.id):
            if indicator.id in touched:
                chart_series_changed(team=team, indicator=indicator)
    return BulkSaveResult(created=len(to_create), changed=len(to_change), unchanged=plan.count("unchanged"))


UPDATED_FIELDS = [
    "numerator",
    "denominator",
    "nothing_to_report",
    "comment",
    "needs_checking",
    "indicator_version",
    "version",
    "entered_by",
    "updated_at",
    "synced_at",
]


def _update_rows(measurements: list[Measurement]) -> None:
    """One prepared UPDATE run for many rows (executemany).

    QuerySet.bulk_update builds CASE WHEN expressions whose cost grows with the batch squared;
    10,000 changed rows took 40 s on SQLite that way, and well under a second like this.
    """
    meta = Measurement._meta
    fields = [meta.get_field(name) for name in UPDATED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk] for m in measurements
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def month_completion_mark(*, team: Team, period: date, user: User) -> MonthCompletion:
    """The team states that all data for `period` are entered; refused while a cell is empty."""
    period = month_start(period)
    errors = period_errors(team=team, period=period)
    if errors:
        raise ValidationError({"period": errors})
    indicators = list(published_indicators(network=team.network))
    filled = set(
        Measurement.objects.filter(team=team, period=period, indicator__in=indicators).values_list(
            "indicator_id", flat=True
        )
    )
    missing = [i.name for i in indicators if i.id not in filled]
    if missing:
        raise ValidationError(
            _(
                "Måneden kan ikke markeres som komplet; der mangler data for: %(names)s. "
                "Indtast værdien eller markér “intet at indberette”."
            )
            % {"names": ", ".join(missing)},
            code="incomplete",
        )
    with transaction.atomic():
        completion = MonthCompletion.objects.filter(team=team, period=period).first()
        if completion is not None:
            return completion
        completion = MonthCompletion(team=team, period=period, completed_by=user)
        completion._history_user = user
        completion.save()
        return completion


def month_completion_clear(*, team: Team, period: date, user: User) -> None:
    """Withdraw the team's "month complete" statement (the withdrawal is kept in history)."""
    with transaction.atomic():
        for completion in MonthCompletion.objects.filter(team=team, period=month_start(period)):
            completion._history_user = user
            completion.delete()
