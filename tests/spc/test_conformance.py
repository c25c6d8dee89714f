"""qicharts2 conformance: every reference case is its own test.

The vectors are copies inside the repository (tests/spc/vectors/qicharts2,
copied from the shared reference folder with its README; override with
``SPC_VECTORS_DIR``).  A missing folder is a FAILURE, not a skip: a silently
skipped conformance suite would hide regressions.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from measures.spc.conformance import check_case, find_cases, main

DEFAULT_DIR = Path(__file__).resolve().parent / "vectors" / "qicharts2"


def vectors_dir() -> Path:
    env = os.environ.get("SPC_VECTORS_DIR")
    return Path(env) if env else DEFAULT_DIR


VECTORS = vectors_dir()
CASES = find_cases([VECTORS]) if VECTORS.is_dir() else []
MISSING_MSG = (
    f"SPC conformance vectors not found in {VECTORS} (expected qicharts2 case files *.json). "
    "They belong in tests/spc/vectors/qicharts2 (or set SPC_VECTORS_DIR)."
)

if CASES:
    PARAMS = [pytest.param(case, id=str(case.get("name") or path.stem)) for path, case in CASES]
else:
    PARAMS = [pytest.param(None, id="spc-vectors-missing")]


@pytest.mark.parametrize("case", PARAMS)
def test_case_matches_qicharts2(case: dict | None) -> None:
    if case is None:
        pytest.fail(MISSING_MSG)
    diff = check_case(case)
    assert diff is None, f"{case['name']}: {diff}"


def test_runner_reports_all_passed(capsys: pytest.CaptureFixture[str]) -> None:
    if not VECTORS.is_dir():
        pytest.fail(MISSING_MSG)
    assert main([str(VECTORS)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == f"{len(CASES)} passed, 0 failed"


def _a_case() -> dict:
    if not CASES:
        pytest.fail(MISSING_MSG)
    return copy.deepcopy(next(c for _, c in CASES if c["chart"] == "p"))


def test_runner_detects_differences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _a_case()
    case["name"] = "tampered"
    case["expected"]["ucl"][3] *= 1 + 1e-7  # beyond the 1e-9 tolerance
    (tmp_path / "tampered.json").write_text(json.dumps(case))
    ok = _a_case()
    ok["expected"]["ucl"][3] *= 1 + 1e-11  # within tolerance
    (tmp_path / "ok.json").write_text(json.dumps(ok))
    (tmp_path / "not_a_case.json").write_text(json.dumps({"description": "tables"}))
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "1 passed, 1 failed"
    assert out[0].startswith("FAIL tampered: field ucl point 3")


def test_runner_checks_summary_and_booleans() -> None:
    case = _a_case()
    case["expected"]["summary"][0]["n.crossings"] += 1
    assert "n.crossings" in (check_case(case) or "")
    case = _a_case()
    case["expected"]["sigma.signal"][0] = not case["expected"]["sigma.signal"][0]
    assert "sigma.signal" in (check_case(case) or "")


def test_error_cases() -> None:
    case = _a_case()
    case["expected"] = {"error": "should refuse"}
    assert "computed a chart" in (check_case(case) or "")
    t_case = {
        "name": "t_nonpositive",
        "chart": "t",
        "args": {"exclude": [2]},
        "input": {
            "x_type": "date",
            "x": ["2021-01-01", "2021-02-01", "2021-03-01"],
            "y": [3, 0, 5],
            "n": None,
        },
        "expected": {"error": "Time between events must be greater than zero"},
    }
    assert check_case(t_case) is None


def test_runner_without_cases_fails(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 1
    assert main([str(tmp_path / "nope")]) == 2
