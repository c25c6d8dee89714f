"""Benchmark of the cluster meeting figures: parsing a demo-size extract file and the pandas indicators.

    .venv/bin/python bench/clusters_bench.py

A cluster of 10 practices and 32 prescribers, 24 months, 15 ATC codes (about 17,000 rows, the size of
the demo extract). Prints seconds for parsing the CSV (clusters.upload.parse_extract), for the
indicators of the meeting page (summary, monthly series and group mix) and, as the floor measured in the
same run, a plain numpy group-sum over the same rows; the ratio says what pandas and the labelling cost.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from clusters import indicators as ind  # noqa: E402
from clusters.defaults import DEFAULT_GROUPS  # noqa: E402
from clusters.upload import COLUMNS, parse_extract  # noqa: E402

CODES = [
    "J01CE02",
    "J01CA08",
    "J01CA04",
    "J01CR02",
    "J01FA01",
    "J01FA09",
    "J01FA10",
    "J01MA02",
    "J01DC02",
    "J01XE01",
    "J01EA01",
    "J01AA02",
    "J01CF01",
    "J01XX05",
    "J01CE01",
]


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(1)
    lines = [";".join(COLUMNS)]
    rows = []
    for practice in range(10):
        for month in range(24):
            period = f"{2024 + month // 12}-{month % 12 + 1:02d}"
            for code in CODES:
                total = 0
                for doctor in range(3 + practice % 2):
                    count = int(rng.poisson(8))
                    total += count
                    lines.append(
                        f"Behandler;{practice:06d};Praksis {practice};{practice}-{doctor};Læge {doctor};{period};{code};{count};;"
                    )
                    rows.append(
                        ("prescriber", practice, practice * 10 + doctor, f"{period}-01", 1, code, count, None)
                    )
                lines.append(f"Praksis;{practice:06d};Praksis {practice};;;{period};{code};{total};;3000")
                rows.append(("practice", practice, None, f"{period}-01", 1, code, total, 3000))
    data = ("\n".join(lines) + "\n").encode()
    parse_seconds = best(lambda: parse_extract(data=data, filename="x.csv"), repeat=3)
    groups = [
        ind.GroupDef(code.lower(), name, tuple(p.split(",")), critical, narrow)
        for code, name, p, critical, narrow in DEFAULT_GROUPS
    ]
    frame = pd.DataFrame(rows, columns=ind.FRAME_COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"])
    grouped = ind.with_groups(frame, groups)

    def indicators() -> None:
        ind.summary(grouped)
        ind.monthly(grouped)
        ind.group_mix(grouped)

    indicator_seconds = best(indicators)
    keys = pd.factorize(grouped["practice_id"].astype(str) + grouped["period"].astype(str))[0]
    values = grouped["prescriptions"].to_numpy(dtype=float)
    floor_seconds = best(lambda: np.bincount(keys, weights=values))
    print(f"rows: {len(rows):,} ({len(data) / 1e6:.1f} MB CSV)")
    print(f"parse + validate CSV: {parse_seconds:.3f} s ({len(rows) / parse_seconds:,.0f} rows/s)")
    print(f"meeting indicators (summary, monthly, mix): {indicator_seconds * 1000:.1f} ms")
    print(
        f"floor (numpy group-sum of the same rows): {floor_seconds * 1000:.2f} ms; ratio {indicator_seconds / floor_seconds:,.0f}x"
    )


if __name__ == "__main__":
    main()
