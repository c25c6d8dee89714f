"""Data approval: a national project lead locks a network's months up to a date, and may unlock them.

A lock stops changes to values already stored in those months on every write path (the check is
measures.services.entry.measurement_lock_check, called where values are saved). A first
value entered into a locked month later is allowed and marked (Measurement.entered_after_lock).
Every lock and unlock is a change of the network's one MonthLock row, kept in its history.
"""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from teams.models import Network

from ..models import MonthLock
from ..months import current_month, month_start


def locked_through(network: Network) -> date | None:
    """The last locked month of the network, or None."""
    return MonthLock.objects.filter(network=network).values_list("locked_through", flat=True).first()


def month_lock_set(*, network: Network, through: date, user: User, note: str = "") -> MonthLock:
    """Lock the months up to and including `through`'s month; a lock may move forward or back."""
    through = month_start(through)
    if through > current_month():
        raise ValidationError(_("Der kan ikke låses måneder i fremtiden."), code="future")
    if through < network.first_period:
        raise ValidationError(_("Måneden ligger før LKT'ets start."), code="before_start")
    with transaction.atomic():
        # Created with its values, so the history's first row is the first lock, not an empty one.
        lock = MonthLock.objects.select_for_update().filter(network=network).first() or MonthLock(
            network=network
        )
        lock.locked_through = through
        lock.note = note[:300]
        lock.changed_by = user
        lock._history_user = user
        lock.save()
    return lock


def month_lock_clear(*, network: Network, user: User, note: str = "") -> None:
    """Unlock every month of the network; the unlock is kept in the lock's history."""
    with transaction.atomic():
        lock = MonthLock.objects.select_for_update().filter(network=network).first()
        if lock is None or lock.locked_through is None:
            return
        lock.locked_through = None
        lock.note = note[:300]
        lock.changed_by = user
        lock._history_user = user
        lock.save()


def month_lock_history(network: Network, *, limit: int = 20) -> list:
    """Who locked and unlocked which months when, newest first."""
    return list(
        MonthLock.history.filter(network_id=network.id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
