"""An extra (unplanned) esketamine session's REMS Patient Monitoring Form end to end through the installed
`ketplan` command (real subprocesses): recorded by date, listed as due 7 days after it with its key, its
monitoring alerts in `course status`, its worksheet printed, marked submitted; an unknown key is one
refusal that writes nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")

pytestmark = pytest.mark.skipif(not KETPLAN.exists(), reason="the ketplan console script is not installed")

NEW = ["--route", "intranasal", "--start", "2026-12-01", "--days", "tue,fri", "--tz", "America/New_York"]


class Clinic:
    def __init__(self, tmp_path: Path):
        self.db = tmp_path / "store" / "ketplan.db"

    def run(self, *args: str, now: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG",)}
        env.update({"NO_COLOR": "1", "TZ": "UTC", "KETPLAN_DB": str(self.db), "KETPLAN_NOW": now})
        return subprocess.run(
            [str(KETPLAN), *args], capture_output=True, text=True, encoding="utf-8", timeout=60, env=env
        )

    def ok(self, *args: str, now: str) -> str:
        done = self.run(*args, now=now)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def refused(self, *args: str, now: str) -> str:
        before = self.count()
        done = self.run(*args, now=now)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("ketplan: error: "), done.stderr
        assert "Traceback" not in done.stderr
        assert self.count() == before, "a refusal wrote an entry"
        return done.stderr

    def count(self) -> int:
        with sqlite3.connect(self.db) as con:
            return con.execute("select count(*) from entries").fetchone()[0]


def test_an_extra_sessions_form_from_the_installed_command(tmp_path):
    c = Clinic(tmp_path)
    evening = "2026-12-03T23:00:00Z"  # 18:00 in New York
    c.ok("course", "new", "P01", *NEW, "--weeks", "12", "--quiet", now="2026-11-30T15:00:00Z")
    c.ok("course", "record", "P01", "--session", "1", "--given", now="2026-12-01T23:00:00Z")
    out = c.ok(
        "course",
        "record",
        "P01",
        "--date",
        "2026-12-03",
        "--given",
        "--dose",
        "56",
        "--bp-pre",
        "152/96",
        "--monitoring-minutes",
        "95",
        "--lot",
        "LOT-X",
        now=evening,
    )
    assert "recorded an extra session given on 2026-12-03" in out
    assert "Alert: extra session x3 (2026-12-03): blood pressure before dosing 152/96" in out
    assert "less than the 120 min the REMS requires" in out
    assert " x3  2026-12-03  extra" in c.ok("course", "status", "P01", now=evening)
    status = json.loads(c.ok("course", "status", "P01", "--format", "json", now=evening))
    assert {"bp-pre-high", "monitoring-short"} <= {a["id"] for a in status["alerts"]}

    due = json.loads(c.ok("rems", "due", "--format", "json", now=evening))["forms"]
    assert [(f["session"], f["session_key"], f["date"], f["due"]) for f in due] == [
        (1, "1", "2026-12-01", "2026-12-08"),
        (None, "x3", "2026-12-03", "2026-12-10"),
    ]
    html = tmp_path / "P01-x3.html"
    c.ok("rems", "form", "P01", "--session", "x3", "--format", "html", "--output", str(html), now=evening)
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "extra session x3" in page and "LOT-X" in page and "152/96" in page

    missing = tmp_path / "P01-x7.html"
    assert "--session x7: the course has no extra session x7" in c.refused(
        "rems", "form", "P01", "--session", "x7", "--format", "html", "--output", str(missing), now=evening
    )
    assert not missing.exists()
    assert "--session x7: the course has no extra session x7" in c.refused(
        "rems", "submitted", "P01", "--session", "x7", now=evening
    )

    out = c.ok("rems", "submitted", "P01", "--session", "x3", "--by", "AB", now=evening)
    assert "extra session x3 marked submitted on 2026-12-03" in out
    left = json.loads(c.ok("rems", "due", "--format", "json", now=evening))["forms"]
    assert [f["session_key"] for f in left] == ["1"]
    assert "already marked submitted" in c.refused("rems", "submitted", "P01", "--session", "x3", now=evening)
