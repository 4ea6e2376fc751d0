"""Hostile files and text (issue 12): bounded reads, bad rows that never stop a batch, compact
roster memory, no control characters from labels or protocol files, CSV formula neutralisation."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketplan.app.roster import MAX_LINE_BYTES, IdRegistry
from ketplan.cli import app
from ketplan.export.csvout import safe_cell

ROOT = Path(__file__).resolve().parent.parent
SC = ROOT / "protocols" / "sc-racemic.toml"
KETPLAN = Path(sys.executable).parent / "ketplan"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"TZ": "UTC"})


def one_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    return line


# ---------------------------------------------------------------- bounded reads


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("option", ["--protocol", "--roster"])
def test_a_device_is_refused_before_a_byte_is_read(option):
    args = ["plan", option, "/dev/zero"] + (
        ["--route", "sc", "--start", "2026-12-01", "--weight", "70kg"] if option == "--protocol" else []
    )
    process = subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, timeout=30, env={**os.environ, "TZ": "UTC"}
    )
    assert process.returncode == 2
    assert "is a device or socket, not a regular file" in process.stderr


def test_protocols_check_refuses_a_device():
    line = one_error(invoke("protocols", "check", "/dev/zero"))
    assert "not a regular file" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("what", ["protocol", "roster"])
def test_a_fifo_is_refused_instead_of_hanging(tmp_path, what):
    fifo = tmp_path / ("p.toml" if what == "protocol" else "r.csv")
    os.mkfifo(fifo)
    if what == "protocol":
        args = ["protocols", "check", str(fifo)]
    else:
        args = ["plan", "--roster", str(fifo)]
    process = subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, timeout=30, env={**os.environ, "TZ": "UTC"}
    )
    assert process.returncode == 2
    assert "is a FIFO, not a regular file" in process.stderr


def test_a_protocol_file_above_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(SC.read_bytes() + b"#" * 1_000_001)
    assert "too large for a protocol file (limit 1000000 bytes)" in one_error(invoke("protocols", "check", str(big)))


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{b=", "}")])
def test_500_levels_of_nesting_are_refused_clearly(tmp_path, opening, closing):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + opening * 500 + ("1" if opening != "[" else "") + closing * 500 + "\n")
    line = one_error(invoke("protocols", "check", str(deep)))
    assert "nested 500 levels deep (limit 32)" in line


def test_a_very_long_roster_line_is_one_bad_row(tmp_path):
    roster = tmp_path / "r.csv"
    long_line = "P02,intranasal,2026-12-01," + "x" * (MAX_LINE_BYTES * 3) + "\n"
    roster.write_text("id,route,start,label\nP01,intranasal,2026-12-01,\n" + long_line + "P03,intranasal,2026-12-01,\n")
    result = invoke("plan", "--roster", str(roster))
    assert result.exit_code == 2
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["P01", "P03"]
    assert f"roster line 3 (id unknown): the line is longer than {MAX_LINE_BYTES} bytes" in result.stderr


def test_a_huge_cell_is_one_bad_row(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text(
        "id,route,start,label\nP01,intranasal,2026-12-01," + "a" * 5000 + "\nP02,intranasal,2026-12-01,\n"
    )
    result = invoke("plan", "--roster", str(roster))
    assert result.exit_code == 2
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["P02"]
    assert "column label: the cell is 5000 characters long (limit 1024)" in result.stderr


def test_an_internal_failure_in_one_row_does_not_stop_the_batch(tmp_path, monkeypatch):
    import ketplan.app.planning as planning

    real = planning.plan_from_text

    def flaky(options, **keywords):
        if options.label == "BOOM":
            raise ValueError("boom")
        return real(options, **keywords)

    monkeypatch.setattr(planning, "plan_from_text", flaky)
    roster = tmp_path / "r.csv"
    roster.write_text(
        "id,route,start,label\nP01,intranasal,2026-12-01,\nP02,intranasal,2026-12-01,BOOM\nP03,intranasal,2026-12-01,\n"
    )
    target = tmp_path / "out.jsonl"
    result = invoke("plan", "--roster", str(roster), "--output", str(target))
    assert result.exit_code == 2
    assert [json.loads(x)["id"] for x in target.read_text().splitlines()] == ["P01", "P03"]
    assert "roster line 3 (id P02): internal failure (ValueError: boom)" in result.stderr


# ---------------------------------------------------------------- roster memory


def test_the_id_check_is_compact():
    """Before: a dict of id strings, ~125 bytes a row. Now: digests in flat arrays."""
    count = 200_000
    ids = [f"PATIENT-{i:07d}" for i in range(count)]
    tracemalloc.start()
    registry = IdRegistry()
    for line, row_id in enumerate(ids, start=2):
        assert registry.add(row_id, line) is None
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current / count < 40, current / count
    assert peak / count < 80, peak / count  # while the table doubles
    assert registry.add("patient-0000005", 10**6) == 7  # case-insensitive, with the first line
    assert len(registry) == count


# ---------------------------------------------------------------- nothing injected


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\u009b", "\u0085", "\u2028", "\x1b", "\u200b", "\ufeff"])
def test_labels_with_control_or_formatting_characters_are_refused(char):
    line = one_error(
        invoke("plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC", "--label", f"P{char}01")
    )
    assert f"U+{ord(char):04X}" in line and char not in line


@pytest.mark.parametrize(
    "text",
    ["\\u202e", "\\u2067", "\\u009b", "\\u0085", "\\u2028", "\\u001b]8;;https://evil\\u001b\\\\"],
    ids=["RLO", "RLI", "CSI", "NEL", "LSEP", "OSC8"],
)
@pytest.mark.parametrize("how", ["check", "plan"])
def test_protocol_text_with_control_characters_is_refused_at_load_and_by_check(tmp_path, text, how):
    source = SC.read_text(encoding="utf-8")
    assert 'title = "' in source
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace('title = "', f'title = "{text}', 1), encoding="utf-8")
    if how == "check":
        result = invoke("protocols", "check", str(bad))
    else:
        result = invoke("plan", "--protocol", str(bad), "--start", "2026-12-01", "--weight", "70kg", "--tz", "UTC")
    line = one_error(result)
    assert "title contains the control or formatting character U+" in line


def test_shipped_protocols_pass_the_text_check():
    result = invoke("protocols", "check", *map(str, sorted((ROOT / "protocols").glob("*.toml"))))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("value", ["=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(value):
    assert safe_cell(value) == "'" + value if value[0] not in "\t\r" else safe_cell(value).startswith("'")
    assert safe_cell(3) == 3 and safe_cell("P01") == "P01"


def test_a_protocol_phase_name_cannot_run_a_formula(tmp_path):
    source = SC.read_text(encoding="utf-8")
    name_line = next(line for line in source.splitlines() if line.strip().startswith("name = "))
    old_name = name_line.split('"')[1]
    evil = tmp_path / "evil.toml"
    evil.write_text(source.replace(f'"{old_name}"', "\"=HYPERLINK('http://x')\""), encoding="utf-8")
    result = invoke(
        "plan", "--protocol", str(evil), "--start", "2026-12-01", "--weight", "70kg", "--tz", "UTC", "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    for row in csv.DictReader(io.StringIO(result.stdout)):
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert "'=HYPERLINK" in result.stdout
