"""A report as PowerPoint slides with native, editable charts (python-pptx), from captured chart results.

Native charts rather than pictures: a project lead can restyle, resize or re-read the numbers in
PowerPoint or LibreOffice Impress, and the numbers travel inside the file. Per indicator the
national chart (measurement, centre line, control limits, target) and the teams as small multiples;
per team its own charts; the one-sentence interpretation in each slide's notes.

Numbers written as text (titles, notes) use Danish format; chart number formats are stored in
OOXML's locale-neutral codes and the charts are tagged da-DK, so PowerPoint shows 12,5 in Danish.
"""

import io
from collections.abc import Callable
from datetime import date

from django.utils import formats, translation
from django.utils.translation import gettext as _
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from measures import charts

from .selectors import ANONYMISED, ChartItem, ReportContent

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
SMALL_PER_SLIDE = 12  # 4 x 3 small multiples
TEAM_CHARTS_PER_SLIDE = 4  # 2 x 2
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5

BLUE = RGBColor(0x00, 0x59, 0xB3)
GREY = RGBColor(0x4D, 0x4D, 0x4D)
LIMIT_GREY = RGBColor(0x7A, 0x7A, 0x7A)
GREEN = RGBColor(0x00, 0x80, 0x4D)
PURPLE = RGBColor(0x7B, 0x2D, 0x8E)
ORANGE = RGBColor(0xE0, 0x65, 0x00)

Progress = Callable[[int, int], None]


def _set_lang(text_frame) -> None:
    """Mark every run Danish, so spelling and screen readers use the right language."""
    for paragraph in text_frame.paragraphs:
        for run in paragraph.runs:
            run.font._rPr.set("lang", "da-DK")


def _title(slide, text: str, *, size: int = 28) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(0.5), Inches(0.25), SLIDE_WIDTH - Inches(1), Inches(0.9)
    shape.text = text
    for paragraph in shape.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
    _set_lang(shape.text_frame)


