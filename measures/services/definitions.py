"""The expert group's definitions: goals, indicators, versions and publishing; teams' local targets.

Versioning: a draft indicator (never published) is edited in place. A published indicator is
never edited in place: edits go into its IndicatorDraft, and publishing that draft with a change
note creates IndicatorVersion n+1, copies the definition onto the Indicator and bumps
`Indicator.version`. Earlier IndicatorVersion rows and the measurements entered under them
(`Measurement.indicator_version`) stay as they were.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from teams.models import Network, Team

from ..charts import chart_indicator_changed, chart_series_changed
from ..models import (
    DEFINITION_FIELDS,
    Goal,
    Indicator,
    IndicatorDraft,
    IndicatorVersion,
    LocalTarget,
    PublicationStatus,
)

# The fields a published version freezes (IndicatorVersion has exactly these).
VERSIONED_FIELDS = DEFINITION_FIELDS
# Editable with the definition but not part of the frozen snapshot.
OTHER_DRAFT_FIELDS = (
    "goal",
    "baseline_start",
    "baseline_end",
    "target_deadline",
    "first_due_month",
    "last_due_month",
    "order",
)
INDICATOR_FIELDS = ("code", *VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS)
GOAL_FIELDS = (
    "number",
    "title",
    "description",
    "is_balancing",
    "target_text",
    "target_value",
    "baseline_start",
    "baseline_end",
    "target_deadline",
)


def _with_user(instance, user: User):
    # simple-history takes the user from the request; services also run outside requests.
    instance._history_user = user
    return instance


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _check_goal(goal: Goal | None, network: Network) -> None:
    if goal is not None and goal.network_id != network.id:
        raise ValidationError({"goal": _("Målet hører til et andet LKT.")})


def _check_baseline(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"baseline_end": _("Baseline kan ikke slutte før den begynder.")})


# Goals -------------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(*, network: Network, user: User, **fields: Any) -> Goal:
    """A new goal, as a draft that teams do not see until it is published."""
    _check_fields(fields, GOAL_FIELDS)
    goal = Goal(network=network, status=PublicationStatus.DRAFT, **fields)
    _check_baseline(goal.baseline_start, goal.baseline_end)
    goal.full_clean()
    _with_user(goal, user).save()
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, user: User, **fields: Any) -> Goal:
    """Edit a goal in place (drafts and published alike); the history keeps every earlier text."""
    _check_fields(fields, GOAL_FIELDS)
    for name, value in fields.items():
        setattr(goal, name, value)
    _check_baseline(goal.baseline_start, goal.baseline_end)
    goal.full_clean()
    _with_user(goal, user).save()
    return goal


@transaction.atomic
def goal_publish(*, goal: Goal, user: User) -> Goal:
    if goal.status == PublicationStatus.PUBLISHED:
        raise ValidationError(_("Målet er allerede offentliggjort."))
    goal.status = PublicationStatus.PUBLISHED
    goal.published_at = timezone.now()
    goal.published_by = user
    _with_user(goal, user).save()
    return goal


# Indicators --------------------------------------------------------------------------------------


def _validate_definition(values: dict[str, Any]) -> None:
    """Cross-field rules of a definition, shared by drafts of new and of published indicators."""
    errors: dict[str, str] = {}
    has_denominator = bool((values.get("denominator_definition") or "").strip())
    if (
        values.get("chart_type")
        in {Indicator.ChartType.P, Indicator.ChartType.PP, Indicator.ChartType.U, Indicator.ChartType.UP}
        and not has_denominator
    ):
        errors["denominator_definition"] = _("Et P- eller U-kort kræver en nævner.")
    if values.get("chart_type") in {
        Indicator.ChartType.P,
        Indicator.ChartType.PP,
        Indicator.ChartType.C,
        Indicator.ChartType.G,
    } and not values.get("whole_numbers"):
        errors["whole_numbers"] = _("Denne diagramtype kræver, at tæller og nævner er hele tal.")
    multiplier = values.get("multiplier")
    if multiplier is not None and multiplier <= 0:
        errors["multiplier"] = _("Multiplikatoren skal være større end 0.")
    if errors:
        raise ValidationError(errors)
    _check_baseline(values.get("baseline_start"), values.get("baseline_end"))


@transaction.atomic
def indicator_create(*, network: Network, user: User, **fields: Any) -> Indicator:
    """A new indicator, as a draft (version 0) that teams do not see."""
    _check_fields(fields, INDICATOR_FIELDS)
    _check_goal(fields.get("goal"), network)
    _validate_definition(fields)
    indicator = Indicator(network=network, status=PublicationStatus.DRAFT, version=0, **fields)
    indicator.full_clean()
    _with_user(indicator, user).save()
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, user: User, **fields: Any) -> Indicator | IndicatorDraft:
    """Edit an indicator's definition: in place while it is a draft, else in its pending draft.

    Returns what was written: the Indicator (never published) or the IndicatorDraft.
    """
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if indicator.status == PublicationStatus.RETIRED:
        raise ValidationError(_("En udgået indikator kan ikke ændres."))
    if indicator.version == 0:
        _check_fields(fields, INDICATOR_FIELDS)
        _check_goal(fields.get("goal"), indicator.network)
        for name, value in fields.items():
            setattr(indicator, name, value)
        _validate_definition({name: getattr(indicator, name) for name in INDICATOR_FIELDS})
        indicator.full_clean()
        _with_user(indicator, user).save()
        return indicator
    return indicator_draft_save(indicator=indicator, user=user, **fields)


def _current_definition(indicator: Indicator) -> dict[str, Any]:
    return {name: getattr(indicator, name) for name in (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS)}


@transaction.atomic
def indicator_draft_save(*, indicator: Indicator, user: User, **fields: Any) -> IndicatorDraft:
    """Save changes to a published indicator as its pending draft; the published definition stays."""
    fields.pop("code", None)  # the code is the indicator's stable key once data exist under it
    _check_fields(fields, (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS))
    _check_goal(fields.get("goal"), indicator.network)
    draft = IndicatorDraft.objects.filter(indicator=indicator).first()
    if draft is None:
        draft = IndicatorDraft(indicator=indicator, **_current_definition(indicator))
    for name, value in fields.items():
        setattr(draft, name, value)
    _validate_definition({name: getattr(draft, name) for name in (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS)})
    draft.updated_by = user
    draft.full_clean()
    _with_user(draft, user).save()
    return draft


@transaction.atomic
def indicator_draft_discard(*, indicator: Indicator, user: User) -> None:
    draft = IndicatorDraft.objects.filter(indicator=indicator).first()
    if draft is None:
        raise ValidationError(_("Der er ingen kladde at kassere."))
    _with_user(draft, user).delete()


def indicator_draft_changes(*, indicator: Indicator) -> list[tuple[str, Any, Any]]:
    """(field label, published value, draft value) for every field the pending draft changes."""
    draft = getattr(indicator, "pending_draft", None)
    if draft is None:
        return []
    changes = []
    for name in (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS):
        old, new = getattr(indicator, name), getattr(draft, name)
        if old != new:
            label = str(Indicator._meta.get_field(name).verbose_name)
            if name in {"kind", "direction", "chart_type"}:
                choices = dict(Indicator._meta.get_field(name).choices)
                old, new = choices.get(old, old), choices.get(new, new)
            changes.append((label, old, new))
    return changes


def _snapshot(indicator: Indicator, *, change_note: str, user: User) -> IndicatorVersion:
    version = IndicatorVersion(
        indicator=indicator,
        version=indicator.version,
        change_note=change_note,
        published_at=indicator.published_at,
        published_by=user,
        **{name: getattr(indicator, name) for name in VERSIONED_FIELDS},
    )
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def indicator_publish(
    *, indicator: Indicator, user: User, change_note: str = "", published_at: datetime | None = None
) -> IndicatorVersion:
    """Publish an indicator: its first version, or its pending draft as the next version.

    A new version needs a change note: teams read it to understand why the chart changed.
    `published_at` (default now) is for loading definitions published earlier, as the demo does.
    """
    indicator = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("goal", "network")
        .get(pk=indicator.pk)
    )
    change_note = change_note.strip()
    if indicator.status == PublicationStatus.RETIRED:
        raise ValidationError(_("En udgået indikator kan ikke offentliggøres."))
    draft = IndicatorDraft.objects.filter(indicator=indicator).select_related("goal").first()
    previous_first_due = None
    if indicator.version > 0:
        if draft is None:
            raise ValidationError(
                _("Indikatoren er offentliggjort, og der er ingen ændringer at offentliggøre.")
            )
        if not change_note:
            raise ValidationError({"change_note": _("Skriv en ændringsnote: hvad er ændret og hvorfor.")})
        if not any(
            getattr(indicator, n) != getattr(draft, n) for n in (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS)
        ):
            raise ValidationError(_("Kladden er magen til den offentliggjorte definition."))
        previous_first_due = indicator.first_due_month
        for name in (*VERSIONED_FIELDS, *OTHER_DRAFT_FIELDS):
            setattr(indicator, name, getattr(draft, name))
        if indicator.first_due_month is None:
            indicator.first_due_month = previous_first_due
    _check_due_months(indicator, previous=previous_first_due, published_at=published_at)
    goal = indicator.goal
    if goal is not None and goal.status != PublicationStatus.PUBLISHED:
        raise ValidationError({"goal": _("Offentliggør målet, før indikatoren offentliggøres.")})
    indicator.status = PublicationStatus.PUBLISHED
    indicator.version += 1
    indicator.published_at = published_at or timezone.now()
    indicator.published_by = user
    indicator.full_clean()
    _with_user(indicator, user).save()
    version = _snapshot(indicator, change_note=change_note, user=user)
    if draft is not None:
        _with_user(draft, user).delete()
    # A new definition changes every chart of the indicator (unit, multiplier, chart type, target).
    chart_indicator_changed(indicator=indicator)
    return version


def _check_due_months(indicator: Indicator, *, previous, published_at=None) -> None:
    """Publishing never gives the teams a backlog: no due month before the month of publication.

    A blank first due month becomes the month of publication. A new version may keep the first
    due month it had; moving it earlier than this month is refused. Earlier months can still be
    entered as baseline: the entry window is the network's, not the due months.
    """
    # The month of publication: now, or when a definition published earlier is loaded (the demo).
    this_month = timezone.localdate(published_at or timezone.now()).replace(day=1)
    first = indicator.first_due_month
    if first is not None:
        first = indicator.first_due_month = first.replace(day=1)
    if indicator.last_due_month is not None:
        indicator.last_due_month = indicator.last_due_month.replace(day=1)
    if first is None:
        indicator.first_due_month = max(this_month, indicator.network.first_period)
    elif first < this_month and first != previous:
        raise ValidationError(
            {
                "first_due_month": _(
                    "Første måned med indberetningspligt kan ikke ligge før %(month)s, den måned "
                    "indikatoren offentliggøres; ellers ville alle teams straks mangle data for de "
                    "tidligere måneder. Teams kan stadig indtaste dem som baseline."
                )
                % {"month": formats.date_format(this_month, "YEAR_MONTH_FORMAT")}
            }
        )
    if indicator.last_due_month is not None and indicator.last_due_month < indicator.first_due_month:
        raise ValidationError(
            {"last_due_month": _("Sidste måned med indberetningspligt skal ligge efter den første.")}
        )


@transaction.atomic
def indicator_retire(*, indicator: Indicator, user: User) -> Indicator:
    """Take a published indicator out of use; its versions and data stay, teams no longer see it."""
    if indicator.status != PublicationStatus.PUBLISHED:
        raise ValidationError(_("Kun en offentliggjort indikator kan udgå."))
    indicator.status = PublicationStatus.RETIRED
    _with_user(indicator, user).save()
    IndicatorDraft.objects.filter(indicator=indicator).delete()
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, user: User) -> None:
    """Delete a draft indicator that was never published."""
    if indicator.version > 0 or indicator.status != PublicationStatus.DRAFT:
        raise ValidationError(_("Kun en indikator, der aldrig har været offentliggjort, kan slettes."))
    _with_user(indicator, user).delete()


# Local targets -----------------------------------------------------------------------------------


@transaction.atomic
def local_target_set(
    *,
    team: Team,
    indicator: Indicator,
    value: Decimal,
    user: User,
    deadline: date | None = None,
    note: str = "",
) -> LocalTarget:
    """Set the team's own target for a published indicator of its network; shown on the team's chart."""
    if indicator.network_id != team.network_id or indicator.status != PublicationStatus.PUBLISHED:
        raise ValidationError(_("Indikatoren findes ikke i teamets LKT."))
    if value is None:
        raise ValidationError({"value": _("Angiv en målværdi.")})
    if value < 0:
        raise ValidationError({"value": _("Målværdien kan ikke være negativ.")})
    if indicator.is_proportion and indicator.multiplier and value > indicator.multiplier:
        raise ValidationError(
            {"value": _("En andel kan højst være %(max)s.") % {"max": indicator.multiplier}}
        )
    target = LocalTarget.objects.select_for_update().filter(team=team, indicator=indicator).first()
    if target is None:
        target = LocalTarget(team=team, indicator=indicator)
    target.value = value
    target.deadline = deadline
    target.note = note
    target.set_by = user
    target.full_clean()
    _with_user(target, user).save()
    chart_series_changed(team=team, indicator=indicator)
    return target


@transaction.atomic
def local_target_delete(*, team: Team, indicator: Indicator, user: User) -> None:
    target = LocalTarget.objects.filter(team=team, indicator=indicator).first()
    if target is None:
        return
    _with_user(target, user).delete()
    chart_series_changed(team=team, indicator=indicator)
