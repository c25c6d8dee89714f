"""Uploads are read with bounded resources: bombs and oversized files are refused, with a clear message.

Speed (how fast each is refused) is measured by bench/upload_limits_bench.py, not asserted here.
"""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from measures import upload as upload_module
from measures.upload import parse_upload

pytestmark = pytest.mark.django_db

HEADER = "Indikator;Måned;Tæller;Nævner;Kommentar\n"


def small_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indikator", "Måned", "Tæller", "Nævner"])
    sheet.append(["ddd", "2024-01", 1, 2])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def replace_member(xlsx: bytes, name: str, write) -> bytes:
    """The workbook with one part replaced; `write(stream)` writes the new content in chunks."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == name:
                with target.open(name, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def bomb_sheet(stream, megabytes: int) -> None:
    stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    block = b" " * (1024 * 1024)
    for _ in range(megabytes):
        stream.write(block)
    stream.write(b"</sheetData></worksheet>")


def first_error(content: bytes, name: str) -> str:
    parsed = parse_upload(data=content, filename=name)
    assert parsed.errors, "the file was accepted"
    assert not parsed.rows
    return parsed.errors[0].message


def test_a_zip_bomb_is_refused_by_its_declared_size():
    bomb = replace_member(small_workbook(), "xl/worksheets/sheet1.xml", lambda s: bomb_sheet(s, 200))
    assert len(bomb) < 1024 * 1024  # 200 MB of XML in under 1 MB
    assert "for stort udpakket" in first_error(bomb, "bomb.xlsx")


def test_a_zip_bomb_that_lies_about_its_size_is_refused_while_decompressing():
    bomb = replace_member(small_workbook(), "xl/worksheets/sheet1.xml", lambda s: bomb_sheet(s, 60))
    lied = lie_about_sizes(bomb, "xl/worksheets/sheet1.xml", 1000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(lied)).infolist()) < 100_000
    message = first_error(lied, "bomb.xlsx")
    assert "for stort udpakket" in message or "kunne ikke læses som et Excel-regneark" in message


def lie_about_sizes(xlsx: bytes, name: str, size: int) -> bytes:
    """Patch the uncompressed size of one member in its local header and the central directory."""
    data = bytearray(xlsx)
    encoded = name.encode()
    position = 0
    while (position := data.find(encoded, position + 1)) != -1:
        if data[position - 30 : position - 26] == b"PK\x03\x04":  # local file header
            header = position - 30
            struct.pack_into("<I", data, header + 22, size)
        elif data[position - 46 : position - 42] == b"PK\x01\x02":  # central directory entry
            header = position - 46
            struct.pack_into("<I", data, header + 24, size)
    return bytes(data)


def test_a_billion_laughs_xml_is_refused_before_any_parser_sees_it(settings):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = replace_member(small_workbook(), "xl/worksheets/sheet1.xml", lambda s: s.write(laughs))
    assert "DTD" in first_error(bomb, "laughs.xlsx")


def test_a_sheet_declaring_a_million_rows_is_refused_before_reading(monkeypatch):
    def write(stream):
        stream.write(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:F1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
        )

    declared = replace_member(small_workbook(), "xl/worksheets/sheet1.xml", write)
    assert "mere end 50000 rækker" in first_error(declared, "declared.xlsx")


def test_a_sheet_with_too_many_cells_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(upload_module, "MAX_CELLS", 1000)
    workbook = Workbook()
    sheet = workbook.active
    for row in range(200):
        sheet.append([row] * 10)
    out = io.BytesIO()
    workbook.save(out)
    assert "mere end 1.000 celler" in first_error(out.getvalue(), "wide.xlsx")


def test_a_sheet_with_too_many_columns_is_refused():
    workbook = Workbook()
    workbook.active.append(list(range(60)))
    out = io.BytesIO()
    workbook.save(out)
    assert "mere end 50 kolonner" in first_error(out.getvalue(), "wide.xlsx")


def test_a_10_mb_csv_is_refused_for_its_rows_with_a_clear_message(world, client_for):
    line = "ddd;2024-01;12;40;en helt almindelig kommentar til måneden\n"
    content = (HEADER + line * ((10_000_000 - 60) // len(line.encode()))).encode("utf-8")
    assert 9_500_000 < len(content) <= 10_000_000
    client = client_for(world.data_entry)
    response = client.post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("stor.csv", content), "indicator": ""},
    )
    assert response.status_code == 400
    assert "Filen har mere end 50000 rækker; del den op." in response.content.decode()


def test_a_csv_with_a_1_mb_field_is_refused_with_a_clear_message(world, client_for):
    content = (HEADER + "ddd;2024-01;12;40;" + "x" * 1_000_000 + "\n").encode("utf-8")
    client = client_for(world.data_entry)
    response = client.post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("felt.csv", content), "indicator": ""},
    )
    assert response.status_code == 400
    assert "En celle i filen er over 128 KiB" in response.content.decode()


def test_a_quoted_field_just_over_the_cell_limit_is_refused():
    content = (HEADER + 'ddd;2024-01;12;40;"' + "x" * 10_001 + '"\n').encode("utf-8")
    assert "mere end 10000 tegn" in first_error(content, "felt.csv")


def test_a_csv_with_too_many_columns_is_refused():
    content = (HEADER + ";".join(["1"] * 60) + "\n").encode("utf-8")
    assert "mere end 50 kolonner" in first_error(content, "wide.csv")


def test_an_ordinary_workbook_still_reads():
    parsed = parse_upload(data=small_workbook(), filename="ok.xlsx")
    assert not parsed.errors
    assert len(parsed.rows) == 1
