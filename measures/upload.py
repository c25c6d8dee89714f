"""Reading uploaded data files (CSV and Excel) into measurement rows, and writing the team's template.

Two layouts are accepted:
- wide, as the Danish SPC tools write it: `Dato;Tæller;Nævner;Kommentarer`, one indicator per file
  (chosen in the upload form);
- long, with an indicator column: `Indikator;Måned;Tæller;Nævner;Kommentar;Intet at indberette`
  (the layout of the template download).
CSV may be separated by semicolon, comma or tab, and encoded as UTF-8 (with or without BOM) or
ISO-8859-1 / Windows-1252 (what Danish Excel saves). Numbers use decimal comma or point.
"""

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lkt.spreadsheet import template_cell_text, template_cell_value, xlsx_text_cell
from teams.models import Team

from .models import Measurement
from .numbers import parse_optional_decimal
from .selectors.definitions import published_indicators
from .selectors.entry import entry_periods
from .services.entry import MeasurementRow, RowError

# Bounds on what one upload may cost (checked while reading, so a bad file is refused in seconds).
MAX_ROWS = 50_000
MAX_COLUMNS = 50
MAX_CELLS = 400_000  # about 7 s of openpyxl parsing on a small server
MAX_CELL_CHARS = 10_000
XLSX_MAX_UNCOMPRESSED = 40 * 1024 * 1024  # a full 50,000-row template is about 15 MB of XML
XLSX_MAX_MEMBERS = 500

