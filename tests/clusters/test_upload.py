"""The extract import format: Danish headers, semicolon, decimal comma, every error with row and column."""

from decimal import Decimal

from clusters.upload import parse_extract, template_csv, template_xlsx

HEADER = (
    "Niveau;Ydernummer;Praksis;Behandler-id;Behandler;Periode;ATC-kode;Recepter;DDD;Tilmeldte patienter\n"
)


def parse(body: str, filename: str = "x.csv"):
    return parse_extract(data=(HEADER + body).encode("utf-8"), filename=filename)


def test_it_reads_the_template():
    result = parse_extract(data=template_csv(), filename="t.csv")
    assert result.errors == []
    assert len(result.lines) == 6
    first = result.lines[0]
    assert (
        first.scope,
        first.practice_code,
        first.atc_code,
        first.prescriptions,
        first.ddd,
        first.listed_patients,
    ) == ("practice", "012345", "J01CE02", 41, Decimal("512.5"), 3120)
    xlsx = parse_extract(data=template_xlsx(), filename="t.xlsx")
    assert xlsx.errors == [] and len(xlsx.lines) == 6
    assert xlsx.lines[0].ddd == Decimal("512.5")


def test_quarters_and_windows_1252():
    body = "Praksis;1;Lægerne;;;2025-K2;J01;10;;2000\n"
    result = parse_extract(data=(HEADER + body).encode("cp1252"), filename="x.csv")
    assert result.errors == []
    assert result.lines[0].period.month == 4 and result.lines[0].months == 3
    assert result.granularity == "quarter"


def test_every_error_is_reported_with_row_and_column():
    body = (
        "Praksis;1;A;;;2025-01;J01CE02;1.234;;2000\n"  # ambiguous number
        "Behandler;1;A;;Læge;2025-01;J01CE02;3;;\n"  # prescriber without id
        "Praksis;1;A;;;2025-13;J01CE02;3;;2000\n"  # no such month
        "Praksis;1;A;;;2025-02;X99;3;;2000\n"  # not J01
        "Praksis;1;A;;;2025-03;J01CE02;3,5;;2000\n"  # not a whole number
        "Behandler;1;A;B1;Læge;2025-03;J01CE02;3;;2000\n"  # listed patients on a prescriber
        "Region;;;;;2025-03;J01CE02;3;;\n"  # region without population
    )
    result = parse(body)
    found = {(e.row_number, e.column) for e in result.errors}
    assert found == {
        (2, "Recepter"),
        (3, "Behandler-id"),
        (4, "Periode"),
        (5, "ATC-kode"),
        (6, "Recepter"),
        (7, "Tilmeldte patienter"),
        (8, "Tilmeldte patienter"),
    }
    assert not result.is_valid


def test_cross_row_rules():
    body = (
        "Praksis;1;A;;;2025-01;J01CE;5;;2000\n"
        "Praksis;1;A;;;2025-01;J01CE02;3;;2000\n"  # overlaps J01CE: counted twice
        "Praksis;1;A;;;2025-01;J01MA02;3;;2100\n"  # listed patients differ within the month
        "Praksis;1;A;;;2025-01;J01MA02;1;;2000\n"  # duplicate
        "Praksis;1;A;;;2025-Q2;J01;1;;2000\n"  # months and quarters mixed
        "Behandler;2;B;B1;Læge;2025-01;J01;1;;\n"  # practice 2 has no practice rows
    )
    messages = " ".join(e.message for e in parse(body).errors)
    assert "talt to gange" in messages
    assert "samme tal" in messages
    assert "står også i række" in messages
    assert "måneder eller kvartaler" in messages
    assert "ingen praksisrækker" in messages


def test_missing_columns_and_unreadable_files():
    result = parse_extract(data=b"Niveau;Periode\nPraksis;2025-01\n", filename="x.csv")
    assert result.errors[0].column == "ATC-kode, Recepter"
    assert parse_extract(data=b"not a workbook", filename="x.xlsx").errors[0].column == "Fil"
    assert parse_extract(data=b"", filename="x.csv").errors[0].message == "Filen er tom."
