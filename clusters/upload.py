"""The data extract import format: CSV (semicolon, decimal comma) or XLSX with Danish headers.

One row per unit, period and ATC code:

    Niveau;Ydernummer;Praksis;Behandler-id;Behandler;Periode;ATC-kode;Recepter;DDD;Tilmeldte patienter
    Praksis;012345;Lægerne i Byen;;;2025-01;J01CE02;41;512,5;3120
    Behandler;012345;Lægerne i Byen;A1;Anna Holm;2025-01;J01CE02;17;210;
    Region;;;;;2025-01;J01CE02;48210;601234,5;1650000
    Land;;;;;2025-01;J01CE02;171000;2104000;5930000

- Niveau: Praksis, Behandler, Region or Land. Practice rows carry the practice's listed patients for the
  period (the same number on each of its ATC rows); prescriber rows leave it empty (patients are listed
  with the practice, not the doctor); region and country rows give the reference population.
- Periode: a month (2025-01, 01.2025, jan. 2025) or a quarter (2025-K1); one kind per file.
- ATC-kode: J01 or a code below it (J01CE02, J01MA, ...); the codes of one unit and period must not
  overlap (J01CE next to J01CE02 would count penicillin V twice).
- Recepter and Tilmeldte patienter are whole numbers; DDD may have decimals (decimal comma).

Validation is all-or-nothing, like the team upload: every error is listed with its row and column and
nothing is stored until the whole file is valid. The reader streams rows and stops after MAX_ROWS.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from measures.numbers import parse_optional_decimal
from measures.upload import decode, parse_month_cell

MAX_ROWS = 200_000
COLUMNS = [
    "Niveau",
    "Ydernummer",
    "Praksis",
    "Behandler-id",
    "Behandler",
    "Periode",
    "ATC-kode",
    "Recepter",
    "DDD",
    "Tilmeldte patienter",
]
KEYS = [
    "scope",
    "practice_code",
    "practice_name",
    "prescriber_code",
    "prescriber_name",
    "period",
    "atc",
    "prescriptions",
    "ddd",
    "listed",
]
REQUIRED = {"scope", "period", "atc", "prescriptions"}
SCOPES = {
    "praksis": "practice",
    "klinik": "practice",
    "behandler": "prescriber",
    "yder": "prescriber",
    "region": "region",
    "land": "country",
    "landet": "country",
}
ATC_PATTERN = re.compile(r"^J01[A-Z0-9]{0,4}$")
QUARTER_PATTERN = re.compile(r"^(\d{4})\s*[-/ ]?\s*[KQ]([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class RowError:
    row_number: int
    column: str
    message: str


@dataclass(frozen=True)
class ExtractLine:
    row_number: int
    scope: str
    practice_code: str
    practice_name: str
    prescriber_code: str
    prescriber_name: str
    period: date
    months: int
    atc_code: str
    prescriptions: int
    ddd: Decimal | None
    listed_patients: int | None


@dataclass
class ParsedExtract:
    lines: list[ExtractLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    granularity: str = ""

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.lines)


def _header_key(text) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text or "").strip().lower())


HEADER_WORDS = {
    "niveau": "scope",
    "ydernummer": "practice_code",
    "praksis": "practice_name",
    "behandler id": "prescriber_code",
    "behandler": "prescriber_name",
    "periode": "period",
    "atc kode": "atc",
    "atc": "atc",
    "recepter": "prescriptions",
    "ddd": "ddd",
    "tilmeldte patienter": "listed",
}


def iter_rows(data: bytes, filename: str) -> Iterator[list]:
    """The file's rows one at a time (header first); CSV by semicolon, or the first sheet of a workbook."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValidationError(_("Filen kunne ikke læses som et Excel-regneark (.xlsx).")) from exc
        try:
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
        return
    # Semicolon only: with the decimal comma a comma-separated file cannot be read unambiguously.
    yield from csv.reader(io.StringIO(decode(data), newline=""), delimiter=";")


def parse_period(value) -> tuple[date, int]:
    """(first day, number of months): a quarter 2025-K1 or a month in any form parse_month_cell reads."""
    text = str(value or "").strip()
    match = QUARTER_PATTERN.match(text)
    if match:
        return date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1), 3
    return parse_month_cell(value), 1


def _whole(value, *, required: bool) -> int | None:
    if value is None or str(value).strip() == "":
        if required:
            raise ValidationError(_("Feltet skal udfyldes."))
        return None
    if isinstance(value, bool):
        raise ValidationError(_("%(text)s er ikke et tal.") % {"text": value})
    number = (
        Decimal(value)
        if isinstance(value, int)
        else (Decimal(repr(value)) if isinstance(value, float) else parse_optional_decimal(str(value)))
    )
    if number is None or number != number.to_integral_value():
        raise ValidationError(_("%(text)s skal være et helt tal.") % {"text": value})
    if number < 0:
        raise ValidationError(_("Tallet må ikke være negativt."))
    return int(number)


