"""Benchmark of the SPC engine (no Django needed).

    .venv/bin/python bench/spc_bench.py

Prints charts per second for run, i, p and u charts of 36 points, computed
one at a time (``compute_chart``) and in batches of 100 and 10,000
(``run_batch``), the cost per chart as a ratio to a floor measured in the same
run (arrays and one nanmedian per chart), then peak memory.  qicharts2's times
are printed as labelled reference constants, not as a ratio.  Timings are the
median of a few repetitions; the whole script runs in well under a minute.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measures.spc import ENGINE_VERSION, compute_chart, run_batch  # noqa: E402

POINTS = 36
CHARTS = ("run", "i", "p", "u")
# qicharts2 0.8.1 (R), computation only (return.data = TRUE), ms per chart of 36 points: measured
# once, on the VM the engine was first written on, NOT in this run. Printed as reference constants;
# a ratio to this run's numbers would mix two machines.
QICHARTS2_REFERENCE_MS = {"run": 27.7, "p": 28.2}


def make_data(chart: str, batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(seed)
    if chart == "p":
        n = rng.integers(20, 200, (batch, POINTS)).astype(float)
        y = rng.binomial(n.astype(int), 0.7).astype(float)
    elif chart == "u":
        n = np.round(rng.uniform(40, 60, (batch, POINTS)), 2)
        y = rng.poisson(n * 80).astype(float)
    else:
        n = None
        y = np.round(rng.normal(50, 5, (batch, POINTS)), 1)
    y[rng.random((batch, POINTS)) < 0.03] = np.nan  # a few gaps
    return y, n


def timed(fn: Callable[[], object], reps: int) -> float:
    """Median wall time of ``reps`` calls, in seconds."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_single(chart: str, count: int) -> float:
    ys, ns = make_data(chart, count)
    x = list(range(1, POINTS + 1))
    rows = [(ys[i].tolist(), None if ns is None else ns[i].tolist()) for i in range(count)]

    def run() -> None:
        for y, n in rows:
            compute_chart(chart, x, y, n)

    return count / timed(run, 3)


def bench_floor(chart: str, count: int) -> float:
    """The floor, in this run: per chart, only turn the lists into arrays and take one nanmedian
    (the least any chart of these points costs). Charts per second."""
    ys, ns = make_data(chart, count)
    rows = [(ys[i].tolist(), None if ns is None else ns[i].tolist()) for i in range(count)]

    def run() -> None:
        for y, n in rows:
            values = np.asarray(y, dtype=float)
            if n is not None:
                values = values / np.asarray(n, dtype=float)
            np.nanmedian(values)

    return count / timed(run, 3)


def bench_batch(chart: str, batch: int, total: int) -> float:
    ys, ns = make_data(chart, batch)
    loops = max(1, total // batch)

    def run() -> None:
        for _ in range(loops):
            run_batch(ys, ns, chart)

    run_batch(ys, ns, chart)  # warm caches (Anhøj limits, lookup tables)
    return loops * batch / timed(run, 3)


def peak_batch_memory(chart: str, batch: int) -> float:
    ys, ns = make_data(chart, batch)
    tracemalloc.start()
    run_batch(ys, ns, chart)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    t_start = time.perf_counter()
    print(
        f"SPC engine {ENGINE_VERSION}: charts of {POINTS} points, numpy {np.__version__}, python {sys.version.split()[0]}"
    )
    print(
        f"{'chart':<6}{'single/s':>12}{'batch 100/s':>14}{'batch 10k/s':>14}{'ms/chart (single)':>20}"
        f"{'single / floor':>16}{'batch 10k / floor':>19}"
    )
    for chart in CHARTS:
        single = bench_single(chart, 300)
        b100 = bench_batch(chart, 100, 10_000)
        b10k = bench_batch(chart, 10_000, 10_000)
        floor = bench_floor(chart, 300)
        # Cost ratios (time per chart over the floor's time per chart), both measured in this run.
        print(
            f"{chart:<6}{single:>12,.0f}{b100:>14,.0f}{b10k:>14,.0f}{1000 / single:>20.3f}"
            f"{floor / single:>16.1f}{floor / b10k:>19.2f}"
        )
    print()
    print("reference, not measured in this run: qicharts2 0.8.1 (R) on the first development VM, ms/chart:")
    for chart, ms in QICHARTS2_REFERENCE_MS.items():
        print(f"  {chart:<4} {ms:6.1f}")
    print()
    print("peak memory traced by tracemalloc for one batch of 10,000 charts:")
    for chart in CHARTS:
        print(f"  {chart:<4} {peak_batch_memory(chart, 10_000):8.1f} MiB")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"process peak RSS (ru_maxrss): {maxrss / 1024:.1f} MiB")
    print(f"total benchmark time: {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
