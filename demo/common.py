"""Helpers shared by the demo builders: months, seeded randomness, publishing, bulk measurements."""

import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from measures.models import Indicator, Measurement
from measures.services.definitions import indicator_publish


def rng_for(*parts: object) -> random.Random:
    """A random generator seeded by its purpose, so every series is the same on every run.

    crc32 rather than hash(): Python randomises string hashes per process.
    """
    return random.Random(zlib.crc32(":".join(str(part) for part in parts).encode()))


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


@dataclass
class Summary:
    """What one run created, for the closing report; a second run reports zeros."""

    created: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, count: int = 1) -> None:
        self.created[label] = self.created.get(label, 0) + count


def indicator_ensure(*, network, code: str, publish_by=None, published_at=None, **fields) -> Indicator:
    """Create the indicator once (natural key network + code); publish it as v1 if asked."""
    indicator, created = Indicator.objects.get_or_create(network=network, code=code, defaults=fields)
    if created and publish_by is not None:
        indicator_publish(
            indicator=indicator,
            user=publish_by,
            change_note="Første offentliggjorte definition.",
            published_at=published_at,
        )
        indicator.refresh_from_db()
    return indicator


def measurements_create_missing(rows: list[Measurement], *, summary: Summary) -> set[tuple[int, int]]:
    """Bulk-create the rows whose (team, indicator, month) is not stored yet, with history rows.

    Returns the (team_id, indicator_id) pairs that got new data, so only their charts are marked stale.
    """
    if not rows:
        return set()
    indicator_ids = {row.indicator_id for row in rows}
    existing = set(
        Measurement.objects.filter(indicator_id__in=indicator_ids).values_list(
            "team_id", "indicator_id", "period"
        )
    )
    new_rows = [row for row in rows if (row.team_id, row.indicator_id, row.period) not in existing]
    # bulk_create_with_history, not bulk_create: every write path must leave history.
    bulk_create_with_history(new_rows, Measurement, batch_size=500, default_change_reason="Demodata")
    summary.add("målinger", len(new_rows))
    return {(row.team_id, row.indicator_id) for row in new_rows}


def dec(value: float, places: int = 2) -> Decimal:
    return Decimal(str(round(value, places)))