# Header words, lower-cased and with æ/ø/å spelled out, mapped to our fields.
HEADERS = {
    "period": {"dato", "maaned", "maned", "periode", "date", "month", "period", "x"},
    "numerator": {"taeller", "numerator", "tael", "y"},
    "denominator": {"naevner", "denominator", "n"},
    "comment": {"kommentar", "kommentarer", "comment", "comments", "note", "noter", "notes"},
    "indicator": {"indikator", "indicator", "indikatorkode", "kode", "code"},
    "nothing_to_report": {
        "intet at indberette",
        "intet_at_indberette",
        "nothing to report",
        "nothing_to_report",
    },
}
TRUE_WORDS = {"ja", "j", "x", "1", "true", "yes", "sand"}
FALSE_WORDS = {"", "nej", "n", "0", "false", "no", "falsk"}
MONTH_NAMES = {
    "jan": 1,
    "januar": 1,
    "january": 1,
    "feb": 2,
    "februar": 2,
    "february": 2,
    "mar": 3,
    "marts": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "maj": 5,
    "may": 5,
    "jun": 6,
    "juni": 6,
    "june": 6,
    "jul": 7,
    "juli": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "okt": 10,
    "oktober": 10,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
TEMPLATE_COLUMNS = ["Indikator", "Måned", "Tæller", "Nævner", "Kommentar", "Intet at indberette"]


@dataclass
class ParsedUpload:
    rows: list[MeasurementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    layout: str = ""
    skipped: int = 0  # rows without any value: left alone


def _normalise_header(text) -> str:
    text = str(text or "").strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, otherwise Windows-1252 / ISO-8859-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def read_table(data: bytes, filename: str) -> list[list]:
    """The file's cells, row by row (header first). Raises ValidationError on an unreadable file or
    one past the limits (rows, columns, cells, cell length, XLSX package size)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count) if first_line else ";"
    if first_line.count(delimiter) == 0:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: list[list] = []
    try:
        for row in reader:
            # Text cells of our own CSV template carry an apostrophe against formula injection.
            table.append(_bounded_row([template_cell_value(cell) for cell in row], len(table)))
    except csv.Error as exc:
        # The csv module refuses a field over its limit (128 KiB) and some broken quoting.
        if "field larger than field limit" in str(exc):
            raise ValidationError(
                _("En celle i filen er over %(size)s KiB. Filen kan ikke indlæses; tjek den i Excel.")
                % {"size": csv.field_size_limit() // 1024}
            ) from exc
        raise ValidationError(_("Filen kunne ikke læses som CSV: %(problem)s.") % {"problem": exc}) from exc
    if delimiter == ",":
        _check_comma_rows(table)
    return table


def _bounded_row(cells: list, rows_so_far: int) -> list:
    """Refuse a row past the limits while reading, before the rest of the file is read."""
    if rows_so_far > MAX_ROWS:  # the header is row 0
        raise ValidationError(_("Filen har mere end %(max)s rækker; del den op.") % {"max": MAX_ROWS})
    if len(cells) > MAX_COLUMNS:
        raise ValidationError(
            _("Række %(row)s har mere end %(max)s kolonner.") % {"row": rows_so_far + 1, "max": MAX_COLUMNS}
        )
    for cell in cells:
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise ValidationError(
                _("Række %(row)s har en celle med mere end %(max)s tegn.")
                % {"row": rows_so_far + 1, "max": MAX_CELL_CHARS}
            )
    return cells


def _check_comma_rows(table: list[list]) -> None:
    """A comma-separated file with decimal commas (12,5) has more cells than headers in a row.

    Read as it stands, every number after the first decimal comma would land one column to the
    right; refuse the file instead, naming the first such row.
    """
    header = next((row for row in table if any(c.strip() for c in row)), None)
    if header is None:
        return
    width = len(header)
    for number, row in enumerate(table, start=1):
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise ValidationError(
                _(
                    "Række %(row)s har flere felter end overskriften. Filen er adskilt med komma, og tal "
                    "med decimalkomma (fx 12,5) deler sig så i to felter. Gem filen med semikolon som "
                    "skilletegn (dansk Excel: CSV (semikolonsepareret)), eller brug decimalpunktum."
                )
                % {"row": number}
            )


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    members = _checked_xlsx_members(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("Filen kunne ikke læses som et Excel-regneark (.xlsx).")) from exc
    try:
        if not workbook.worksheets:
            raise ValidationError(_("Regnearket har ingen ark."))
        sheet = workbook.worksheets[0]
        _check_sheet_dimensions(sheet, members.get(getattr(sheet, "_worksheet_path", ""), b""))
        table: list[list] = []
        cells = 0
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_CELLS:
                raise ValidationError(_too_many_cells())
            table.append(_bounded_row(list(row), len(table)))
        return table
    finally:
        workbook.close()


def _too_many_cells() -> str:
    return _("Regnearket har mere end %(max)s celler; del det op.") % {
        "max": f"{MAX_CELLS:,}".replace(",", ".")
    }


def _checked_xlsx_members(data: bytes) -> dict[str, bytes]:
    """The package's XML parts, uncompressed, after checking sizes and refusing DTDs.

    An .xlsx is a zip: a 0.4 MB file can declare (or, lying, contain) gigabytes of XML. The declared
    sizes are checked first, then the real ones while decompressing in chunks, so a bomb costs at
    most XLSX_MAX_UNCOMPRESSED bytes of work. Office files never contain a DTD; refusing one stops
    entity expansion ("billion laughs") before any XML parser sees it.
    """
    too_big = _("Regnearket er for stort udpakket (højst %(mb)s MB); del det op.") % {
        "mb": XLSX_MAX_UNCOMPRESSED // (1024 * 1024)
    }
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(_("Filen kunne ikke læses som et Excel-regneark (.xlsx).")) from exc
    if len(infos) > XLSX_MAX_MEMBERS:
        raise ValidationError(_("Filen kunne ikke læses som et Excel-regneark (.xlsx)."))
    if sum(info.file_size for info in infos) > XLSX_MAX_UNCOMPRESSED:
        raise ValidationError(too_big)
    members: dict[str, bytes] = {}
    total = 0
    try:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue  # images, printer settings, VBA: openpyxl does not parse them
            parts = []
            with package.open(info) as stream:
                while chunk := stream.read(1024 * 1024):
                    total += len(chunk)
                    if total > XLSX_MAX_UNCOMPRESSED:
                        raise ValidationError(too_big)
                    parts.append(chunk)
            content = b"".join(parts)
            if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                raise ValidationError(_("Filen indeholder en XML-erklæring (DTD), som regneark ikke bruger."))
            members[info.filename] = content
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as exc:
        raise ValidationError(_("Filen kunne ikke læses som et Excel-regneark (.xlsx).")) from exc
    return members


_XML_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_XML_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _check_sheet_dimensions(sheet, xml: bytes) -> None:
    """The sheet's declared dimension and its actual count of rows and cells, before parsing it."""
    try:
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
    except (ValueError, TypeError):
        declared_rows, declared_columns = 0, 0  # a broken <dimension>: the counts below still apply
    if declared_rows > MAX_ROWS + 1 or _count_over(_XML_ROW, xml, MAX_ROWS + 1):
        raise ValidationError(_("Filen har mere end %(max)s rækker; del den op.") % {"max": MAX_ROWS})
    if declared_columns > MAX_COLUMNS:
        raise ValidationError(_("Regnearket har mere end %(max)s kolonner.") % {"max": MAX_COLUMNS})
    if _count_over(_XML_CELL, xml, MAX_CELLS):
        raise ValidationError(_too_many_cells())


def _count_over(pattern: re.Pattern, xml: bytes, limit: int) -> bool:
    """Whether the pattern occurs more than `limit` times (stops counting there)."""
    return any(count > limit for count, _match in enumerate(pattern.finditer(xml), start=1))


def parse_month_cell(value) -> date:
    """A month from a date cell or text: 2024-01, 2024-01-15, 15.01.2024, 01-2024, jan. 2024, januar 2024."""
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip().lower()
    patterns = [
        (r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ t].*)?$", ("y", "m", "d")),
        (r"^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})$", ("d", "m", "y")),
        (r"^(\d{1,2})[.\-/](\d{4})$", ("m", "y")),
    ]
    for pattern, parts in patterns:
        match = re.match(pattern, text)
        if match:
            found = dict(zip(parts, match.groups(), strict=True))
            try:
                day = date(int(found["y"]), int(found["m"]), int(found.get("d") or 1))
            except ValueError:
                break
            return day.replace(day=1)
    match = re.match(r"^([a-zæøå]+)\.?\s*(\d{4})$", text)
    if match and match.group(1) in MONTH_NAMES:
        return date(int(match.group(2)), MONTH_NAMES[match.group(1)], 1)
    raise ValidationError(
        _("%(text)s er ikke en måned. Skriv fx 2024-01 eller 01.01.2024.") % {"text": value}
    )


def _number(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(_("%(text)s er ikke et tal.") % {"text": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that round-trips: 12.5, not 12.4999999...
        return Decimal(repr(value))
    return parse_optional_decimal(str(value))


def _flag(value) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(_("Skriv ja eller lad feltet være tomt."))


def parse_upload(*, data: bytes, filename: str, indicator_code: str | None = None) -> ParsedUpload:
    """Rows of measurements from a file; every cell that cannot be read is an error with row and column."""
    result = ParsedUpload()
    try:
        table = read_table(data, filename)
    except ValidationError as exc:
        result.errors.append(RowError(1, _("Fil"), exc.messages[0]))
        return result
    while table and not any(_cell_text(c) for c in table[0]):
        table.pop(0)
    if not table:
        result.errors.append(RowError(1, _("Fil"), _("Filen er tom.")))
        return result
    header = table[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _normalise_header(title)
        for key, words in HEADERS.items():
            if name in words and key not in columns:
                columns[key] = index
    labels = {key: str(header[index]).strip() for key, index in columns.items()}
    for required, label in (("period", _("Dato eller Måned")), ("numerator", _("Tæller"))):
        if required not in columns:
            result.errors.append(
                RowError(
                    1, label, _("Kolonnen mangler. Brug skabelonen eller overskrifterne Dato;Tæller;Nævner.")
                )
            )
    if "indicator" in columns:
        result.layout = "long"
    elif indicator_code:
        result.layout = "wide"
    else:
        result.errors.append(
            RowError(1, _("Indikator"), _("Filen har ingen indikatorkolonne; vælg indikatoren i formularen."))
        )
    if result.errors:
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append(
            RowError(1, _("Fil"), _("Filen har mere end %(max)s rækker; del den op.") % {"max": MAX_ROWS})
        )
        return result

    for offset, cells in enumerate(table[1:], start=2):
        if not any(_cell_text(c) for c in cells):
            continue

        def cell(key, cells=cells):
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        values, row_ok = {}, True
        converters = {
            "period": parse_month_cell,
            "numerator": _number,
            "denominator": _number,
            "nothing_to_report": _flag,
        }
        for key, convert in converters.items():
            if key not in columns:
                values[key] = None if key != "nothing_to_report" else False
                continue
            try:
                values[key] = convert(cell(key))
            except ValidationError as exc:
                result.errors.append(RowError(offset, labels[key], exc.messages[0]))
                row_ok = False
        if not row_ok:
            continue
        comment = None
        if "comment" in columns:
            comment = _cell_text(cell("comment"))
        code = _cell_text(cell("indicator")) if result.layout == "long" else indicator_code
        if values["numerator"] is None and values["denominator"] is None and not values["nothing_to_report"]:
            # An empty month in an SPC sheet is "not reported yet", not an instruction to delete.
            result.skipped += 1
            continue
        result.rows.append(
            MeasurementRow(
                indicator_code=code,
                period=values["period"],
                numerator=values["numerator"],
                denominator=values["denominator"],
                comment=comment,
                nothing_to_report=values["nothing_to_report"],
                row_number=offset,
            )
        )
    return result


def _cell_text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _danish_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return text.replace(".", ",")


def template_rows(team: Team) -> list[list]:
    """Every published indicator x every month so far, with the values already stored filled in."""
    indicators = list(published_indicators(network=team.network))
    stored = {
        (m.indicator_id, m.period): m for m in Measurement.objects.filter(team=team, indicator__in=indicators)
    }
    rows = []
    for indicator in indicators:
        for period in entry_periods(team.network):
            m = stored.get((indicator.id, period))
            rows.append(
                [
                    indicator.code,
                    period,
                    m.numerator if m else None,
                    m.denominator if m else None,
                    m.comment if m else "",
                    "ja" if m and m.nothing_to_report else "",
                ]
            )
    return rows


def template_csv(team: Team) -> bytes:
    """The template as Danish Excel opens it: UTF-8 with BOM, semicolons, decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for code, period, numerator, denominator, comment, nothing in template_rows(team):
        writer.writerow(
            [
                template_cell_text(code),
                period.strftime("%Y-%m"),
                _danish_number(numerator),
                _danish_number(denominator),
                template_cell_text(comment),
                nothing,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(team: Team) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Data")
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code, period, numerator, denominator, comment, nothing in template_rows(team):
        sheet.append(
            [
                code,
                period.strftime("%Y-%m"),
                float(numerator) if numerator is not None else None,
                float(denominator) if denominator is not None else None,
                None,
                nothing,
            ]
        )
        # Text goes in as a string cell, never a formula (lkt.spreadsheet).
        xlsx_text_cell(sheet.cell(row=sheet.max_row, column=1), code)
        if comment:
            xlsx_text_cell(sheet.cell(row=sheet.max_row, column=5), comment)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEF", (18, 10, 12, 12, 40, 20), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
