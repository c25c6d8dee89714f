"""The workbook embedded in each PowerPoint chart ("Rediger data") runs no formula: text is text.

XlsxWriter, which python-pptx uses, writes a string starting with "=" as a formula; the report's
chart data writes every string as a string and quote-prefixes the ones a spreadsheet would run.
"""

import io

import openpyxl
import pytest
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from reports.chart_workbook import TextCategoryChartData, TextXyChartData
from reports.models import ReportSnapshot
from reports.services import report_snapshot_request

EVIL = '=HYPERLINK("http://evil.example","Klik")'
TEXTS = [EVIL, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "http://evil.example", "jan. 2025"]


def _workbooks(prs: Presentation) -> list[openpyxl.Workbook]:
    return [
        openpyxl.load_workbook(io.BytesIO(shape.chart.part.chart_workbook.xlsx_part.blob))
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart
    ]


def _cells(workbook: openpyxl.Workbook) -> list:
    return [cell for row in workbook.active.iter_rows() for cell in row if cell.value is not None]


def _presentation(chart_data, chart_type) -> Presentation:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_chart(chart_type, Inches(0), Inches(0), Inches(6), Inches(4), chart_data)
    buffer = io.BytesIO()
    prs.save(buffer)
    return Presentation(io.BytesIO(buffer.getvalue()))


def _category_chart(data_class) -> Presentation:
    chart_data = data_class(number_format="#,##0.0")
    chart_data.categories = TEXTS
    chart_data.add_series(EVIL, [1.0, 2.0, None, 4.0, 5.0, 6.0])
    return _presentation(chart_data, XL_CHART_TYPE.LINE_MARKERS)


def test_the_plain_writer_would_make_a_formula():
    """The control: without our chart data the same text becomes a live formula in the workbook."""
    (workbook,) = _workbooks(_category_chart(CategoryChartData))
    assert any(cell.data_type == "f" for cell in _cells(workbook))


def test_category_chart_text_is_stored_as_quoted_text():
    (workbook,) = _workbooks(_category_chart(TextCategoryChartData))
    cells = _cells(workbook)
    texts = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    assert set(texts) == set(TEXTS)  # shown as typed, nothing added or lost
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    for text, cell in texts.items():
        assert cell.data_type == "s", text
        assert cell.quotePrefix == text.startswith(("=", "+", "-", "@")), text
    assert not [cell.coordinate for cell in cells if cell.hyperlink is not None]
    # The numbers stay numbers.
    assert [c.value for c in cells if isinstance(c.value, float | int)] == [1, 2, 4, 5, 6]


def test_xy_chart_series_names_are_stored_as_text():
    chart_data = TextXyChartData(number_format="#,##0.0")
    series = chart_data.add_series(EVIL)
    series.add_data_point(100, 0.5)
    (workbook,) = _workbooks(_presentation(chart_data, XL_CHART_TYPE.XY_SCATTER))
    cells = _cells(workbook)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    name = next(cell for cell in cells if cell.value == EVIL)
    assert name.data_type == "s" and name.quotePrefix


@pytest.mark.django_db(transaction=True)
def test_a_report_with_formula_names_embeds_no_formula(report_world):
    """A whole report, with staff-entered names that look like formulas, opened workbook by workbook."""
    world = report_world
    world.team_b.name = EVIL
    world.team_b.save(update_fields=["name"])
    world.indicator.name = "=1+1"
    world.indicator.save(update_fields=["name"])
    snapshot = report_snapshot_request(
        network=world.network, user=world.national_lead, format="pptx", seminar=world.seminar
    )
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.DONE, snapshot.error
    with snapshot.file_named.open("rb") as handle:
        prs = Presentation(io.BytesIO(handle.read()))
    workbooks = _workbooks(prs)
    assert workbooks
    formulas = [
        cell.coordinate for workbook in workbooks for cell in _cells(workbook) if cell.data_type == "f"
    ]
    assert formulas == []
