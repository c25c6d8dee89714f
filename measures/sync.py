"""The change contract for BI replicas: which writes move synced API rows into the next incremental pull.

A flat measurement row and a chart result carry fields of other rows: the team's code, name,
region and organisations, the network's slug, the indicator's code and unit, and the value
computed with the indicator's multiplier. When one of those changes, every row that serves it
gets a new `synced_at` in the same transaction (one bulk UPDATE, no history rows), so a client
that pulls `updated_since` its last run sees it.

Why model signals and not the services: teams (the base app) must not import measures, team and
organisation names are edited in the admin, and a replica that silently drifts is the failure
this module exists to prevent, so the rule hangs on the models whatever path writes them.
Only served fields count: a change elsewhere (a team's responsible leader) moves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.utils import timezone

from teams.models import Network, Organisation, Team

from .models import ChartResult, ChartResultDeletion, Indicator, Measurement, TeamDeletion


def _team_served(team: Team) -> tuple:
    return (team.code, team.name, team.region_id, team.network_id)


def _organisation_served(organisation: Organisation) -> tuple:
    return (organisation.name,)


def _indicator_served(indicator: Indicator) -> tuple:
    # code and unit are columns; multiplier and the denominator decide the plotted `value`.
    return (indicator.code, indicator.unit, indicator.multiplier, indicator.has_denominator)


def _network_served(network: Network) -> tuple:
    return (network.slug,)


SERVED = {
    Team: _team_served,
    Organisation: _organisation_served,
    Indicator: _indicator_served,
    Network: _network_served,
}


def synced_rows_touch(*, measurements: Q | None = None, charts: Q | None = None) -> None:
    """Move the matching measurement and chart rows into the next incremental pull (no history)."""
    now = timezone.now()
    if measurements is not None:
        Measurement.objects.filter(measurements).update(synced_at=now)
    if charts is not None:
        ChartResult.objects.filter(charts).update(synced_at=now)


def teams_touch(team_ids: Iterable[int]) -> None:
    ids = list(team_ids)
    if ids:
        synced_rows_touch(measurements=Q(team_id__in=ids), charts=Q(team_id__in=ids))


def _remember(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._served_before = None
        return
    before = sender._default_manager.filter(pk=instance.pk).first()
    instance._served_before = SERVED[sender](before) if before is not None else None


def _compare(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    before = getattr(instance, "_served_before", None)
    instance._served_before = None
    if raw or created or before is None or before == SERVED[sender](instance):
        return
    if sender is Team:
        teams_touch([instance.pk])
        if before[2] != instance.region_id:
            # The team left one region's aggregate and joined another's: both are recomputed.
            ChartResult.objects.filter(
                scope=ChartResult.Scope.REGION,
                region_id__in=[before[2], instance.region_id],
                indicator__network_id=instance.network_id,
            ).update(is_stale=True, stale_since=timezone.now(), synced_at=timezone.now())
    elif sender is Organisation:
        team_ids = Team.objects.filter(Q(organisations=instance) | Q(region=instance)).values_list(
            "id", flat=True
        )
        teams_touch(set(team_ids))
        synced_rows_touch(charts=Q(region_id=instance.pk))
    elif sender is Indicator:
        synced_rows_touch(measurements=Q(indicator_id=instance.pk), charts=Q(indicator_id=instance.pk))
    elif sender is Network:
        synced_rows_touch(measurements=Q(team__network_id=instance.pk), charts=Q(network_id=instance.pk))


def _organisations_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        teams_touch([instance.pk])
    elif action == "pre_clear":
        teams_touch(instance.teams.values_list("id", flat=True))
    else:
        teams_touch(pk_set or [])


def _chart_deleted(sender, instance: ChartResult, **kwargs) -> None:
    """Leave a tombstone for the chart results feed's deletions (before the row and, in a cascade,
    its team, region or indicator are gone)."""
    team = (
        Team.objects.filter(id=instance.team_id).values("uuid", "code", "region_id").first()
        if instance.team_id
        else None
    )
    ChartResultDeletion.objects.create(
        uuid=instance.uuid,
        scope=instance.scope,
        network_id=instance.network_id,
        network_slug=Network.objects.filter(id=instance.network_id).values_list("slug", flat=True).first()
        or "",
        indicator_code=Indicator.objects.filter(id=instance.indicator_id)
        .values_list("code", flat=True)
        .first()
        or "",
        team_id=instance.team_id,
        team_uuid=team["uuid"] if team else None,
        team_code=team["code"] if team else "",
        region_id=instance.region_id or (team["region_id"] if team else None),
    )


def _team_deleted(sender, instance: Team, **kwargs) -> None:
    """Keep what the measurement deletions feed needs of a deleted team (before it and, by cascade,
    its measurements are gone): the measurements' history rows only keep the team's id."""
    TeamDeletion.objects.update_or_create(
        team_id=instance.id,
        defaults={
            "team_uuid": instance.uuid,
            "team_code": instance.code,
            "network_id": instance.network_id,
            "network_slug": Network.objects.filter(id=instance.network_id)
            .values_list("slug", flat=True)
            .first()
            or "",
            "region_id": instance.region_id,
            "deleted_at": timezone.now(),
        },
    )


def connect() -> None:
    """Called once from MeasuresConfig.ready()."""
    for model in SERVED:
        pre_save.connect(_remember, sender=model, dispatch_uid=f"sync-remember-{model.__name__}")
        post_save.connect(_compare, sender=model, dispatch_uid=f"sync-compare-{model.__name__}")
    m2m_changed.connect(
        _organisations_changed, sender=Team.organisations.through, dispatch_uid="sync-team-organisations"
    )
    pre_delete.connect(_chart_deleted, sender=ChartResult, dispatch_uid="sync-chart-deleted")
    pre_delete.connect(_team_deleted, sender=Team, dispatch_uid="sync-team-deleted")