def _decimal(value) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        number = parse_optional_decimal(str(value))
    if number is not None and number < 0:
        raise ValidationError(_("Tallet må ikke være negativt."))
    return number


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_extract(*, data: bytes, filename: str) -> ParsedExtract:
    """Read and check a whole extract file; `errors` lists every problem, `lines` is usable only without errors."""
    result = ParsedExtract()
    try:
        rows = iter_rows(data, filename)
        header = next(rows, None)
        while header is not None and not any(_text(c) for c in header):
            header = next(rows, None)
    except ValidationError as exc:
        result.errors.append(RowError(1, _("Fil"), exc.messages[0]))
        return result
    if header is None:
        result.errors.append(RowError(1, _("Fil"), _("Filen er tom.")))
        return result
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADER_WORDS.get(_header_key(title))
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[KEYS.index(key)] for key in KEYS if key in REQUIRED and key not in columns]
    if missing:
        result.errors.append(
            RowError(1, ", ".join(missing), _("Kolonnen mangler. Hent skabelonen og brug dens overskrifter."))
        )
        return result

    granularities: set[int] = set()
    practice_names: dict[str, str] = {}
    prescriber_of: dict[str, tuple[str, str]] = {}
    listed: dict[tuple, int] = {}
    seen: dict[tuple, int] = {}
    practices_with_rows: set[str] = set()
    practices_in_prescriber_rows: dict[str, int] = {}
    row_number = 1
    try:
        for cells in rows:
            row_number += 1
            if not any(_text(c) for c in cells):
                continue
            if row_number - 1 > MAX_ROWS:
                result.errors.append(
                    RowError(
                        row_number,
                        _("Fil"),
                        _("Filen har mere end %(max)s rækker; del den op.") % {"max": MAX_ROWS},
                    )
                )
                break
            line = _parse_line(cells, columns, row_number, result.errors)
            if line is None:
                continue
            granularities.add(line.months)
            column = COLUMNS
            if line.scope in ("practice", "prescriber"):
                known = practice_names.setdefault(line.practice_code, line.practice_name)
                if line.practice_name and known and known != line.practice_name:
                    result.errors.append(
                        RowError(
                            row_number,
                            column[2],
                            _("Ydernummer %(code)s har også navnet %(name)s.")
                            % {"code": line.practice_code, "name": known},
                        )
                    )
            if line.scope == "prescriber":
                practices_in_prescriber_rows.setdefault(line.practice_code, row_number)
                owner = prescriber_of.setdefault(
                    line.prescriber_code, (line.practice_code, line.prescriber_name)
                )
                if owner != (line.practice_code, line.prescriber_name):
                    result.errors.append(
                        RowError(
                            row_number,
                            column[3],
                            _("Behandler-id %(code)s står også med en anden praksis eller et andet navn.")
                            % {"code": line.prescriber_code},
                        )
                    )
            if line.scope == "practice":
                practices_with_rows.add(line.practice_code)
            unit = (line.scope, line.practice_code, line.prescriber_code, line.period)
            key = (*unit, line.atc_code)
            if key in seen:
                result.errors.append(
                    RowError(
                        row_number,
                        column[6],
                        _("Samme enhed, periode og ATC-kode står også i række %(row)s.") % {"row": seen[key]},
                    )
                )
                continue
            seen[key] = row_number
            if line.listed_patients is not None:
                stored = listed.setdefault(unit, line.listed_patients)
                if stored != line.listed_patients:
                    result.errors.append(
                        RowError(
                            row_number,
                            column[9],
                            _(
                                "Tilmeldte patienter skal være det samme tal i alle rækker for samme enhed og periode (%(number)s)."
                            )
                            % {"number": stored},
                        )
                    )
            result.lines.append(line)
    except ValidationError as exc:
        result.errors.append(RowError(row_number, _("Fil"), exc.messages[0]))
    except csv.Error as exc:
        result.errors.append(
            RowError(row_number, _("Fil"), _("Filen kunne ikke læses som CSV: %(error)s") % {"error": exc})
        )

    if len(granularities) > 1:
        result.errors.append(
            RowError(1, COLUMNS[5], _("Brug enten måneder eller kvartaler i hele filen, ikke begge."))
        )
    for code, first_row in practices_in_prescriber_rows.items():
        if code not in practices_with_rows:
            result.errors.append(
                RowError(
                    first_row,
                    COLUMNS[1],
                    _(
                        "Praksis %(code)s har behandlerrækker, men ingen praksisrækker med tilmeldte patienter."
                    )
                    % {"code": code},
                )
            )
    result.errors.extend(_overlapping_codes(result.lines))
    if not result.lines and not result.errors:
        result.errors.append(RowError(1, _("Fil"), _("Filen har ingen datarækker.")))
    result.granularity = "quarter" if granularities == {3} else "month"
    result.errors.sort(key=lambda error: error.row_number)
    return result