def _notes(slide, lines: list[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    frame.text = "\n".join(line for line in lines if line)
    _set_lang(frame)


def _number(value) -> str:
    return charts.format_number(charts.number_or_none(value))


def _series_values(points: list[dict], key: str) -> list[float | None]:
    return [charts.number_or_none(point.get(key)) for point in points]


def _danish_chart(chart) -> None:
    """Tag the chart da-DK (c:lang comes right after c:date1904 in the schema)."""
    space = chart._chartSpace
    if space.find(qn("c:lang")) is None:
        lang = etree.SubElement(space, qn("c:lang"))
        lang.set("val", "da-DK")
        date1904 = space.find(qn("c:date1904"))
        space.remove(lang)
        if date1904 is not None:
            date1904.addnext(lang)
        else:
            space.insert(0, lang)


def _style_line(series, colour: RGBColor, *, width: float = 1.5, dash=None, markers: bool = False) -> None:
    series.smooth = False
    line = series.format.line
    line.color.rgb = colour
    line.width = Pt(width)
    if dash is not None:
        line.dash_style = dash
    if markers:
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 5
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour
    else:
        series.marker.style = XL_MARKER_STYLE.NONE


def chart_series(data: dict, *, small: bool = False) -> list[tuple[str, list[float | None]]]:
    """The named series of one chart, in drawing order: measurement, centre line, limits, targets."""
    points = charts.clean_points(data)
    series = [(_("Måling"), _series_values(points, "y"))]
    centre = _series_values(points, "cl")
    if any(value is not None for value in centre):
        series.append((_("Centerlinje"), centre))
    if not small and charts.has_limits(data):
        series.append((_("Nedre kontrolgrænse"), _series_values(points, "lcl")))
        series.append((_("Øvre kontrolgrænse"), _series_values(points, "ucl")))
    if not small:
        for key, name in (("national", _("Nationalt mål")), ("local", _("Lokalt mål"))):
            value = charts.number_or_none((data.get("targets") or {}).get(key))
            if value is not None:
                series.append((name, [value] * len(points)))
    return series


def _add_chart(slide, item: ChartItem, box: tuple[int, int, int, int], *, small: bool = False,
               y_range: tuple[float, float] | None = None) -> None:
    points = charts.clean_points(item.data)
    chart_data = CategoryChartData(number_format="#,##0.0")
    chart_data.categories = [charts.month_label(charts.parse_period(p["period"]), long=not small) for p in points]
    named = chart_series(item.data, small=small)
    for name, values in named:
        chart_data.add_series(name, values)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *box, chart_data)
    frame.name = item.title
    chart = frame.chart
    _danish_chart(chart)
    chart.font.size = Pt(9 if small else 11)
    chart.has_legend = not small
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.has_title = small
    if small:
        chart.chart_title.text_frame.text = item.title
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(10)
        _set_lang(chart.chart_title.text_frame)
    axis = chart.value_axis
    axis.tick_labels.number_format = "#,##0.0" if not small else "#,##0"
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = not small
    if y_range is not None:
        axis.minimum_scale, axis.maximum_scale = y_range
    unit = item.indicator.unit
    if unit and not small:
        axis.has_title = True
        axis.axis_title.text_frame.text = unit
        _set_lang(axis.axis_title.text_frame)
    category_axis = chart.category_axis
    category_axis.tick_labels.font.size = Pt(7 if small else 9)
    styles = {
        _("Måling"): (BLUE, {"width": 2, "markers": not small}),
        _("Centerlinje"): (GREY, {"width": 1.25}),
        _("Nedre kontrolgrænse"): (LIMIT_GREY, {"width": 1, "dash": MSO_LINE.DASH}),
        _("Øvre kontrolgrænse"): (LIMIT_GREY, {"width": 1, "dash": MSO_LINE.DASH}),
        _("Nationalt mål"): (GREEN, {"width": 1.5, "dash": MSO_LINE.LONG_DASH}),
        _("Lokalt mål"): (PURPLE, {"width": 1.5, "dash": MSO_LINE.ROUND_DOT}),
    }
    for series in chart.plots[0].series:
        colour, options = styles.get(series.name, (GREY, {}))
        _style_line(series, colour, **options)
    if not small:
        # Points outside the limits in orange, as on screen.
        measured = chart.plots[0].series[0]
        for index, point in enumerate(points):
            if point.get("sigma_signal"):
                marker = measured.points[index].marker
                marker.style = XL_MARKER_STYLE.DIAMOND
                marker.size = 8
                marker.format.fill.solid()
                marker.format.fill.fore_color.rgb = ORANGE


def _grid(count: int, columns: int, rows: int, *, top: int) -> list[tuple[int, int, int, int]]:
    margin = Inches(0.4)
    width = (SLIDE_WIDTH - 2 * margin) // columns
    height = (SLIDE_HEIGHT - top - Inches(0.3)) // rows
    return [
        (Emu(margin + (i % columns) * width), Emu(top + (i // columns) * height), Emu(width), Emu(height))
        for i in range(count)
    ]


def _data_as_of(value) -> str:
    return formats.date_format(value, "j. F Y") if value else "–"


def _cover(prs, content: ReportContent) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.8), Inches(2.0), SLIDE_WIDTH - Inches(1.6), Inches(1.5)
    subtitle.left, subtitle.top, subtitle.width = Inches(0.8), Inches(3.7), SLIDE_WIDTH - Inches(1.6)
    title.text = content.title
    lines = [content.subtitle, _("Data pr. %(date)s") % {"date": _data_as_of(content.data_as_of)}]
    if content.viewpoint == ANONYMISED:
        lines.append(_("Udgave til forbedringsteams: de andre teams er anonymiseret."))
    subtitle.text = "\n".join(lines)
    _set_lang(title.text_frame)
    _set_lang(subtitle.text_frame)
    _notes(slide, [_("Diagrammerne er redigerbare PowerPoint-diagrammer; tallene ligger i diagrammets data.")])


def build_presentation(content: ReportContent, *, progress: Progress | None = None) -> bytes:
    """The report as a .pptx file (bytes). `progress(done, total)` is called after each slide group."""
    with translation.override("da"):
        return _build(content, progress or (lambda done, total: None))


def _build(content: ReportContent, progress: Progress) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    prs.core_properties.title = content.title
    prs.core_properties.subject = content.subtitle
    prs.core_properties.language = "da-DK"
    _cover(prs, content)
    total = len(content.indicators) + len(content.teams)
    done = 0
    for section in content.indicators:
        indicator = section.indicator
        if section.national is not None and section.national.has_points:
            slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
            _title(slide, _("%(indicator)s – nationalt") % {"indicator": indicator.name})
            _add_chart(slide, section.national, (Inches(0.5), Inches(1.2), SLIDE_WIDTH - Inches(1), Inches(5.9)))
            _notes(slide, [section.national.interpretation, _national_note(section.national)])
        teams = section.teams
        if teams:
            y_range = charts.y_extent([item.data for item in teams])
            pages = [teams[i : i + SMALL_PER_SLIDE] for i in range(0, len(teams), SMALL_PER_SLIDE)]
            for number, page in enumerate(pages, start=1):
                slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
                heading = _("%(indicator)s – teams") % {"indicator": indicator.name}
                if len(pages) > 1:
                    heading += f" ({number}/{len(pages)})"
                _title(slide, heading, size=24)
                for item, box in zip(page, _grid(len(page), 4, 3, top=Inches(1.15)), strict=True):
                    _add_chart(slide, item, box, small=True, y_range=y_range)
                _notes(slide, [f"{item.title}: {item.interpretation}" for item in page])
        done += 1
        progress(done, total)
    for team in content.teams:
        pages = [team.charts[i : i + TEAM_CHARTS_PER_SLIDE] for i in range(0, len(team.charts), TEAM_CHARTS_PER_SLIDE)]
        for number, page in enumerate(pages, start=1):
            slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
            heading = team.label if len(pages) == 1 else f"{team.label} ({number}/{len(pages)})"
            _title(slide, heading, size=24)
            boxes = _grid(len(page), 2 if len(page) > 1 else 1, 2 if len(page) > 2 else 1, top=Inches(1.15))
            for item, box in zip(page, boxes, strict=True):
                _add_chart(slide, item, box)
                _retitle(slide, item)
            _notes(slide, [f"{item.title}: {item.interpretation}" for item in page])
        done += 1
        progress(done, total)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _retitle(slide, item: ChartItem) -> None:
    """Several charts on one slide: each carries the indicator's name as its chart title."""
    chart = slide.shapes[-1].chart
    chart.has_title = True
    chart.chart_title.text_frame.text = item.title
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    _set_lang(chart.chart_title.text_frame)


def _national_note(item: ChartItem) -> str:
    points = [p for p in charts.clean_points(item.data) if p.get("y") is not None]
    if not points:
        return ""
    last = points[-1]
    period = charts.parse_period(last["period"])
    text = _("Seneste måned: %(month)s, %(value)s") % {
        "month": charts.month_label(period if isinstance(period, date) else None, long=True),
        "value": _number(last.get("y")),
    }
    if last.get("n_teams") is not None:
        text += " " + _("(%(n)s teams)") % {"n": last["n_teams"]}
    return text
