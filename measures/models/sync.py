"""Tombstones for BI replicas: what the deletions feeds serve for rows that no longer exist.

Measurements have their history (django-simple-history) and the measurement deletions feed reads
it. Chart results keep no history (a recompute would add a row each time), so a deleted chart
result leaves a `ChartResultDeletion` (measures.sync writes it before the row goes, whatever deletes
it: a team, region or indicator removed, directly or by cascade). A deleted team leaves a
`TeamDeletion`: its measurements' history rows stay, but the feed needs to know which network and
region the team was in to show their tombstones to a token, and what it was called.

The references are ids without a database constraint: the team or region may be gone with the chart
(that is often why it went), and the tombstone must outlive them. What the feed shows of them is
copied into the tombstone.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.models import Network, Organisation, Team

from .charts import ChartResult


def _kept_reference(model: type[models.Model], verbose_name, *, null: bool = False) -> models.ForeignKey:
    """A reference by id that outlives its row (no constraint, nothing done on its deletion)."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose_name,
    )


class ChartResultDeletion(models.Model):
    """A deleted chart result, for `/api/v1/chart-result-deletions/`."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, editable=False)
    scope = models.CharField(_("niveau"), max_length=10, choices=ChartResult.Scope.choices)
    network = _kept_reference(Network, _("LKT"))
    network_slug = models.CharField(_("LKT"), max_length=60)
    indicator_code = models.CharField(_("indikator"), max_length=40)
    team = _kept_reference(Team, _("team"), null=True)
    team_uuid = models.UUIDField(_("team"), null=True, blank=True)
    team_code = models.CharField(_("team"), max_length=40, blank=True)
    # The chart's region: a region chart's own, a team chart's team's at the time of deletion.
    region = _kept_reference(Organisation, _("region"), null=True)
    deleted_at = models.DateTimeField(_("slettet"), default=timezone.now)

    class Meta:
        verbose_name = _("slettet diagramresultat")
        verbose_name_plural = _("slettede diagramresultater")
        indexes = [models.Index(fields=["deleted_at", "uuid"], name="measures_chartdel_keyset")]

    def __str__(self) -> str:
        return f"{self.network_slug} · {self.indicator_code} · {self.scope}"


class TeamDeletion(models.Model):
    """A deleted team (deleted outside the admin, which only deactivates), for the measurement deletions feed."""

    team = models.OneToOneField(
        Team, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("team")
    )
    team_uuid = models.UUIDField(_("team"))
    team_code = models.CharField(_("team"), max_length=40)
    network = _kept_reference(Network, _("LKT"))
    network_slug = models.CharField(_("LKT"), max_length=60)
    region = _kept_reference(Organisation, _("region"), null=True)
    deleted_at = models.DateTimeField(_("slettet"), default=timezone.now)

    class Meta:
        verbose_name = _("slettet team")
        verbose_name_plural = _("slettede teams")

    def __str__(self) -> str:
        return f"{self.network_slug} · {self.team_code}"
