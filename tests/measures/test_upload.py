"""Uploading data files: Danish SPC format, long format, Excel, preview/confirm, all-or-nothing, no-op re-upload."""

import io
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from measures.models import Indicator, Measurement
from measures.services.entry import BulkValidationError, MeasurementRow, measurements_bulk_save
from measures.upload import parse_month_cell, parse_upload
from tests.base import publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(client, team, content: bytes, name="data.csv", indicator=""):
    url = reverse("measures:entry-upload", kwargs={"team_uuid": team.uuid})
    return client.post(url, {"file": SimpleUploadedFile(name, content), "indicator": indicator})


def confirm(client, team, preview):
    url = reverse("measures:entry-upload-confirm", kwargs={"team_uuid": team.uuid})
    return client.post(url, {"token": preview.context["token"]})


SPC_FILE = "Dato;Tæller;Nævner;Kommentarer\n01-01-2024;12;40;Første måned\n01-02-2024;15;41;\n01-03-2024;;;\n".encode(
    "iso-8859-1"
)


def test_it_imports_the_danish_spc_format_in_iso_8859_1_after_a_preview(world, client_for):
    client = client_for(world.data_entry)
    preview = upload(client, world.team_a, SPC_FILE, indicator="reassessed")
    assert preview.status_code == 200
    assert preview.context["created"] == 2 and preview.context["parsed"].skipped == 1
    assert not Measurement.objects.filter(indicator=world.count_indicator).exists()  # preview writes nothing
    response = confirm(client, world.team_a, preview)
    assert response.status_code == 302
    january = Measurement.objects.get(indicator=world.count_indicator, period=date(2024, 1, 1))
    assert (january.numerator, january.denominator, january.comment) == (12, 40, "Første måned")
    record = january.history.get()
    assert record.history_user == world.data_entry and record.history_change_reason == "upload"


def test_re_uploading_the_same_file_changes_nothing_and_adds_no_history(world, client_for):
    client = client_for(world.data_entry)
    first = upload(client, world.team_a, SPC_FILE, indicator="reassessed")
    assert 'class="entry-confirm"' in first.content.decode()  # the first upload offers to import
    confirm(client, world.team_a, first)
    history_before = Measurement.history.count()
    preview = upload(client, world.team_a, SPC_FILE, indicator="reassessed")
    assert (preview.context["created"], preview.context["changed"], preview.context["unchanged"]) == (0, 0, 2)
    # Nothing to import: no confirm form (and no token to post), the page says why.
    html = preview.content.decode()
    assert 'class="entry-confirm"' not in html and 'name="token"' not in html
    assert "Filen indeholder ingen ændringer i forhold til det, der allerede er gemt." in html
    result = measurements_bulk_save(
        team=world.team_a,
        rows=parse_upload(data=SPC_FILE, filename="x.csv", indicator_code="reassessed").rows,
        user=world.data_entry,
        source="upload",
    )
    assert (result.created, result.changed, result.unchanged) == (0, 0, 2)
    assert Measurement.history.count() == history_before


def test_a_file_with_one_bad_row_imports_nothing_and_names_that_row(world, client_for):
    content = (
        "Indikator;Måned;Tæller;Nævner\n"
        "reassessed;2024-01;12;40\n"
        "reassessed;2024-02;50;40\n"  # numerator above denominator for a proportion
        "reassessed;2024-03;1,5;40\n"  # not a whole number
        "ddd;2024-04;abc;1000\n"
    ).encode()
    response = upload(client_for(world.data_entry), world.team_a, content)
    assert response.status_code == 400
    errors = {(e.row_number, e.field) for e in response.context["errors"]}
    assert errors == {(3, "Tæller"), (4, "Tæller"), (5, "Tæller")}
    html = response.content.decode()
    assert "abc er ikke et tal" in html and "Intet er indlæst" in html
    assert not Measurement.objects.filter(indicator=world.count_indicator).exists()


def test_the_bulk_service_refuses_all_rows_when_one_is_bad(world):
    rows = [
        MeasurementRow("reassessed", date(2024, 1, 1), Decimal(1), Decimal(2), row_number=2),
        MeasurementRow("reassessed", date(2099, 1, 1), Decimal(1), Decimal(2), row_number=3),
        MeasurementRow("unknown", date(2024, 1, 1), Decimal(1), Decimal(2), row_number=4),
        MeasurementRow("reassessed", date(2024, 1, 1), Decimal(1), Decimal(3), row_number=5),
    ]
    with pytest.raises(BulkValidationError) as excinfo:
        measurements_bulk_save(team=world.team_a, rows=rows, user=world.data_entry, source="api")
    assert [e.row_number for e in excinfo.value.row_errors] == [3, 4, 5]
    assert not Measurement.objects.filter(indicator=world.count_indicator).exists()


