"""The difference between two periods with a 95 % confidence interval (pure functions, no Django).

Two quantities, two named methods:

- A rate (events per person-time, e.g. prescriptions per 1,000 listed patients per year): the
  difference of two Poisson rates with the Wald interval, d = c2/T2 - c1/T1,
  se = sqrt(c1/T1^2 + c2/T2^2). Counts in general practice are large (hundreds per period), where the
  Wald interval is accurate; it treats each prescription as an independent event, so with
  overdispersion (patients with repeated prescriptions) the interval is somewhat too narrow.
- A share (e.g. penicillin V of all antibiotic prescriptions): the difference of two independent
  proportions with Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two
  Wilson score intervals; unlike the Wald interval it stays inside [-1, 1] and behaves with small
  counts and shares near 0 or 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

Z95: Final = 1.959963984540054

RATE_METHOD: Final = "wald_poisson_rate_difference"
SHARE_METHOD: Final = "newcombe_hybrid_score"


@dataclass(frozen=True, slots=True)
class Difference:
    before: float | None
    after: float | None
    difference: float | None
    lower: float | None
    upper: float | None
    method: str

    @property
    def is_significant(self) -> bool:
        """The interval excludes zero."""
        return self.lower is not None and self.upper is not None and (self.lower > 0 or self.upper < 0)


def wilson_interval(events: float, total: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion events/total."""
    if total <= 0:
        raise ValueError("total must be positive")
    p = events / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def share_difference(
    events_before: float,
    total_before: float,
    events_after: float,
    total_after: float,
    *,
    multiplier: float = 1.0,
    z: float = Z95,
) -> Difference:
    """after - before of two shares, with Newcombe's hybrid score interval, scaled by `multiplier` (100: %)."""
    if total_before <= 0 or total_after <= 0:
        before = events_before / total_before * multiplier if total_before > 0 else None
        after = events_after / total_after * multiplier if total_after > 0 else None
        return Difference(before, after, None, None, None, SHARE_METHOD)
    p1, p2 = events_before / total_before, events_after / total_after
    l1, u1 = wilson_interval(events_before, total_before, z)
    l2, u2 = wilson_interval(events_after, total_after, z)
    d = p2 - p1
    lower = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    m = multiplier
    return Difference(p1 * m, p2 * m, d * m, lower * m, upper * m, SHARE_METHOD)


def rate_difference(
    events_before: float,
    time_before: float,
    events_after: float,
    time_after: float,
    *,
    multiplier: float = 1.0,
    z: float = Z95,
) -> Difference:
    """after - before of two Poisson rates (events per unit of time x multiplier) with the Wald interval."""
    if time_before <= 0 or time_after <= 0:
        before = events_before / time_before * multiplier if time_before > 0 else None
        after = events_after / time_after * multiplier if time_after > 0 else None
        return Difference(before, after, None, None, None, RATE_METHOD)
    r1, r2 = events_before / time_before, events_after / time_after
    d = r2 - r1
    se = math.sqrt(events_before / time_before**2 + events_after / time_after**2)
    m = multiplier
    return Difference(r1 * m, r2 * m, d * m, (d - z * se) * m, (d + z * se) * m, RATE_METHOD)
