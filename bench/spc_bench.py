"""Benchmark of the SPC engine (no Django needed).

    .venv/bin/python bench/spc_bench.py

Prints charts per second for run, i, p and u charts of 36 points, computed
one at a time (``compute_chart``) and in batches of 100 and 10,000
(``run_batch``), then peak memory.  Timings are the median of a few
repetitions; the whole script runs in well under a minute.
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
# qicharts2 0.8.1 on the reference VM, computation only (return.data = TRUE)
QICHARTS2_MS = {"run": 27.7, "p": 28.2}


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
        f"{'chart':<6}{'single/s':>12}{'batch 100/s':>14}{'batch 10k/s':>14}{'ms/chart (single)':>20}{'vs qicharts2':>14}"
    )
    for chart in CHARTS:
        single = bench_single(chart, 300)
        b100 = bench_batch(chart, 100, 10_000)
        b10k = bench_batch(chart, 10_000, 10_000)
        ref = QICHARTS2_MS.get(chart)
        speedup = f"x{ref / (1000 / single):.0f}" if ref else "-"
        print(f"{chart:<6}{single:>12,.0f}{b100:>14,.0f}{b10k:>14,.0f}{1000 / single:>20.3f}{speedup:>14}")
    print()
    print("peak memory traced by tracemalloc for one batch of 10,000 charts:")
    for chart in CHARTS:
        print(f"  {chart:<4} {peak_batch_memory(chart, 10_000):8.1f} MiB")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"process peak RSS (ru_maxrss): {maxrss / 1024:.1f} MiB")
    print(f"total benchmark time: {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
