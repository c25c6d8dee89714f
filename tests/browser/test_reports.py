"""The project lead's journey in a real browser: order the seminar's PDF and slides with the data
locked, see progress and the result, download, and get the same bytes again a month later."""

import hashlib
import re
from datetime import date
from decimal import Decimal

import pytest

from measures.charts import chart_results_recompute_stale
from measures.models import Measurement, MonthLock
from reports.models import ReportSnapshot
from tests.base import build_world
from tests.seminars.helpers import make_seminar

from .conftest import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_project_lead_makes_the_seminars_pdf_and_slides(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    levels = [40, 42, 41, 39, 43, 40, 44, 41, 42, 40, 39, 41, 40, 42, 38, 41, 43, 40, 39, 42, 41, 40, 42, 39]
    Measurement.objects.bulk_create(
        Measurement(
            team=world.team_b,
            indicator=world.indicator,
            period=period,
            numerator=Decimal(level * 10),
            denominator=Decimal(1000),
            indicator_version=1,
        )
        for period, level in zip(world.months, levels, strict=True)
    )
    chart_results_recompute_stale(network=world.network)
    seminar = make_seminar(world.network, days=14, title="Læringsseminar 2", number=2)
    base = page.lkt_base

    login(page, "national-lead")
    page.goto(f"{base}/lkt/{world.network.slug}/")
    page.get_by_role("link", name="Rapporter og data").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Rapporter til seminarer").is_visible()
    screenshot(page, "reports-1-page")
    assert axe_violations(page) == []

    # The PDF for the seminar, approving the data up to December 2025 in the same step.
    form = page.locator("form[data-generate]").first
    form.get_by_label("PDF").check()
    form.get_by_label("Til seminar").select_option(str(seminar.uuid))
    form.get_by_label("Godkend data: lås månederne til og med").check()
    form.get_by_label("Sidste låste måned").select_option("2025-12-01")
    form.get_by_role("button", name="Lav rapport").click()
    # In the embedded mode the report is made inside the request; the button says so meanwhile.
    page.wait_for_url("**/rapporter/*/", timeout=120_000)
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Rapporten er klar.").is_visible()
    screenshot(page, "reports-2-pdf-ready")
    assert axe_violations(page) == []
    assert MonthLock.objects.get(network=world.network).locked_through == date(2025, 12, 1)

    with page.expect_download() as first_download:
        page.get_by_role("link", name="Hent filen med teamnavne (projektledelsen)").click()
    first = open(first_download.value.path(), "rb").read()  # noqa: SIM115 - read once
    assert first[:5] == b"%PDF-"
    with page.expect_download() as anonymised_download:
        page.get_by_role("link", name="Hent den anonymiserede fil (til teams)").click()
    assert anonymised_download.value.suggested_filename.endswith("-anonymiseret.pdf")

    # The slides, then the list on the seminar's page.
    page.get_by_role("link", name="Alle rapporter").click()
    form = page.locator("form[data-generate]").first
    form.get_by_label("PowerPoint").check()
    form.get_by_label("Til seminar").select_option(str(seminar.uuid))
    form.get_by_role("button", name="Lav rapport").click()
    page.wait_for_url("**/rapporter/*/", timeout=120_000)
    assert page.get_by_text("Rapporten er klar.").is_visible()
    page.goto(f"{base}/seminarer/{seminar.uuid}/")
    assert page.get_by_role("heading", name="Rapporter til seminaret").is_visible()
    assert page.locator(".lkt-snapshots tbody tr").count() == 2
    screenshot(page, "reports-3-seminar")

    # Data change after the report (a late first entry, allowed in the locked month): the stored
    # snapshot still downloads byte for byte.
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.count_indicator,
        period=date(2025, 6, 1),
        numerator=5,
        denominator=10,
        indicator_version=1,
        entered_after_lock=True,
    )
    snapshot = ReportSnapshot.objects.filter(format="pdf").get()
    page.goto(f"{base}/rapporter/{snapshot.uuid}/")
    with page.expect_download() as again:
        page.get_by_role("link", name="Hent filen med teamnavne (projektledelsen)").click()
    second = open(again.value.path(), "rb").read()  # noqa: SIM115
    assert hashlib.sha256(second).hexdigest() == hashlib.sha256(first).hexdigest() == snapshot.sha256_named
    # A download ends its navigation in Chromium as net::ERR_ABORTED; every other error counts.
    assert [
        e
        for e in page.lkt_errors
        if not re.match(r"request failed: .*/hent/(anonymiseret/)? \(net::ERR_ABORTED\)$", e)
    ] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_follows_the_worker_and_the_page_shows_the_result(page, settings, tmp_path):
    """With a broker the report is made by the worker: the page polls and its bar moves."""
    from reports.services import report_snapshot_generate

    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    chart_results_recompute_stale(network=world.network)
    snapshot = ReportSnapshot.objects.create(
        network=world.network,
        kind="network",
        format="pptx",
        requested_by=world.national_lead,
        has_anonymised=True,
        progress_text="I kø",
    )
    login(page, "national-lead")
    page.goto(f"{page.lkt_base}/rapporter/{snapshot.uuid}/")
    bar = page.locator("progress[data-progress]")
    assert bar.get_attribute("value") == "0"
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(
        status="running", progress=45, progress_text="Laver dias"
    )
    page.wait_for_function(
        "() => document.querySelector('progress[data-progress]').value === 45", timeout=10_000
    )
    assert page.get_by_text("Laver dias").is_visible()
    screenshot(page, "reports-4-progress")
    assert axe_violations(page) == []
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(status="queued")
    report_snapshot_generate(snapshot_id=snapshot.id)
    page.wait_for_selector("text=Rapporten er klar.", timeout=10_000)
    # A download ends its navigation in Chromium as net::ERR_ABORTED; every other error counts.
    assert [
        e
        for e in page.lkt_errors
        if not re.match(r"request failed: .*/hent/(anonymiseret/)? \(net::ERR_ABORTED\)$", e)
    ] == []