def test_bulk_changes_are_kept_in_history_with_the_user(world):
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 1, 1))
    rows = [
        MeasurementRow(
            "ddd", date(2024, 1, 1), Decimal("615.5"), Decimal(1000), comment="rettet", row_number=2
        )
    ]
    result = measurements_bulk_save(team=world.team_a, rows=rows, user=world.team_lead, source="api")
    assert result.changed == 1
    m.refresh_from_db()
    assert m.numerator == Decimal("615.5") and m.version == 2 and m.entered_by == world.team_lead
    record = m.history.latest()
    assert (
        record.history_type == "~"
        and record.history_user == world.team_lead
        and record.numerator == Decimal("615.5")
    )


def test_a_value_changed_between_preview_and_confirm_is_not_overwritten(world, client_for):
    client = client_for(world.data_entry)
    content = "Indikator;Måned;Tæller;Nævner\nddd;2024-01;700;1000\n".encode()
    preview = upload(client, world.team_a, content)
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 1, 1))
    measurements_bulk_save(
        team=world.team_a,
        rows=[MeasurementRow("ddd", date(2024, 1, 1), Decimal(650), Decimal(1000))],
        user=world.team_lead,
        source="grid",
    )
    response = confirm(client, world.team_a, preview)
    assert response.status_code == 409
    m.refresh_from_db()
    assert m.numerator == 650


def test_the_long_format_is_read_from_excel(world, client_for):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indikator", "Måned", "Tæller", "Nævner", "Kommentar", "Intet at indberette"])
    sheet.append(["reassessed", date(2024, 1, 1), 10, 20, "", ""])
    sheet.append(["reassessed", "2024-02", None, None, "lukket afsnit", "ja"])
    sheet.append(["ddd", "jan. 2024", 612.5, 1000, None, None])
    out = io.BytesIO()
    workbook.save(out)
    client = client_for(world.data_entry)
    preview = upload(client, world.team_a, out.getvalue(), name="data.xlsx")
    assert preview.status_code == 200, preview.context.get("errors")
    assert (preview.context["created"], preview.context["changed"]) == (2, 1)
    confirm(client, world.team_a, preview)
    february = Measurement.objects.get(indicator=world.count_indicator, period=date(2024, 2, 1))
    assert february.nothing_to_report and february.comment == "lukket afsnit"
    assert Measurement.objects.get(indicator=world.indicator, period=date(2024, 1, 1)).numerator == Decimal(
        "612.5"
    )


def test_the_downloaded_template_uploads_back_without_changes(world, client_for):
    client = client_for(world.data_entry)
    url = reverse("measures:entry-template", kwargs={"team_uuid": world.team_a.uuid})
    csv_file = client.get(url)
    assert csv_file["Content-Type"].startswith("text/csv")
    assert csv_file.content.startswith("\ufeffIndikator;Måned;Tæller;Nævner".encode())
    preview = upload(client, world.team_a, csv_file.content)
    assert (preview.context["created"], preview.context["changed"], preview.context["unchanged"]) == (
        0,
        0,
        24,
    )
    xlsx = client.get(url + "?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value == "Indikator"
    preview = upload(client, world.team_a, xlsx.content, name="skabelon.xlsx")
    assert (preview.context["created"], preview.context["changed"], preview.context["unchanged"]) == (
        0,
        0,
        24,
    )


def test_a_viewer_cannot_upload(world, client_for):
    assert upload(client_for(world.viewer), world.team_a, SPC_FILE, indicator="reassessed").status_code == 403


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01", date(2024, 1, 1)),
        ("2024-01-15", date(2024, 1, 1)),
        ("15.01.2024", date(2024, 1, 1)),
        ("01-2024", date(2024, 1, 1)),
        ("jan. 2024", date(2024, 1, 1)),
        ("Marts 2024", date(2024, 3, 1)),
    ],
)
def test_it_reads_months_as_danish_files_write_them(text, expected):
    assert parse_month_cell(text) == expected


def test_an_upload_of_10000_rows_succeeds(world, client_for):
    network = world.network
    network.start_date = date(1990, 1, 1)
    network.save()
    codes = ["ddd", "reassessed"]
    for n in range(22):
        indicator = publish(
            Indicator.objects.create(
                network=network,
                code=f"i{n}",
                name=f"Indikator {n}",
                numerator_definition="Antal",
                order=10 + n,
            ),
            world.staff,
        )
        codes.append(indicator.code)
    months = [date(1990 + i // 12, i % 12 + 1, 1) for i in range(440)]
    rows = []
    for code in codes:
        for period in months:
            # Whole numbers with a denominator of 200, decimal comma for the indicators without one.
            value = (
                f"{(period.month * 7) % 90 + 10};200"
                if code in ("ddd", "reassessed")
                else f"{period.month},5;"
            )
            rows.append(f"{code};{period:%Y-%m};{value}")
    content = "\n".join(["Indikator;Måned;Tæller;Nævner", *rows[:10_000]]).encode()
    client = client_for(world.data_entry)
    started = time.perf_counter()
    preview = upload(client, world.team_a, content)
    assert preview.status_code == 200, preview.context["errors"][:5]
    response = confirm(client, world.team_a, preview)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    assert Measurement.objects.filter(team=world.team_a).count() == 10_000
    print(f"10,000-row upload (preview + confirm): {elapsed:.1f} s")
