"""Derived indicators of a data extract, with pandas (pure functions: DataFrames in, DataFrames out).

The frame has one row per extract row: scope, practice_id, prescriber_id, period (Timestamp, first day),
months (1 or 3), atc_code, prescriptions, listed_patients.

**Annualisation.** A unit's rate over a window is

    prescriptions per 1,000 listed patients per year = sum(prescriptions) / sum(listed x months / 12) x 1,000

where `listed` is the unit's listed patients in each month (or quarter) of the window: a month's count is
in effect multiplied by 12 and a quarter's by 4, and a window of several periods weighs each period by
its population. A cluster's rate sums its practices' prescriptions and person-years. Rates are crude:
not standardised for the age and sex of the listed patients (every chart says so).

**Shares** (per prescriber, practice or cluster) are within the unit's own J01 prescriptions: the share
of penicillin V and of the critically important groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

OTHER_GROUP = "_other"
FRAME_COLUMNS = [
    "scope",
    "practice_id",
    "prescriber_id",
    "period",
    "months",
    "atc_code",
    "prescriptions",
    "listed_patients",
]


@dataclass(frozen=True)
class GroupDef:
    code: str
    name: str
    prefixes: tuple[str, ...]
    critical: bool
    narrow: bool


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=FRAME_COLUMNS)


def group_of(atc_code: str, groups: list[GroupDef]) -> str:
    """The group with the longest ATC prefix matching the code; OTHER_GROUP when none matches."""
    best, best_length = OTHER_GROUP, -1
    for group in groups:
        for prefix in group.prefixes:
            if atc_code.startswith(prefix) and len(prefix) > best_length:
                best, best_length = group.code, len(prefix)
    return best


def with_groups(frame: pd.DataFrame, groups: list[GroupDef]) -> pd.DataFrame:
    """The frame with `group`, `critical` and `narrow` columns (one lookup per distinct ATC code)."""
    frame = frame.copy()
    mapping = {code: group_of(code, groups) for code in frame["atc_code"].unique()}
    frame["group"] = frame["atc_code"].map(mapping)
    critical = {g.code for g in groups if g.critical}
    narrow = {g.code for g in groups if g.narrow}
    frame["critical"] = frame["group"].isin(critical)
    frame["narrow"] = frame["group"].isin(narrow)
    return frame


def in_window(frame: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Rows whose period starts within [first, last] (months as first days)."""
    periods = frame["period"]
    return frame[(periods >= pd.Timestamp(first)) & (periods <= pd.Timestamp(last))]


def unit_key(frame: pd.DataFrame) -> pd.Series:
    """One key per unit: 'practice:12', 'prescriber:7', 'region', 'country'."""
    key = frame["scope"].astype(str)
    practice = frame["scope"] == "practice"
    prescriber = frame["scope"] == "prescriber"
    key = key.where(~practice, "practice:" + frame["practice_id"].astype("Int64").astype(str))
    key = key.where(~prescriber, "prescriber:" + frame["prescriber_id"].astype("Int64").astype(str))
    return key


