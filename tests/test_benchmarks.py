"""benchmarks/run.py works: CI runs it once in --quick mode (the numbers mean nothing there;
the real measurement is a full run on a quiet machine, see the Performance section of README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not part of this source tree (e.g. an sdist)")
def test_benchmark_runs_in_quick_mode(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(results)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for text in (
        "Start-up:",
        "ketplan dose --weight 70kg --format json",
        "ketplan --help",
        "--format ics",
        "Batch:",
        "peak RSS",
    ):
        assert text in done.stdout
    summary = json.loads(results.read_text(encoding="utf-8"))
    assert set(summary["startup"]) >= {"hello", "dose", "help", "ics"}
    assert all(entry["median_ms"] > 0 for entry in summary["startup"].values())
    assert summary["batch"]["per_plan_ms"] > 0
    assert {run["rows"] for run in summary["batch"]["runs"].values()} == {2, 4, 20}
    assert list(tmp_path.iterdir()) == [results]  # everything else was in a temporary folder, now gone
