"""How fast hostile uploads are refused, as a ratio to reading a small ordinary file (the floor).

    .venv/bin/python bench/upload_limits_bench.py

parse_upload only (no database): a 200 MB-uncompressed zip bomb, a bomb that lies about its size,
a billion-laughs sheet, a 10 MB CSV, a CSV with a 1 MB field, and, for scale, the largest workbook
accepted (50,000 rows x 6 columns). Prints seconds and the ratio to the floor.
"""

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from measures.upload import parse_upload  # noqa: E402
from tests.security.test_upload_limits import (  # noqa: E402
    HEADER,
    bomb_sheet,
    lie_about_sizes,
    replace_member,
    small_workbook,
)


def timed(data: bytes, name: str) -> tuple[float, str]:
    start = time.perf_counter()
    parsed = parse_upload(data=data, filename=name, indicator_code="ddd")
    elapsed = time.perf_counter() - start
    return elapsed, parsed.errors[0].message if parsed.errors else f"accepted, {len(parsed.rows)} rows"


def main() -> None:
    floor = min(timed(small_workbook(), "ok.xlsx")[0] for _ in range(5))
    sheet = "xl/worksheets/sheet1.xml"
    big = Workbook(write_only=True)
    big_sheet = big.create_sheet()
    big_sheet.append(["Indikator", "Måned", "Tæller", "Nævner", "Kommentar", "Intet at indberette"])
    for i in range(50_000):
        big_sheet.append(["ddd", f"{1990 + i // 12}-{i % 12 + 1:02d}", i, i + 1, f"kommentar {i}", ""])
    out = io.BytesIO()
    big.save(out)
    line = "ddd;2024-01;12;40;en helt almindelig kommentar til måneden\n"
    cases = {
        "zip bomb, 200 MB declared": (
            replace_member(small_workbook(), sheet, lambda s: bomb_sheet(s, 200)),
            "b.xlsx",
        ),
        "zip bomb, lying sizes": (
            lie_about_sizes(
                replace_member(small_workbook(), sheet, lambda s: bomb_sheet(s, 60)), sheet, 1000
            ),
            "b.xlsx",
        ),
        "10 MB CSV": ((HEADER + line * (9_999_000 // len(line.encode()))).encode(), "big.csv"),
        "CSV with a 1 MB field": ((HEADER + "ddd;2024-01;1;2;" + "x" * 1_000_000 + "\n").encode(), "f.csv"),
        "largest accepted workbook (50,000 rows)": (out.getvalue(), "big.xlsx"),
    }
    print(f"floor (small workbook): {floor * 1000:.1f} ms")
    for label, (data, name) in cases.items():
        elapsed, outcome = timed(data, name)
        print(
            f"{label}: {elapsed:.2f} s = {elapsed / floor:.0f} x floor ({len(data) / 1e6:.2f} MB) -> {outcome}"
        )


if __name__ == "__main__":
    main()
