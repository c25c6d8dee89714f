"""python-pptx chart data whose embedded workbook cannot run a formula.

A native PowerPoint chart carries its numbers in an embedded Excel workbook ("Rediger data" opens it),
written by python-pptx through XlsxWriter. XlsxWriter's `write()` turns a string that starts with
`=` into a formula and one that looks like a URL into a hyperlink, so a series name or category built
from staff-entered text (a team's or indicator's name) could become live in whoever edits the chart's
data. As lkt.spreadsheet does for our own XLSX files: every string is written as a string, and one that
starts with a formula trigger is marked with Excel's quote prefix, so it stays text when the cell is
edited. The text itself is not changed (the chart shows it as typed).
"""

from contextlib import contextmanager

from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.util import lazyproperty
from xlsxwriter import Workbook

from lkt.spreadsheet import FORMULA_TRIGGERS


class _TextCells:
    """The worksheet as python-pptx's writers use it (`write`, `write_column`, `set_column`), with every
    string written by `write_string`."""

    def __init__(self, worksheet, quoted):
        self._worksheet = worksheet
        self._quoted = quoted

    def write(self, row: int, col: int, value, cell_format=None):
        if isinstance(value, str):
            if value.startswith(FORMULA_TRIGGERS):
                cell_format = self._quoted
            return self._worksheet.write_string(row, col, value, cell_format)
        return self._worksheet.write(row, col, value, cell_format)

    def write_column(self, row: int, col: int, values, cell_format=None) -> None:
        for offset, value in enumerate(values):
            self.write(row + offset, col, value, cell_format)

    def __getattr__(self, name: str):
        return getattr(self._worksheet, name)


class _TextWorkbookMixin:
    @contextmanager
    def _open_worksheet(self, xlsx_file):
        # No conversion of strings at all (formulas, URLs, numbers): our cells are typed by us.
        workbook = Workbook(
            xlsx_file,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        worksheet = workbook.add_worksheet()
        yield workbook, _TextCells(worksheet, workbook.add_format({"quote_prefix": True}))
        workbook.close()


class _CategoryWriter(_TextWorkbookMixin, CategoryWorkbookWriter):
    pass


class _XyWriter(_TextWorkbookMixin, XyWorkbookWriter):
    pass


class TextCategoryChartData(CategoryChartData):
    """CategoryChartData whose workbook writes text as text (see the module)."""

    @lazyproperty
    def _workbook_writer(self):
        return _CategoryWriter(self)


class TextXyChartData(XyChartData):
    """XyChartData whose workbook writes text as text (see the module)."""

    @lazyproperty
    def _workbook_writer(self):
        return _XyWriter(self)
