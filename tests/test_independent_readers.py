"""ketplan's calendars read by an independent iCalendar implementation: Mozilla ical.js
(Thunderbird's engine), run with node. Every timed event's UTC start and end must equal the
instants in ketplan's JSON for the same plan, including wall times that occur twice (the
fall-back hour), skipped ones (spring forward), 30-minute DST (Lord Howe) and zones whose
rules change from year to year (Casablanca).

ical.js is found through ICALJS_MODULE (a path to the package folder) or .ci/node (where
.ci/run installs it); the test skips when node or ical.js is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketplan.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "readers" / "icaljs_events.cjs"


def _icaljs() -> str | None:
    candidates = [os.environ.get("ICALJS_MODULE", ""), str(ROOT / ".ci" / "node" / "node_modules" / "ical.js")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "package.json").is_file():
            return candidate
    return None


MODULE = _icaljs()
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or MODULE is None,
    reason="needs node and ical.js (npm install --prefix .ci/node ical.js, or set ICALJS_MODULE)",
)

CASES = {
    "new-york-fall-back-01:30": [
        "--tz",
        "America/New_York",
        "--start",
        "2026-10-27",
        "--time",
        "01:30",
        "--days",
        "tue,sun",
    ],
    "new-york-spring-gap-02:30": [
        "--tz",
        "America/New_York",
        "--start",
        "2027-03-09",
        "--time",
        "02:30",
        "--days",
        "tue,sun",
    ],
    "brussels-fall-back-02:30": [
        "--tz",
        "Europe/Brussels",
        "--start",
        "2026-10-20",
        "--time",
        "02:30",
        "--days",
        "tue,sun",
    ],
    "lord-howe-01:45": ["--tz", "Australia/Lord_Howe", "--start", "2027-03-30", "--time", "01:45", "--days", "tue,sun"],
    "casablanca-2027": ["--tz", "Africa/Casablanca", "--start", "2027-01-05", "--days", "tue,fri"],
    "utc": ["--tz", "UTC", "--start", "2026-12-01"],
}


def _plan(args: list[str], fmt: str) -> str:
    base = ["plan", "--route", "intranasal", "--weeks", "12", "--closed", "none", "--label", "P01", *args]
    result = CliRunner().invoke(
        app, [*base, "--format", fmt, *(["--stamp", "2026-11-01T00:00:00Z"] if fmt == "ics" else [])]
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("case", CASES)
def test_icaljs_reads_the_same_utc_instants_as_ketplan_json(case):
    args = CASES[case]
    document = json.loads(_plan(args, "json"))
    expected = sorted((_utc(s["start"]), _utc(s["end"])) for s in document["sessions"])
    calendar = _plan(args, "ics")
    process = subprocess.run(
        ["node", str(SCRIPT)],
        input=calendar,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ICALJS_MODULE": str(MODULE)},
    )
    assert process.returncode == 0, process.stderr
    events = [json.loads(line) for line in process.stdout.splitlines()]
    read = sorted((e["start"][:19], e["end"][:19]) for e in events)
    assert read == expected


def test_a_wall_time_that_occurs_twice_is_written_in_utc():
    calendar = _plan(CASES["new-york-fall-back-01:30"], "ics")
    # 2026-11-01 01:30 happens twice in New York; the plan means the first (EDT, 05:30 UTC).
    assert "DTSTART:20261101T053000Z" in calendar
    assert "DTSTART;TZID=America/New_York:20261101T013000" not in calendar
    assert "DTSTART;TZID=America/New_York:20261027T013000" in calendar  # unambiguous days keep the TZID
