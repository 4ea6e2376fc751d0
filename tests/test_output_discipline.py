"""Output discipline: colour only on a real terminal, and numbers that survive any width.

- NO_COLOR, TERM=dumb and a stdout that is not a terminal: no escape sequence at all (bold
  included), checked through CliRunner and through a real pseudo-terminal.
- COLUMNS=40 (plain lines) and 50/59/60/61/80/100/120 (tables): every dose, amount and date
  appears whole on one line, no line break separates a number from its unit, nothing is cut
  with an ellipsis, and below 60 columns no line is wider than the terminal (links aside).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketplan.cli import app

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")
ESC = "\x1b"
NO_FORCE = {"FORCE_COLOR": None, "CLICOLOR_FORCE": None, "KETPLAN_DEBUG": None, "TZ": "UTC"}
WIDTHS = [40, 50, 59, 60, 61, 80, 100, 120]
UNIT = re.compile(r"^\s*[│|]?\s*(mg/kg/h|mg/kg|mg/mL|mg/h|mL/h|mg|mL|kg/m²|kg|cm|min|h|devices?)\b")
ENDS_IN_NUMBER = re.compile(r"\d\s*[│|]?\s*$")
DISCLAIMER = "Clinical decision support only: not a substitute for clinical judgement or the product label."

DOSES = [
    ["dose", "--weight", "70kg"],
    [
        "dose",
        "--weight",
        "250lb",
        "--height",
        "66in",
        "--sex",
        "male",
        "--dosing-weight",
        "adjusted",
        "--age",
        "70",
        "--concentration",
        "50",
    ],
    ["dose", "--weight", "70kg", "--concentration", "100", "--minutes", "120", "--final-volume", "50", "--age", "80"],
    ["dose", "--weight", "349.9kg", "--mg-per-kg", "0.95", "--concentration", "13", "--height", "180cm"],
    [
        "dose",
        "--weight",
        "55kg",
        "--height",
        "170cm",
        "--sex",
        "female",
        "--dosing-weight",
        "ideal",
        "--mg-per-kg",
        "0.1",
    ],
]
PLANS = [
    [
        "plan",
        "--route",
        "intranasal",
        "--start",
        "2026-12-01",
        "--days",
        "tue,fri",
        "--tz",
        "Europe/Brussels",
        "--holidays",
        "BE",
        "--weeks",
        "12",
        "--label",
        "P01",
    ],
    [
        "plan",
        "--route",
        "intranasal",
        "--dose",
        "84",
        "--start",
        "2026-12-01",
        "--tz",
        "America/New_York",
        "--holidays",
        "US",
        "--age",
        "70",
        "--first-dose",
        "28",
        "--every",
        "1",
    ],
    [
        "plan",
        "--route",
        "iv",
        "--weight",
        "250lb",
        "--height",
        "66in",
        "--sex",
        "male",
        "--dosing-weight",
        "ideal",
        "--start",
        "2026-12-01",
        "--tz",
        "Europe/Brussels",
        "--holidays",
        "BE",
        "--skip",
        "2026-12-04",
    ],
    ["plan", "--route", "im", "--weight", "120kg", "--start", "2026-12-01", "--tz", "UTC"],
    [
        "plan",
        "--route",
        "sc",
        "--weight",
        "70kg",
        "--mg-per-kg",
        "0.9",
        "--start",
        "2026-12-21",
        "--tz",
        "UTC",
        "--holidays",
        "GB",
    ],
    [
        "plan",
        "--route",
        "oral",
        "--weight",
        "120kg",
        "--mg-per-kg",
        "1.25",
        "--start",
        "2026-12-01",
        "--tz",
        "UTC",
        "--days",
        "wednesday",
    ],
    [
        "plan",
        "--route",
        "intranasal",
        "--start",
        "2027-03-21",
        "--days",
        "sun,wed",
        "--closed",
        "none",
        "--tz",
        "Europe/Brussels",
        "--time",
        "02:30",
        "--weeks",
        "4",
    ],
]
PROTOCOLS = [
    ["protocols"],
    ["protocols", "show", "esketamine-trd"],
    ["protocols", "show", "iv-racemic-twice-weekly"],
    ["protocols", "show", "im-racemic"],
]


def invoke(args: list[str], **env: str | None):
    result = CliRunner().invoke(app, args, env={**NO_FORCE, **env})
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def _ids(commands):
    return [" ".join(c[:3]) + f" #{i}" for i, c in enumerate(commands)]


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize("args", DOSES[:2] + PLANS[:3] + PROTOCOLS, ids=_ids(DOSES[:2] + PLANS[:3] + PROTOCOLS))
@pytest.mark.parametrize(
    "env",
    [{"NO_COLOR": "1"}, {"TERM": "dumb", "NO_COLOR": None}, {"NO_COLOR": None, "TERM": "xterm-256color"}],
    ids=["NO_COLOR", "TERM=dumb", "not-a-tty"],
)
def test_no_escape_sequences_without_a_colour_terminal(args, env):
    out = invoke(args, COLUMNS="100", **env)
    assert ESC not in out
    assert " ".join(out.split()).endswith(DISCLAIMER)


def test_a_table_written_with_output_is_plain_text(tmp_path: Path):
    target = tmp_path / "plan.txt"
    invoke([*PLANS[0], "--output", str(target)], NO_COLOR=None, TERM="xterm-256color")
    text = target.read_text(encoding="utf-8")
    assert ESC not in text
    assert "2026-12-28" in text and "56 mg" in text


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """Run the installed command with stdout on a pseudo-terminal; return what it wrote."""
    import pty  # noqa: F401 - POSIX only; the caller skips elsewhere

    leader, follower = os.openpty()
    base = {
        k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "KETPLAN_DEBUG")
    }
    process = subprocess.Popen(
        [str(KETPLAN), *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**base, "COLUMNS": "100", "TZ": "UTC", "KETPLAN_PAGER": "cat", **env},  # paging: test_pager.py
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, process.stderr.read()
    return b"".join(chunks)


@pytest.mark.skipif(
    os.name != "posix" or not KETPLAN.exists(), reason="needs a POSIX pseudo-terminal and the installed command"
)
@pytest.mark.parametrize("args", [DOSES[1], PLANS[0]], ids=["dose", "plan"])
def test_on_a_real_terminal_colour_follows_no_color_and_term(args):
    coloured = _run_on_a_terminal(args, {"TERM": "xterm-256color"})
    assert b"\x1b[" in coloured  # the check can see escapes when there are some
    assert b"\x1b[" not in _run_on_a_terminal(args, {"TERM": "xterm-256color", "NO_COLOR": "1"})
    assert b"\x1b[" not in _run_on_a_terminal(args, {"TERM": "dumb"})
    # An empty NO_COLOR does not count (no-color.org): colour stays on.
    assert b"\x1b[" in _run_on_a_terminal(args, {"TERM": "xterm-256color", "NO_COLOR": ""})


# ---------------------------------------------------------------- widths


@functools.cache
def _expected_strings(args: tuple[str, ...]) -> list[str]:
    """Doses, amounts and dates as the table prints them, taken from the JSON answer."""
    doc = json.loads(invoke([*args, "--format", "json"]))
    if args[0] == "dose":
        strings = [
            f"{doc['dose_mg']:.1f} mg",
            f"{doc['delivered_dose_mg']:.1f} mg",
            f"{doc['pump_rate_ml_per_h']:.1f} mL/h",
            f"{doc['dose_rate_mg_per_h']:.1f} mg/h",
            f"{doc['mg_per_kg']:g} mg/kg",
        ]
        ml = doc["drug_volume_ml"]
        strings.append(f"{ml:.2f} mL" if ml < 1 else f"{ml:.1f} mL")
        return strings
    strings = [f"{doc['summary']['cumulative_dose_mg']:g} mg"]
    for s in doc["sessions"]:
        strings.append(s["date"])
        if s["devices"] is not None:
            strings += [f"{s['dose_mg']:g} mg", f"{s['devices']} device{'s' if s['devices'] != 1 else ''}"]
        else:
            ml = s["drug_volume_ml"]
            strings.append(f"{s['dose_mg']:.1f} mg")
            if ml is not None:
                strings.append(f"{ml:.2f} mL" if ml < 1 else f"{ml:.1f} mL")
        if s["moved_from"]:
            moved = date.fromisoformat(s["moved_from"])
            strings.append(f"{moved.strftime('%a')} {moved.isoformat()}")  # one date format in tables
    strings += [c["date"] for c in doc["checkpoints"] if c["session"] is None or "REMS" not in c["title"]]
    return strings


def _check_lines(out: str, columns: int, label: str) -> None:
    lines = out.splitlines()
    for above, below in itertools.pairwise(lines):
        assert not (ENDS_IN_NUMBER.search(above) and UNIT.match(below)), (label, columns, above, below)
    if columns < 60:
        for line in lines:
            if "http" not in line:
                assert len(line) <= columns, (label, columns, line)


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("args", DOSES + PLANS, ids=_ids(DOSES + PLANS))
def test_doses_and_dates_stay_whole_at_every_width(args, columns):
    out = invoke(args, COLUMNS=str(columns), NO_COLOR="1")
    lines = out.splitlines()
    for expected in _expected_strings(tuple(args)):
        assert any(expected in line for line in lines), (columns, expected)
    assert "…" not in out  # a table never cuts a value short
    _check_lines(out, columns, " ".join(args[:3]))
    assert " ".join(out.split()).endswith(DISCLAIMER)


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("args", PROTOCOLS, ids=_ids(PROTOCOLS))
def test_protocol_text_keeps_numbers_with_their_units(args, columns):
    out = invoke(args, COLUMNS=str(columns), NO_COLOR="1")
    _check_lines(out, max(columns, 60), " ".join(args))  # long links aside, prose wraps at the width
    assert "…" not in out


def test_narrow_plan_is_plain_lines_with_every_session_on_its_own_line():
    out = invoke(PLANS[0], COLUMNS="40", NO_COLOR="1")
    assert "─" not in out and "│" not in out  # no table drawing below 60 columns
    starts = [line.split()[0].rstrip("*") for line in out.splitlines() if re.match(r"^\d+\*? 20\d\d-", line)]
    assert starts == [str(n) for n in range(1, len(starts) + 1)] and len(starts) == 14


def test_dst_note_is_shown_in_the_table_and_the_warnings():
    out = invoke(PLANS[-1], COLUMNS="120", NO_COLOR="1")
    one_line = " ".join(out.split())
    assert "02:30 does not exist on 2027-03-28 in Europe/Brussels (clocks go forward): starts 03:30" in one_line
    assert "Clock change: --time 02:30" in one_line
