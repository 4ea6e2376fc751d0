"""The installed `ketplan` console script, run as a real subprocess (not CliRunner).

This is what a clinician's shell runs: the entry point in pyproject.toml, real stdout/stderr,
real exit codes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import as_error_line

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")

pytestmark = pytest.mark.skipif(
    not KETPLAN.exists(),
    reason=f"the ketplan console script is not installed next to {sys.executable} "
    "(install the package, e.g. `pip install -e .`, to run this test)",
)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG",)}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(KETPLAN), *args], capture_output=True, text=True, encoding="utf-8", timeout=60, env=env)


def test_installed_ketplan_dose_json_and_refusal():
    ok = run("dose", "--weight", "70kg", "--mg-per-kg", "0.5", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr == ""
    doc = json.loads(ok.stdout)
    assert doc["dose_mg"] == 35.0
    assert doc["drug_volume_ml"] == 3.5
    assert doc["pump_rate_ml_per_h"] == 150.0

    refused = run("dose", "--weight", "70kg", "--mg-per-kg", "1.5", "--format", "json")
    assert refused.returncode == 2
    assert refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith('{"error": ')  # --format json: the error is JSON too
    assert as_error_line(lines[0], exit_code=2).startswith("ketplan: error: ")
    assert "--mg-per-kg" in lines[0]
    assert "Traceback" not in refused.stderr


def test_installed_ketplan_refuses_a_weight_without_unit_and_reads_feet_and_inches():
    # issue 11: a bare number is never read as kg; heights in feet and inches are read exactly.
    bare = run("dose", "--weight", "154")
    assert bare.returncode == 2 and bare.stdout == ""
    assert bare.stderr.strip() == "ketplan: error: --weight 154 has no unit; add a unit: 154kg or 154lb"
    ok = run("dose", "--weight", "154lb", "--height", "5'9\"", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["height_cm"] == 175.3
