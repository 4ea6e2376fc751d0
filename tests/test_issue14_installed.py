"""Issue 14 end to end through the installed `ketplan` command (real subprocesses):

a coordinator records a week of esketamine sessions with blood pressure and monitoring data, sees
the REMS forms due and prints each worksheet; a psychiatrist enters PHQ-9 and MADRS scores and sees
response and remission at week 4 with the threshold and its source; `clinic today` lists the day's work.
"""

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


def _evening(day: str) -> str:
    return f"{day}T23:00:00Z"  # 18:00 in New York: the session is over


def test_a_coordinators_week_a_psychiatrists_week_4_and_the_clinic_day(tmp_path):
    c = Clinic(tmp_path)
    c.ok("course", "new", "P01", *NEW, "--weeks", "12", "--quiet", now="2026-11-30T15:00:00Z")
    c.ok("course", "new", "P02", *NEW, "--weeks", "12", "--quiet", now="2026-11-30T15:00:00Z")
    c.ok("course", "new", "P03", *NEW, "--weeks", "12", "--quiet", "--setting", "inpatient", now="2026-11-30T15:00:00Z")

    # Baseline scores the day before session 1.
    c.ok("course", "score", "P01", "--date", "2026-11-30", "--phq9", "2,2,2,2,2,2,2,2,0", now="2026-11-30T20:00:00Z")
    c.ok("course", "score", "P01", "--date", "2026-11-30", "--madrs", "34", now="2026-11-30T20:00:00Z")

    # The coordinator's week: sessions 1 and 2 of each course, with BP and monitoring.
    out = c.ok(
        "course",
        "record",
        "P01",
        "--session",
        "1",
        "--given",
        "--bp-pre",
        "128/82",
        "--bp-40",
        "150/95",
        "--bp-discharge",
        "132/84",
        "--pulse-ox",
        "97",
        "--monitoring-minutes",
        "125",
        "--lot",
        "LOT-A1",
        "--concomitant",
        "none",
        now=_evening("2026-12-01"),
    )
    assert "Alert" not in out  # a rise of 22/13 mmHg is inside the outlier thresholds
    c.ok(
        "course",
        "record",
        "P02",
        "--session",
        "1",
        "--given",
        "--bp-pre",
        "118/76",
        "--bp-40",
        "126/80",
        "--bp-discharge",
        "120/78",
        "--monitoring-start",
        "09:05",
        "--monitoring-end",
        "11:20",
        "--lot",
        "LOT-A1",
        "--concomitant",
        "benzodiazepine",
        now=_evening("2026-12-01"),
    )
    c.ok("course", "record", "P03", "--session", "1", "--given", "--bp-pre", "120/80", now=_evening("2026-12-01"))
    out = c.ok(
        "course",
        "record",
        "P01",
        "--session",
        "2",
        "--given",
        "--dose",
        "84",
        "--bp-pre",
        "146/92",
        "--bp-40",
        "188/118",
        "--bp-discharge",
        "150/95",
        "--monitoring-minutes",
        "110",
        "--sedation",
        "--ae",
        "nausea",
        "--lot",
        "LOT-B2",
        "--concomitant",
        "none",
        now=_evening("2026-12-04"),
    )
    assert "above about 140/90" in out and "weigh the risk" in out
    assert "clinical-trial outlier thresholds" in out and "Table 6" in out
    assert "less than the 120 min the REMS requires" in out
    assert "confirm it resolved before discharge" in out
    assert "accessdata.fda.gov" in out and "dailymed.nlm.nih.gov" in out
    # The nurse adds the resolution and the longer monitoring the next morning (an added entry).
    out = c.ok(
        "course",
        "record",
        "P01",
        "--session",
        "2",
        "--sedation",
        "--resolved",
        "--monitoring-minutes",
        "135",
        now="2026-12-05T14:00:00Z",
    )
    assert "recorded monitoring data for session 2" in out
    assert "120 min the REMS" not in out and "confirm it resolved" not in out
    c.ok(
        "course",
        "record",
        "P02",
        "--session",
        "2",
        "--given",
        "--bp-pre",
        "120/78",
        "--bp-40",
        "150/90",
        "--bp-discharge",
        "124/80",
        "--monitoring-minutes",
        "120",
        "--lot",
        "LOT-B2",
        "--concomitant",
        "none",
        now=_evening("2026-12-04"),
    )

    # Refusals: one line, nothing written.
    assert "systolic must be above diastolic" in c.refused(
        "course", "record", "P02", "--session", "3", "--given", "--bp-pre", "80/120", now=_evening("2026-12-08")
    )
    assert "not plausible" in c.refused(
        "course", "record", "P02", "--session", "3", "--given", "--bp-40", "300/100", now=_evening("2026-12-08")
    )
    assert "not recorded as given" in c.refused(
        "course", "record", "P02", "--session", "5", "--bp-pre", "120/80", now=_evening("2026-12-08")
    )

    # Forms due: the outpatient courses' four sessions, none for the inpatient course.
    due = json.loads(c.ok("rems", "due", "--format", "json", now="2026-12-05T14:00:00Z"))["forms"]
    assert [(f["label"], f["session"], f["due"]) for f in due] == [
        ("P01", 1, "2026-12-08"),
        ("P02", 1, "2026-12-08"),
        ("P01", 2, "2026-12-11"),
        ("P02", 2, "2026-12-11"),
    ]
    assert all(f["missing"] == [] for f in due)
    table = c.ok("rems", "due", now="2026-12-05T14:00:00Z")
    assert "P03" not in table and "does not submit" in table
    assert "inpatient settings do not submit" in c.refused(
        "rems", "form", "P03", "--session", "1", now="2026-12-05T14:00:00Z"
    )

    # Each worksheet, printed; identifying fields blank.
    for label, n in (("P01", 1), ("P01", 2), ("P02", 1), ("P02", 2)):
        sheet = json.loads(
            c.ok("rems", "form", label, "--session", str(n), "--format", "json", now="2026-12-05T14:00:00Z")
        )
        fields = {f["name"]: f["value"] for s in sheet["sections"] for f in s["fields"]}
        assert fields["First name, MI, last name"] is None and fields["Birthdate"] is None and fields["Sex"] is None
        assert fields["Treatment date"] in ("2026-12-01", "2026-12-04")
        assert "does not submit" in sheet["prepared_not_submitted"]
    sheet = json.loads(c.ok("rems", "form", "P01", "--session", "2", "--format", "json", now="2026-12-05T14:00:00Z"))
    fields = {f["name"]: f["value"] for s in sheet["sections"] for f in s["fields"]}
    assert fields["Dose administered"] == "84 mg" and fields["Devices"] == "3" and fields["Lot number"] == "LOT-B2"
    assert fields["Blood pressure about 40 min after administration (mmHg)"] == "188/118"
    assert fields["Sedation"] == "Yes" and fields["Resolved before discharge"] == "Yes"
    assert fields["Adverse events"] == "nausea"
    assert fields["Total time, minutes (first device to completion of monitoring; at least 2 hours)"] == "135"
    html_path = tmp_path / "P01-2.html"
    c.ok(
        "rems",
        "form",
        "P01",
        "--session",
        "2",
        "--format",
        "html",
        "--output",
        str(html_path),
        now="2026-12-05T14:00:00Z",
    )
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "188/118" in html
    assert "<script" not in html and 'src="http' not in html

    c.ok("rems", "submitted", "P01", "--session", "1", "--date", "2026-12-05", now="2026-12-05T14:00:00Z")
    assert "already marked submitted" in c.refused(
        "rems", "submitted", "P01", "--session", "1", now="2026-12-05T14:00:00Z"
    )
    left = [
        (f["label"], f["session"])
        for f in json.loads(c.ok("rems", "due", "--format", "json", now="2026-12-05T14:00:00Z"))["forms"]
    ]
    assert left == [("P02", 1), ("P01", 2), ("P02", 2)]
    # Overdue first once past due.
    overdue = json.loads(c.ok("rems", "due", "--format", "json", now="2026-12-09T14:00:00Z"))["forms"]
    assert overdue[0]["label"] == "P02" and overdue[0]["overdue"] is True and overdue[0]["days_left"] == -1

    # PHQ-9 item 9 above 0 raises an alert that day, in the score output, status and the clinic's day.
    out = c.ok(
        "course", "score", "P02", "--date", "2026-12-08", "--phq9", "2,2,2,1,1,1,1,1,1", now="2026-12-08T14:00:00Z"
    )
    assert "ALERT: PHQ-9 item 9" in out and "assess suicidal ideation" in out

    today = json.loads(c.ok("clinic", "today", "--date", "2026-12-08", "--format", "json", now="2026-12-08T14:00:00Z"))
    assert [(s["label"], s["session"], s["time"]) for s in today["sessions"]] == [
        ("P01", 3, "09:00"),
        ("P02", 3, "09:00"),
        ("P03", 3, "09:00"),
    ]
    assert today["sessions"][0]["devices"] == 2 and today["sessions"][0]["dose_mg"] == 56
    assert {(f["label"], f["session"]) for f in today["rems_forms"]} == {("P02", 1), ("P01", 2), ("P02", 2)}
    assert today["rems_forms"][0]["overdue"] is False and today["rems_forms"][0]["days_left"] == 0
    ids = {(a["label"], a["id"]) for a in today["alerts"]}
    assert ("P02", "phq9-item9") in ids
    assert ("P01", "bp-pre-high") in ids and ("P01", "bp-outlier") in ids
    assert ("P02", "bp-outlier") not in ids  # P02's last session: a rise of 30/12 is inside the thresholds
    text = c.ok("clinic", "today", "--date", "2026-12-08", now="2026-12-08T14:00:00Z")
    assert "Sessions (3)" in text and "REMS monitoring forms waiting (3)" in text and "PHQ-9 item 9" in text

    # Weeks 1-4 given for P01 (sessions 3-8), then the psychiatrist's week-4 scores.
    c.ok("course", "record", "P01", "--sessions", "3-8", "--given", now=_evening("2026-12-25"))
    out = c.ok(
        "course", "score", "P01", "--date", "2026-12-24", "--phq9", "1,1,0,1,0,0,1,0,0", now=_evening("2026-12-25")
    )
    assert "PHQ-9: baseline 16" in out and "latest 4" in out and "response" in out and "remission [PHQ-9 < 5]" in out
    out = c.ok("course", "score", "P01", "--date", "2026-12-24", "--madrs", "12", now=_evening("2026-12-25"))
    assert "no remission [MADRS <= 10 (ESCAPE-TRD, KADS; ketplan default)]" in out
    assert "doi.org/10.1056/NEJMoa2304145" in out
    status = json.loads(c.ok("course", "status", "P01", "--format", "json", now=_evening("2026-12-25")))
    outcomes = {o["scale"]: o for o in status["outcomes"]}
    assert outcomes["phq9"]["baseline"]["total"] == 16 and outcomes["phq9"]["latest"]["total"] == 4
    assert outcomes["phq9"]["change_pct"] == -75.0
    assert outcomes["phq9"]["response"] is True and outcomes["phq9"]["remission"] is True
    assert outcomes["phq9"]["threshold"] == "PHQ-9 < 5"
    assert {s["key"] for s in outcomes["phq9"]["sources"]} >= {"nqf-1885", "nqf-0710"}
    assert outcomes["madrs"]["response"] is True and outcomes["madrs"]["remission"] is False
    assert status["benefit"]["benefit"] == "response" and "evaluate" in status["benefit"]["text"]
    # The clinic chooses the TRANSFORM threshold: the same MADRS 12 is a remission, with its source.
    c.ok("course", "settings", "P01", "--madrs-remission", "12", now=_evening("2026-12-25"))
    status = json.loads(c.ok("course", "status", "P01", "--format", "json", now=_evening("2026-12-25")))
    madrs = next(o for o in status["outcomes"] if o["scale"] == "madrs")
    assert madrs["remission"] is True and "TRANSFORM" in madrs["threshold"]
    assert "transform" in {s["key"] for s in madrs["sources"]}
    table = c.ok("course", "status", "P01", now=_evening("2026-12-25"))
    assert "Outcomes" in table and "16 -> 4 (-75 %)" in table and "End of induction" in table

    # Refused scores write nothing.
    assert "9 items, 8 given" in c.refused(
        "course", "score", "P01", "--date", "2026-12-24", "--phq9", "1,1,1,1,1,1,1,1", now=_evening("2026-12-25")
    )
    assert "0-60" in c.refused(
        "course", "score", "P01", "--date", "2026-12-24", "--madrs", "61", now=_evening("2026-12-25")
    )
