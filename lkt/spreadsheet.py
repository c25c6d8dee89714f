"""Cells that a spreadsheet cannot run: neutralising formula injection in exported files.

Excel, LibreOffice and Google Sheets read a CSV cell that starts with `=`, `+`, `-` or `@` as a
formula (and a leading tab or carriage return is stripped before that decision), so a comment such
as `=HYPERLINK("http://evil", "Klik")` or `+cmd|' /C calc'!A0` becomes live in whoever opens the
export (OWASP "CSV Injection"). The stored value is never changed: only the exported text is.

- CSV: a text cell that starts with a trigger character gets a leading apostrophe, which the
  spreadsheet shows as text and does not display. A plain number such as `-12.5` is left alone,
  it cannot be a formula and BI tools must read it as a number.
- XLSX: cells are typed, so a text cell is written as a string (never a formula) and marked with
  Excel's "quote prefix", which keeps it text even when the user edits the cell.

Django-free: used by the API's CSV, the entry templates and any report that writes a table file.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What may follow the apostrophe in our round-trippable template cells (see template_cell_text).
_TEMPLATE_ESCAPED = (*FORMULA_TRIGGERS, "'")
# A plain decimal number (what our own number columns write): harmless, and must stay a number.
# ASCII digits only (`\d` would take any Unicode digit): the same pattern runs in PostgreSQL
# (`sql_neutralised`), so both CSV paths decide alike.
_PLAIN_NUMBER_PATTERN = r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_PLAIN_NUMBER = re.compile(_PLAIN_NUMBER_PATTERN)


def neutralise_formula(text: str) -> str:
    """The text as a spreadsheet will show it but never evaluate it (OWASP: prefix an apostrophe)."""
    if text and text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def sql_neutralised(expression: str) -> str:
    """`neutralise_formula` as a PostgreSQL expression over the text `expression`, for CSV that the
    database writes itself (COPY). Empty text becomes NULL: COPY writes NULL as an empty field but
    an empty string as `""`, and the Python writer writes both as an empty field.

    The expression is repeated: pass a column, not a costly computation.
    """
    # The first character's code point: an integer comparison, cheaper per row than left(...) IN
    # (text literals), which builds a one-character text and compares it six times. ascii('') is 0.
    triggers = ", ".join(str(ord(c)) for c in FORMULA_TRIGGERS)
    apostrophe = "''''"
    return (
        f"CASE WHEN ascii({expression}) IN ({triggers}) "
        f"AND {expression} !~ '^{_PLAIN_NUMBER_PATTERN}$' THEN {apostrophe} || {expression} "
        f"ELSE NULLIF({expression}, '') END"
    )


def template_cell_text(text: str) -> str:
    """Like neutralise_formula, but reversible by `template_cell_value`, for files users upload again.

    A text that itself starts with an apostrophe gets a second one, so reading the file back gives
    exactly the stored text, whatever it is.
    """
    if text and text.startswith(_TEMPLATE_ESCAPED):
        return "'" + text
    return text


def template_cell_value(text: str) -> str:
    """The stored text for a cell written by `template_cell_text` (one leading apostrophe removed)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_TEMPLATE_ESCAPED):
        return text[1:]
    return text


def xlsx_text_cell(cell, text: str) -> None:
    """Write `text` into an openpyxl cell as a string that Excel will not run as a formula."""
    cell.value = text
    # openpyxl turns any string that starts with "=" into a formula; force the string type.
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        # Excel's quotePrefix: shown as typed, stays text when the cell is edited.
        cell.quotePrefix = True