def _parse_line(
    cells: list, columns: dict[str, int], row_number: int, errors: list[RowError]
) -> ExtractLine | None:
    def cell(key: str):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def label(key: str) -> str:
        return COLUMNS[KEYS.index(key)]

    ok = True
    scope = SCOPES.get(_text(cell("scope")).lower())
    if scope is None:
        errors.append(RowError(row_number, label("scope"), _("Skriv Praksis, Behandler, Region eller Land.")))
        return None
    practice_code, prescriber_code = _text(cell("practice_code")), _text(cell("prescriber_code"))
    if scope in ("practice", "prescriber") and not practice_code:
        errors.append(
            RowError(
                row_number, label("practice_code"), _("Ydernummer skal udfyldes for praksis og behandlere.")
            )
        )
        ok = False
    if scope == "prescriber" and not prescriber_code:
        errors.append(
            RowError(row_number, label("prescriber_code"), _("Behandler-id skal udfyldes for behandlere."))
        )
        ok = False
    if scope in ("region", "country") and (practice_code or prescriber_code):
        errors.append(
            RowError(
                row_number,
                label("practice_code"),
                _("Region og Land har hverken ydernummer eller behandler."),
            )
        )
        ok = False
    if scope == "practice" and prescriber_code:
        errors.append(
            RowError(
                row_number,
                label("prescriber_code"),
                _("En praksisrække har ingen behandler; brug niveauet Behandler."),
            )
        )
        ok = False
    try:
        period, months = parse_period(cell("period"))
    except ValidationError as exc:
        errors.append(RowError(row_number, label("period"), exc.messages[0]))
        ok, period, months = False, None, 1
    atc = _text(cell("atc")).upper().replace(" ", "")
    if not ATC_PATTERN.match(atc):
        errors.append(
            RowError(
                row_number,
                label("atc"),
                _("%(code)s er ikke en ATC-kode under J01 (fx J01CE02).") % {"code": atc or "–"},
            )
        )
        ok = False
    values = {}
    for key, convert in (
        ("prescriptions", lambda v: _whole(v, required=True)),
        ("ddd", _decimal),
        ("listed", lambda v: _whole(v, required=scope != "prescriber")),
    ):
        try:
            values[key] = convert(cell(key))
        except ValidationError as exc:
            errors.append(RowError(row_number, label(key), exc.messages[0]))
            ok = False
    if ok and scope == "prescriber" and values["listed"] is not None:
        errors.append(
            RowError(
                row_number,
                label("listed"),
                _("Patienter er tilmeldt praksis, ikke behandleren; lad feltet være tomt."),
            )
        )
        ok = False
    if not ok:
        return None
    return ExtractLine(
        row_number=row_number,
        scope=scope,
        practice_code=practice_code,
        practice_name=_text(cell("practice_name")),
        prescriber_code=prescriber_code,
        prescriber_name=_text(cell("prescriber_name")),
        period=period,
        months=months,
        atc_code=atc,
        prescriptions=values["prescriptions"],
        ddd=values["ddd"],
        listed_patients=values["listed"],
    )


def _overlapping_codes(lines: list[ExtractLine]) -> list[RowError]:
    """Rows of one unit and period whose ATC codes overlap (one a prefix of another) would count twice."""
    by_unit: dict[tuple, list[ExtractLine]] = {}
    for line in lines:
        by_unit.setdefault((line.scope, line.practice_code, line.prescriber_code, line.period), []).append(
            line
        )
    errors = []
    for unit_lines in by_unit.values():
        codes = sorted(unit_lines, key=lambda line: line.atc_code)
        for shorter, longer in zip(codes, codes[1:], strict=False):
            if longer.atc_code.startswith(shorter.atc_code):
                errors.append(
                    RowError(
                        longer.row_number,
                        COLUMNS[6],
                        _("%(long)s ligger under %(short)s i række %(row)s og ville blive talt to gange.")
                        % {"long": longer.atc_code, "short": shorter.atc_code, "row": shorter.row_number},
                    )
                )
    return errors


TEMPLATE_EXAMPLE = [
    ["Praksis", "012345", "Lægerne i Byen", "", "", "2025-01", "J01CE02", "41", "512,5", "3120"],
    ["Praksis", "012345", "Lægerne i Byen", "", "", "2025-01", "J01MA02", "3", "21", "3120"],
    ["Behandler", "012345", "Lægerne i Byen", "A1", "Anna Holm", "2025-01", "J01CE02", "17", "210", ""],
    ["Behandler", "012345", "Lægerne i Byen", "A1", "Anna Holm", "2025-01", "J01MA02", "1", "7", ""],
    ["Region", "", "", "", "", "2025-01", "J01CE02", "48210", "601234,5", "1650000"],
    ["Land", "", "", "", "", "2025-01", "J01CE02", "171000", "2104000", "5930000"],
]


def template_csv() -> bytes:
    """The template as Danish Excel opens it: UTF-8 with BOM, semicolons, decimal comma, example rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Datatræk")
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in TEMPLATE_EXAMPLE:
        converted = list(row)
        for index in (7, 8, 9):
            converted[index] = float(row[index].replace(",", ".")) if row[index] else None
        sheet.append(converted)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
