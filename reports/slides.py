"""A report as PowerPoint slides with native, editable charts (python-pptx), from captured chart results.

Native charts rather than pictures: a project lead can restyle, resize or re-read the numbers in
PowerPoint or LibreOffice Impress, and the numbers travel inside the file. Per indicator the
national chart (measurement, centre line, control limits, target) and the teams as small multiples;
per team its own charts; the one-sentence interpretation in each slide's notes.

Numbers written as text (titles, notes) use Danish format; chart number formats are stored in
OOXML's locale-neutral codes and the charts are tagged da-DK, so PowerPoint shows 12,5 in Danish.
"""

import io
import math
from collections.abc import Callable
from datetime import date

from django.utils import formats, translation
from django.utils.translation import gettext as _
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from measures.charts import figures as charts
from measures.months import month_label, parse_period

from .chart_workbook import TextCategoryChartData, TextXyChartData
from .selectors import ANONYMISED, ChartItem, FunnelItem, ReportContent

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
    shape.left, shape.top, shape.width, shape.height = (
        Inches(0.5),
        Inches(0.25),
        SLIDE_WIDTH - Inches(1),
        Inches(0.9),
    )
    shape.text = text
    for paragraph in shape.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
    _set_lang(shape.text_frame)


def _notes(slide, lines: list[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    frame.text = "\n".join(line for line in lines if line)
    _set_lang(frame)


def _number(value, decimals: int | None = None) -> str:
    """A value with the indicator's number of decimals (charts.format_value)."""
    return charts.format_value(charts.number_or_none(value), decimals)


def _excel_format(decimals: int) -> str:
    """The chart workbook's number format for an indicator: "#,##0.0" for one decimal."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


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


def _style_line(
    series, colour: RGBColor, *, width: float = 1.5, dash=None, markers: bool = False, hollow: bool = False
) -> None:
    series.smooth = False
    line = series.format.line
    if hollow:
        # Points only, white inside: provisional months.
        line.fill.background()
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 7
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        series.marker.format.line.color.rgb = colour
        return
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
    # Provisional pooled months (too few teams reported) are drawn apart, as on screen: not joined
    # to the line, outside limits and signals.
    values = _series_values(points, "y")
    measured = [
        None if point.get("provisional") else value for point, value in zip(points, values, strict=True)
    ]
    series = [(_("Måling"), measured)]
    if any(point.get("provisional") and point.get("y") is not None for point in points):
        series.append(
            (
                _("Foreløbig"),
                [charts.number_or_none(p.get("y")) if p.get("provisional") else None for p in points],
            )
        )
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


def _add_chart(
    slide,
    item: ChartItem,
    box: tuple[int, int, int, int],
    *,
    small: bool = False,
    y_range: tuple[float, float] | None = None,
) -> None:
    points = charts.clean_points(item.data)
    chart_data = TextCategoryChartData(number_format=_excel_format(item.indicator.shown_decimals))
    chart_data.categories = [month_label(parse_period(p["period"]), long=not small) for p in points]
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
    axis.tick_labels.number_format = _excel_format(item.indicator.shown_decimals) if not small else "#,##0"
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
        _("Foreløbig"): (BLUE, {"hollow": True}),
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
    title.left, title.top, title.width, title.height = (
        Inches(0.8),
        Inches(2.0),
        SLIDE_WIDTH - Inches(1.6),
        Inches(1.5),
    )
    subtitle.left, subtitle.top, subtitle.width = Inches(0.8), Inches(3.7), SLIDE_WIDTH - Inches(1.6)
    title.text = content.title
    lines = [content.subtitle, _("Data pr. %(date)s") % {"date": _data_as_of(content.data_as_of)}]
    if content.viewpoint == ANONYMISED:
        lines.append(_("Udgave til forbedringsteams: de andre teams er anonymiseret."))
    subtitle.text = "\n".join(lines)
    _set_lang(title.text_frame)
    _set_lang(subtitle.text_frame)
    _notes(
        slide, [_("Diagrammerne er redigerbare PowerPoint-diagrammer; tallene ligger i diagrammets data.")]
    )


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
            _add_chart(
                slide, section.national, (Inches(0.5), Inches(1.2), SLIDE_WIDTH - Inches(1), Inches(5.9))
            )
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
                columns = min(4, max(1, math.ceil(math.sqrt(len(page) * 4 / 3))))
                rows = math.ceil(len(page) / columns)
                for item, box in zip(page, _grid(len(page), columns, rows, top=Inches(1.15)), strict=True):
                    _add_chart(slide, item, box, small=True, y_range=y_range)
                _notes(slide, [f"{item.title}: {item.interpretation}" for item in page])
        if section.funnel is not None:
            _funnel_slide(prs, section.funnel)
        done += 1
        progress(done, total)
    for team in content.teams:
        pages = [
            team.charts[i : i + TEAM_CHARTS_PER_SLIDE]
            for i in range(0, len(team.charts), TEAM_CHARTS_PER_SLIDE)
        ]
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


def flag_text(flag: str) -> str:
    return {
        "high_outlier": _("over grænsen på 99,8 %"),
        "low_outlier": _("under grænsen på 99,8 %"),
        "high_warning": _("over grænsen på 95 %"),
        "low_warning": _("under grænsen på 95 %"),
    }[flag]


def funnel_series(funnel: FunnelItem) -> list[tuple[str, list[tuple[float, float]]]]:
    """The funnel's named XY series: the network value, the limits, and last the teams (denominator,
    value). The teams come last because LibreOffice Impress drops the first series of a scatter chart
    when reading a .pptx."""
    chart = funnel.chart
    curve = chart.curve
    series = []
    if chart.target is not None and curve is not None:
        smallest = min((unit.denominator for unit in chart.units), default=0) * 0.5
        series.append((_("LKT'ets niveau"), [(smallest, chart.target), (curve.x[-1], chart.target)]))
    if curve is not None:
        # Start the limits a little left of the smallest team: near zero they run off the chart.
        smallest = min((unit.denominator for unit in chart.units), default=0) * 0.5
        for key, name in (
            ("lo95", _("Nedre grænse på 95 %")),
            ("hi95", _("Øvre grænse på 95 %")),
            ("lo998", _("Nedre grænse på 99,8 %")),
            ("hi998", _("Øvre grænse på 99,8 %")),
        ):
            values = getattr(curve, key)
            series.append(
                (
                    name,
                    [(x, y) for x, y in zip(curve.x, values, strict=True) if y is not None and x >= smallest],
                )
            )
    series.append((_("Teams"), [(unit.denominator, unit.value) for unit in chart.units]))
    return series


def _funnel_slide(prs, funnel: FunnelItem) -> None:
    indicator = funnel.indicator
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    first = month_label(funnel.first_period, long=True)
    period = f"{first}–{month_label(funnel.last_period, long=True)}"
    _title(
        slide,
        _("%(indicator)s – tragtdiagram (%(period)s)") % {"indicator": indicator.name, "period": period},
        size=24,
    )
    chart_data = TextXyChartData(number_format="#,##0.0")
    named = funnel_series(funnel)
    for name, points in named:
        series = chart_data.add_series(name, number_format="#,##0.0")
        for x, y in points:
            series.add_data_point(x, y)
    box = (Inches(0.5), Inches(1.2), SLIDE_WIDTH - Inches(1), Inches(5.9))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, *box, chart_data)
    frame.name = _("Tragtdiagram: %(indicator)s") % {"indicator": indicator.name}
    chart = frame.chart
    _danish_chart(chart)
    chart.font.size = Pt(11)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.value_axis.tick_labels.number_format = "#,##0.0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.has_title = True
    chart.value_axis.axis_title.text_frame.text = indicator.unit or indicator.name
    chart.category_axis.has_title = True
    chart.category_axis.axis_title.text_frame.text = _("Nævner (%(what)s)") % {
        "what": indicator.denominator_definition or _("antal")
    }
    chart.category_axis.tick_labels.number_format = "#,##0"
    chart.category_axis.tick_labels.number_format_is_linked = False
    plot_series = list(chart.plots[0].series)
    teams = plot_series[-1]
    teams.marker.style = XL_MARKER_STYLE.CIRCLE
    teams.marker.size = 8
    teams.marker.format.fill.solid()
    teams.marker.format.fill.fore_color.rgb = BLUE
    for index, unit in enumerate(funnel.chart.units):
        if unit.flag:
            point = teams.points[index]
            point.marker.style = XL_MARKER_STYLE.DIAMOND
            point.marker.size = 10
            point.marker.format.fill.solid()
            point.marker.format.fill.fore_color.rgb = ORANGE
            point.data_label.has_text_frame = True
            point.data_label.text_frame.text = unit.unit
    styles = {
        _("LKT'ets niveau"): (GREY, {"width": 1.5}),
        _("Nedre grænse på 95 %"): (LIMIT_GREY, {"width": 1, "dash": MSO_LINE.DASH}),
        _("Øvre grænse på 95 %"): (LIMIT_GREY, {"width": 1, "dash": MSO_LINE.DASH}),
        _("Nedre grænse på 99,8 %"): (GREY, {"width": 1.25}),
        _("Øvre grænse på 99,8 %"): (GREY, {"width": 1.25}),
    }
    for series in plot_series[:-1]:
        colour, options = styles.get(series.name, (GREY, {}))
        _style_line(series, colour, **options)
    lines = [
        _(
            "Tragtdiagram over %(period)s: hvert punkt er et team; grænserne er 95 %% og 99,8 %% omkring "
            "LKT'ets niveau (%(value)s)."
        )
        % {"period": period, "value": _number(funnel.chart.target, funnel.indicator.shown_decimals)}
    ]
    if funnel.chart.adjusted:
        lines.append(_("Grænserne er justeret for overspredning (FunnelPlotR, tau²)."))
    flagged = [unit for unit in funnel.chart.units if unit.flag]
    for unit in flagged:
        lines.append(
            f"{unit.unit}: {_number(unit.value, funnel.indicator.shown_decimals)} ({flag_text(unit.flag)})"
        )
    if not flagged:
        lines.append(_("Ingen teams ligger uden for grænserne."))
    _notes(slide, lines)


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
    period = parse_period(last["period"])
    text = _("Seneste måned: %(month)s, %(value)s") % {
        "month": month_label(period if isinstance(period, date) else None, long=True),
        "value": _number(last.get("y"), item.indicator.shown_decimals),
    }
    if last.get("n_teams") is not None:
        text += " " + _("(%(n)s teams)") % {"n": last["n_teams"]}
    return text
