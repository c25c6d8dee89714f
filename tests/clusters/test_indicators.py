"""Derived indicators (pure pandas): annualisation, the cluster's sums, shares, groups and windows."""

from datetime import date

import pandas as pd
import pytest

from clusters import indicators as ind

GROUPS = [
    ind.GroupDef("penv", "Penicillin V", ("J01CE02",), False, True),
    ind.GroupDef("ce", "Øvrige J01CE", ("J01CE",), False, False),
    ind.GroupDef("fq", "Fluorquinoloner", ("J01MA",), True, False),
]


def frame(rows):
    df = pd.DataFrame(rows, columns=ind.FRAME_COLUMNS)
    df["period"] = pd.to_datetime(df["period"])
    return ind.with_groups(df, GROUPS)


def test_longest_prefix_wins_and_unknown_codes_are_other():
    assert ind.group_of("J01CE02", GROUPS) == "penv"
    assert ind.group_of("J01CE01", GROUPS) == "ce"
    assert ind.group_of("J01XE01", GROUPS) == ind.OTHER_GROUP


def test_monthly_counts_are_annualised_by_twelve_and_quarters_by_four():
    monthly = frame(
        [
            ("practice", 1, None, "2025-01-01", 1, "J01CE02", 30, 3000),
            ("practice", 1, None, "2025-01-01", 1, "J01MA02", 10, 3000),
        ]
    )
    table = ind.summary(monthly)
    # 40 prescriptions in one month for 3,000 patients: 40 / (3000 x 1/12) x 1000 = 160 per 1,000 per year.
    assert table.at["practice:1", "rate"] == pytest.approx(160)
    assert table.at["practice:1", "narrow_share"] == pytest.approx(0.75)
    assert table.at["practice:1", "critical_share"] == pytest.approx(0.25)
    quarterly = frame([("practice", 1, None, "2025-01-01", 3, "J01CE02", 120, 3000)])
    assert ind.summary(quarterly).at["practice:1", "rate"] == pytest.approx(160)


def test_the_cluster_sums_practices_and_counts_listed_patients_once_per_period():
    rows = []
    for month in ("2025-01-01", "2025-02-01"):
        rows += [
            ("practice", 1, None, month, 1, "J01CE02", 20, 1200),
            ("practice", 1, None, month, 1, "J01MA02", 5, 1200),
            ("practice", 2, None, month, 1, "J01CE02", 10, 2400),
            ("prescriber", 1, 7, month, 1, "J01CE02", 20, None),
            ("region", None, None, month, 1, "J01CE02", 1000, 100000),
        ]
    table = ind.summary(frame(rows))
    # Cluster: 70 prescriptions over (1200 + 2400) x 2/12 = 600 person-years -> 116.67 per 1,000.
    assert table.at["cluster", "person_years"] == pytest.approx(600)
    assert table.at["cluster", "rate"] == pytest.approx(70 / 600 * 1000)
    assert table.at["practice:1", "rate"] == pytest.approx(50 / 200 * 1000)
    assert table.at["region", "rate"] == pytest.approx(2000 / (100000 * 2 / 12) * 1000)
    assert pd.isna(table.at["prescriber:7", "person_years"])  # patients are listed with the practice
    assert table.at["prescriber:7", "narrow_share"] == 1.0
    series = ind.monthly(frame(rows))
    cluster = series[series["unit"] == "cluster"]
    assert list(cluster["person_years"]) == pytest.approx([300, 300])


def test_windows_never_compare_winter_with_summer():
    same = ind.comparison_windows(
        method="same_months", meeting_month=date(2025, 3, 1), last_month=date(2025, 10, 1)
    )
    assert (same.before_first, same.before_last, same.after_first, same.after_last) == (
        date(2024, 4, 1),
        date(2024, 10, 1),
        date(2025, 4, 1),
        date(2025, 10, 1),
    )
    rolling = ind.comparison_windows(
        method="rolling_12", meeting_month=date(2025, 3, 1), last_month=date(2025, 10, 1)
    )
    assert (rolling.before_first, rolling.before_last, rolling.after_first, rolling.after_last) == (
        date(2023, 11, 1),
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2025, 10, 1),
    )
    assert (
        ind.comparison_windows(
            method="same_months", meeting_month=date(2025, 10, 1), last_month=date(2025, 10, 1)
        )
        is None
    )