def _with_units(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with a `unit` key, plus the practice rows again as the unit 'cluster'."""
    frame = frame.assign(unit=unit_key(frame))
    cluster = frame[frame["scope"] == "practice"].assign(unit="cluster")
    frame = pd.concat([frame, cluster], ignore_index=True)
    prescriptions = frame["prescriptions"].astype(float)
    return frame.assign(
        p=prescriptions,
        n=prescriptions.where(frame["narrow"].astype(bool), 0.0),
        c=prescriptions.where(frame["critical"].astype(bool), 0.0),
    )


def _person_years(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    """Person-years: each practice's (region's, country's) listed patients once per period, as they repeat
    on every ATC row; the cluster unit sums its practices."""
    listed = frame.dropna(subset=["listed_patients"]).drop_duplicates(["unit", "practice_id", "period"])
    years = listed["listed_patients"].astype(float) * listed["months"].astype(float) / 12
    return years.groupby([listed[column] for column in by]).sum()


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    table = table.rename(columns={"p": "prescriptions", "n": "narrow", "c": "critical"})
    table["rate"] = table["prescriptions"] / table["person_years"] * 1000
    total = table["prescriptions"].where(table["prescriptions"] > 0)
    table["narrow_share"] = table["narrow"] / total
    table["critical_share"] = table["critical"] / total
    return table


SUMMARY_COLUMNS = [
    "prescriptions",
    "narrow",
    "critical",
    "person_years",
    "rate",
    "narrow_share",
    "critical_share",
]


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per unit (index 'practice:12', 'prescriber:7', 'cluster', 'region', 'country'): prescriptions,
    person_years, rate (per 1,000 listed patients per year), narrow, critical and their shares."""
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    frame = _with_units(frame)
    table = frame.groupby("unit")[["p", "n", "c"]].sum()
    table["person_years"] = _person_years(frame, ["unit"]).reindex(table.index)
    return _finish(table)


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Per unit and period (columns unit, period, ...): the run chart series."""
    if frame.empty:
        return pd.DataFrame(columns=["unit", "period", *SUMMARY_COLUMNS])
    frame = _with_units(frame)
    table = frame.groupby(["unit", "period"])[["p", "n", "c"]].sum()
    table["person_years"] = _person_years(frame, ["unit", "period"]).reindex(table.index)
    return _finish(table).reset_index()


def group_mix(frame: pd.DataFrame) -> pd.DataFrame:
    """Unit x group: the share of the unit's J01 prescriptions in each group (rows sum to 1)."""
    if frame.empty:
        return pd.DataFrame()
    frame = _with_units(frame)
    pivot = frame.pivot_table(
        index="unit", columns="group", values="prescriptions", aggfunc="sum", fill_value=0
    ).astype(float)
    return pivot.div(pivot.sum(axis=1).where(lambda s: s > 0), axis=0)


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Windows:
    """The two periods of a before/after comparison (first days of their first and last months)."""

    before_first: date
    before_last: date
    after_first: date
    after_last: date
    method: str


def comparison_windows(*, method: str, meeting_month: date, last_month: date) -> Windows | None:
    """Two windows that never compare winter with summer.

    same_months: after = the months from the month after the first meeting to the last month of data;
    before = the same calendar months one year earlier.
    rolling_12: after = the 12 months up to the last month of data; before = the 12 months before those.
    None when the data end before there is anything after the meeting.
    """
    if method == "rolling_12":
        after_first = month_add(last_month, -11)
        return Windows(
            month_add(after_first, -12), month_add(last_month, -12), after_first, last_month, method
        )
    after_first = month_add(meeting_month, 1)
    if after_first > last_month:
        return None
    # At most 12 months after, so the before window never overlaps it.
    after_first = max(after_first, month_add(last_month, -11))
    return Windows(month_add(after_first, -12), month_add(last_month, -12), after_first, last_month, method)


def rolling_12(series: pd.DataFrame) -> pd.DataFrame:
    """Per unit: 12-month rolling sums of prescriptions, narrow, critical and person-years, and the rates."""
    out = []
    for unit, group in series.sort_values("period").groupby("unit"):
        group = group.set_index("period")
        rolled = (
            group[["prescriptions", "narrow", "critical", "person_years"]].rolling(12, min_periods=12).sum()
        )
        rolled["rate"] = rolled["prescriptions"] / rolled["person_years"] * 1000
        rolled["narrow_share"] = rolled["narrow"] / rolled["prescriptions"]
        rolled["critical_share"] = rolled["critical"] / rolled["prescriptions"]
        rolled["unit"] = unit
        out.append(rolled.dropna(subset=["prescriptions"]).reset_index())
    return pd.concat(out, ignore_index=True) if out else series.iloc[0:0]
