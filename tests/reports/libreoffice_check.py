"""LibreOffice round trip of the slides (`make libreoffice-check`; not part of `make test`).

Impress opens the .pptx headless and converts it to PDF: a file it cannot read, or one it would
have to repair, gives no PDF or fewer pages than slides. The pages are kept as PNG images in
test-artifacts/reports/ to look at. The file name does not match test_*.py on purpose: pytest
collects it only when named on the command line.
"""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from reports.models import ReportSnapshot
from reports.services import report_snapshot_request

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def test_impress_converts_every_slide(funnel_world, tmp_path):
    assert Path(SOFFICE).exists(), "LibreOffice (soffice) is not installed"
    world = funnel_world
    snapshot = report_snapshot_request(network=world.network, user=world.national_lead, format="pptx")
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for field, name in (
        (snapshot.file_named, "slides-named"),
        (snapshot.file_anonymised, "slides-anonymised"),
    ):
        with field.open("rb") as handle:
            body = handle.read()
        source = ARTIFACTS / f"{name}.pptx"
        source.write_bytes(body)
        n_slides = len(Presentation(io.BytesIO(body)).slides)
        result = subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(ARTIFACTS),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        pdf = ARTIFACTS / f"{name}.pdf"
        assert result.returncode == 0 and pdf.exists(), result.stderr
        assert len(PdfReader(pdf).pages) == n_slides
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(ARTIFACTS / name)], check=True)
