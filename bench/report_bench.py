"""Benchmark of the seminar reports: the network report for 24 and for 60 teams, as PDF and as PPTX.

    .venv/bin/python bench/report_bench.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reportbench .venv/bin/python bench/report_bench.py

Each network has 4 published indicators (two p charts, two run charts) and a stored 30-month chart
result per team and indicator plus the national ones; peers are anonymised, so every report is two
files (with names, and anonymised). Printed per size and format: the time to generate the
snapshot (both files), the pages/slides and the file size, and the ratio to a floor measured in the
same run: for PDF, Chromium starting and printing a one-line page; for PPTX, python-pptx writing
one slide with one native chart, times the number of charts in the report.
"""

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

INDICATORS = 4
MONTHS = 30


def build(n_teams: int):
    from bench.stored_charts import network_with_stored_charts

    built = network_with_stored_charts(
        slug=f"report-bench-{n_teams}",
        name=f"LKT Bench {n_teams}",
        n_teams=n_teams,
        n_indicators=INDICATORS,
        months=MONTHS,
        team_name="Forbedringsteam {i}",
        counts=True,  # for the funnels of the p indicators
    )
    return built.network, built.lead


def pdf_floor() -> float:
    from reports.pdf import html_to_pdf

    start = time.perf_counter()
    html_to_pdf('<!DOCTYPE html><html lang="da"><body><p>Gulv</p></body></html>')
    return time.perf_counter() - start


def pptx_floor_per_chart() -> float:
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    runs = 5
    start = time.perf_counter()
    for _ in range(runs):
        prs = Presentation()
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        data = CategoryChartData()
        data.categories = [str(m) for m in range(MONTHS)]
        data.add_series("Måling", [float(m) for m in range(MONTHS)])
        slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, 0, 0, Inches(6), Inches(4), data)
        prs.save(io.BytesIO())
    return (time.perf_counter() - start) / runs


def generate(network, lead, fmt: str):
    from pptx import Presentation
    from pypdf import PdfReader

    from reports.models import ReportSnapshot
    from reports.services import report_snapshot_generate

    snapshot = ReportSnapshot.objects.create(
        network=network, kind="network", format=fmt, requested_by=lead, has_anonymised=True
    )
    start = time.perf_counter()
    snapshot = report_snapshot_generate(snapshot_id=snapshot.id)
    seconds = time.perf_counter() - start
    assert snapshot.status == "done", snapshot.error
    with snapshot.file_named.open("rb") as handle:
        body = handle.read()
    if fmt == "pdf":
        units = len(PdfReader(io.BytesIO(body)).pages)
        charts = 0
    else:
        prs = Presentation(io.BytesIO(body))
        units = len(prs.slides)
        charts = sum(1 for slide in prs.slides for shape in slide.shapes if shape.has_chart)
    return seconds, units, len(body), charts


def main() -> None:
    import tempfile

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="report-bench-")):
            floor_pdf = pdf_floor()
            floor_chart = pptx_floor_per_chart()
            print(
                f"database: {connection.vendor}; {INDICATORS} indicators, {MONTHS} months; two files per report"
            )
            print(
                f"floors: Chromium start + one-line PDF {floor_pdf:.2f} s; one native chart slide {floor_chart * 1000:.0f} ms"
            )
            print(
                f"{'teams':>6} {'format':>6} {'seconds':>8} {'pages/slides':>13} {'charts':>7} {'size':>9} {'x floor':>8}"
            )
            for n_teams in (24, 60):
                network, lead = build(n_teams)
                for fmt in ("pdf", "pptx"):
                    seconds, units, size, charts = generate(network, lead, fmt)
                    # Both files: the PDF floor is two browser runs; the PPTX floor two decks of charts.
                    floor = 2 * floor_pdf if fmt == "pdf" else 2 * charts * floor_chart
                    print(
                        f"{n_teams:>6} {fmt:>6} {seconds:>8.2f} {units:>13} {charts:>7} "
                        f"{size / 1024:>7.0f} kB {seconds / floor:>8.2f}"
                    )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
