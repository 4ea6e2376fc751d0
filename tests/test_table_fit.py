"""What a person came for is on the last screen, and the rest is one flag away."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ketplan.cli import app

SCREEN = 24
NASAL_26 = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "America/New_York", "--days", "tue,fri"]
IV = ["plan", "--route", "iv", "--weight", "70kg", "--start", "2026-12-07", "--tz", "America/New_York"]
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def run(args, **env):
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "xterm", **env})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("args", [NASAL_26, IV, [*NASAL_26, "--holidays", "US-NY"]])
def test_session_dates_are_on_the_last_screen_at_80_by_24(args):
    out = run(args)
    last_screen = out.splitlines()[-SCREEN:]
    doc = json.loads(run([*args, "--format", "json"]))
    last_session = doc["sessions"][-1]["date"]
    assert any(last_session in line for line in last_screen), "the last session is not on the last screen"
    assert sum(1 for line in last_screen if DATE.search(line)) >= 10


def test_the_default_table_names_the_sources_and_details_shows_them():
    plain = run(NASAL_26)
    headings = {line.strip() for line in plain.splitlines()}
    assert "References" not in headings and "Each session" not in headings
    assert "Sources: [" in plain and "--details" in plain
    detailed = run([*NASAL_26, "--details"])
    headings = {line.strip() for line in detailed.splitlines()}
    assert "References" in headings and "Each session" in headings
    assert "https://" in detailed
    # The sessions still come last, after the details.
    assert detailed.rindex("References") < detailed.rindex("2027-05-18")


def test_draw_up_stays_on_the_screen_for_a_dose():
    out = run(["dose", "--weight", "250lb", "--height", "66in", "--sex", "male", "--dosing-weight", "adjusted"])
    assert any("Draw up" in line for line in out.splitlines()[-SCREEN:])
    assert "References" not in {line.strip() for line in out.splitlines()} and "Sources:" in out
    assert "References" in {line.strip() for line in run(["dose", "--weight", "70kg", "--details"]).splitlines()}


def test_date_format_changes_tables_only():
    us = run([*NASAL_26, "--date-format", "us"])
    assert "12/01/2026" in us and "2026-12-01" not in us
    eu = run([*NASAL_26, "--date-format", "eu"])
    assert "01/12/2026" in eu
    doc = json.loads(run([*NASAL_26, "--format", "json"]))
    assert doc["sessions"][0]["date"] == "2026-12-01"
