"""Data approval: the months of a network that the national project leadership has locked."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from teams.models import Network


class MonthLock(models.Model):
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
