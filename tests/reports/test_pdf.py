"""The PDF: printed by headless Chromium from the report pages; every page readable, tagged, Danish,
a cover with "data pr.", page numbers, and each chart's numbers as a table."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from measures.charts import figures as charts
from measures.models import ChartResult
from reports.models import ReportSnapshot
from reports.services import report_snapshot_request

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def _reader(field) -> tuple[PdfReader, bytes]:
    with field.open("rb") as handle:
        body = handle.read()
    return PdfReader(io.BytesIO(body)), body


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture
def network_pdf(report_world):
    snapshot = report_snapshot_request(
        network=report_world.network,
        user=report_world.national_lead,
        format="pdf",
        seminar=report_world.seminar,
    )
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    return snapshot


def test_every_page_reads_tagged_in_danish_with_a_cover_and_tables(network_pdf, report_world):
    """One PDF (Chromium takes seconds to start), several properties: pages, tags, language,
    page numbers, the cover, and each chart's numbers as a table."""
    reader, _body = _reader(network_pdf.file_named)
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert page.extract_text().strip(), "an empty page"
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).lower().startswith("da")
    # Page numbers in the footer.
    assert f"Side 1 af {len(reader.pages)}" in reader.pages[0].extract_text()
    assert f"Side {len(reader.pages)} af {len(reader.pages)}" in reader.pages[-1].extract_text()
    _check_cover(network_pdf)
    _check_tables(network_pdf, report_world)


def test_pages_render_as_images(network_pdf):
    """pdftoppm (poppler) draws every page; the images are kept in test-artifacts/ to look at."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    reader, body = _reader(network_pdf.file_named)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "network-report.pdf"
    path.write_bytes(body)
    for old in ARTIFACTS.glob("network-report-page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(ARTIFACTS / "network-report-page")], check=True
    )
    images = sorted(ARTIFACTS.glob("network-report-page-*.png"))
    assert len(images) == len(reader.pages)
    # A page drawn as an image is not blank: more than a few kilobytes of PNG.
    assert all(image.stat().st_size > 3000 for image in images)


def _check_cover(network_pdf):
    reader, _ = _reader(network_pdf.file_named)
    cover = reader.pages[0].extract_text()
    assert "LKT Test" in cover
    assert "Læringsseminar 2" in cover
    assert "Data pr." in cover


def _check_tables(network_pdf, report_world):
    reader, _ = _reader(network_pdf.file_named)
    text = _text(reader)
    national = ChartResult.objects.get(scope=ChartResult.Scope.NATIONAL, indicator=report_world.indicator)
    rows = charts.table_rows(national.data)
    assert "Centerlinje" in text
    for row in rows[:3] + rows[-3:]:
        assert row["month"] in text
        # as the indicator's number of decimals writes it (52 with none, never 52,0)
        assert charts.format_value(row["y"], report_world.indicator.shown_decimals) in text


def _check_anonymised(network_pdf, report_world):
    named = _text(_reader(network_pdf.file_named)[0])
    anonymised = _text(_reader(network_pdf.file_anonymised)[0])
    for team in (report_world.team_a, report_world.team_b):
        assert team.name in named
        assert team.name not in anonymised
    assert "Team A" in anonymised
    assert "anonymiseret" in anonymised


def test_anonymised_file_and_identical_downloads(network_pdf, client_for, report_world):
    _check_anonymised(network_pdf, report_world)
    from django.urls import reverse

    client = client_for(report_world.national_lead)
    url = reverse("reports:snapshot-download", args=[network_pdf.uuid])
    first = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    with network_pdf.file_named.open("rb") as handle:
        stored = handle.read()
    assert first == second == stored
    import hashlib

    assert hashlib.sha256(first).hexdigest() == network_pdf.sha256_named


def test_a_team_report_pdf_has_the_teams_charts_and_their_tables(report_world):
    world = report_world
    snapshot = report_snapshot_request(
        network=world.network, user=world.data_entry, format="pdf", team=world.team_a
    )
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    reader, _ = _reader(snapshot.file_named)
    text = _text(reader)
    assert (
        world.team_a.name in reader.pages[0].extract_text()
        and "teamrapport" in reader.pages[0].extract_text().lower()
    )
    assert world.team_b.name not in text
    result = ChartResult.objects.get(
        scope=ChartResult.Scope.TEAM, team=world.team_a, indicator=world.indicator
    )
    for row in charts.table_rows(result.data)[:3]:
        assert row["month"] in text
    assert str(reader.trailer["/Root"]["/Lang"]).lower().startswith("da")
