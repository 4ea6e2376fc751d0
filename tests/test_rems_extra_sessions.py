"""Issue 14 follow-up, "REMS monitoring": an extra (unplanned) session recorded by date is a given session like
any other. An outpatient esketamine extra session needs a Patient Monitoring Form due 7 days after it, in
`rems due`, `rems form` and `rems submitted`, and its monitoring raises the same alerts in `course record`,
`course status` and `clinic today`. An extra session is named by its key `xE` (E: the entry that first
recorded it, shown by `course status` and `course log`), and keeps that key when it is corrected."""

from __future__ import annotations

import json

import pytest
from helpers import assert_refused

from ketplan.cli import app

NEW = ["--route", "intranasal", "--start", "2026-12-01", "--days", "tue,fri", "--tz", "UTC", "--weeks", "16"]
IV = ["--route", "iv", "--start", "2026-12-01", "--weight", "70kg", "--tz", "UTC", "--weeks", "4"]
NOW = "2026-12-05T20:00:00Z"
EXTRA_DAY = "2026-12-03"  # a Thursday: no session is planned (tue, fri)


class Store:
    def __init__(self, runner, tmp_path, now=NOW):
        self.runner, self.db, self.now = runner, tmp_path / "k.db", now

    def __call__(self, *args, now=None):
        env = {"KETPLAN_DB": str(self.db), "KETPLAN_NOW": now or self.now, "TZ": "UTC", "NO_COLOR": "1"}
        return self.runner.invoke(app, list(args), env=env)

    def ok(self, *args, now=None):
        result = self(*args, now=now)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args, now=None):
        return json.loads(self.ok(*args, "--format", "json", now=now))

    def entries(self, label="P01"):
        return len(self.json("course", "log", label)["entries"])

    def refused(self, *args, label="P01", now=None):
        before = self.entries(label)
        message = assert_refused(self(*args, now=now))
        assert self.entries(label) == before, "a refusal wrote an entry"
        return message


def fields(sheet):
    return {f["name"]: f["value"] for section in sheet["sections"] for f in section["fields"]}


@pytest.fixture
def s(runner, tmp_path):
    """P01: session 1 given on 2026-12-01 (entry 2), an extra session given on 2026-12-03 (entry 3)."""
    store = Store(runner, tmp_path)
    store.ok("course", "new", "P01", *NEW, "--quiet")
    store.ok("course", "record", "P01", "--session", "1", "--given", "--lot", "L0", now="2026-12-01T20:00:00Z")
    store.ok(
        "course",
        "record",
        "P01",
        "--date",
        EXTRA_DAY,
        "--given",
        "--dose",
        "56",
        "--bp-pre",
        "130/80",
        "--monitoring-minutes",
        "125",
        "--lot",
        "LX3",
        "--concomitant",
        "none",
        now=f"{EXTRA_DAY}T20:00:00Z",
    )
    return store


# --------------------------------------------------------------------------- the key


def test_status_and_log_show_the_extra_sessions_key(s):
    status = s.json("course", "status", "P01")
    extra = [v for v in status["sessions"] if v["extra"]]
    assert [(v["n"], v["session_key"], v["date"], v["recorded"]) for v in extra] == [(None, "x3", EXTRA_DAY, [3])]
    assert next(v for v in status["sessions"] if v["n"] == 1)["session_key"] == "1"
    text = s.ok("course", "status", "P01")
    assert f" x3  {EXTRA_DAY}  extra" in text
    # The entries column stays in line: the extra row's status is as wide as a planned row's.
    header = next(line for line in text.splitlines() if line.lstrip().startswith("n  date"))
    row = next(line for line in text.splitlines() if line.lstrip().startswith("x3 "))
    given = next(line for line in text.splitlines() if line.lstrip().startswith("1 "))
    column = header.index("entries")
    assert (row[column:], given[column:]) == ("3", "2")  # entry 3 recorded x3, entry 2 session 1
    assert row.split()[5] == "given"
    assert f"given extra session x3 on {EXTRA_DAY}" in s.ok("course", "log", "P01")


# --------------------------------------------------------------------------- forms


def test_an_extra_session_has_a_form_due_7_days_after_it(s):
    due = s.json("rems", "due")["forms"]
    assert [(f["session"], f["session_key"], f["date"], f["due"], f["days_left"]) for f in due] == [
        (1, "1", "2026-12-01", "2026-12-08", 3),
        (None, "x3", EXTRA_DAY, "2026-12-10", 5),
    ]
    extra = due[1]
    assert extra["dose_mg"] == 56.0 and extra["overdue"] is False
    assert extra["missing"] == ["BP about 40 min after administration", "BP before the session ended"]
    assert extra["form_command"] == "ketplan rems form P01 --session x3"
    table = s.ok("rems", "due")
    row = next(line for line in table.splitlines() if EXTRA_DAY in line)
    assert row.split()[:4] == ["P01", "x3", EXTRA_DAY, "2026-12-10"]
    assert "--session N (xE for an extra session)" in table


def test_the_extra_sessions_worksheet(s, tmp_path):
    sheet = s.json("rems", "form", "P01", "--session", "x3")
    assert sheet["session"] is None and sheet["session_key"] == "x3"
    assert sheet["date"] == EXTRA_DAY and sheet["due"] == "2026-12-10" and sheet["days_left"] == 5
    values = fields(sheet)
    assert values["Treatment date"] == EXTRA_DAY and values["Dose administered"] == "56 mg"
    assert values["Devices"] == "2" and values["Lot number"] == "LX3"
    assert values["Blood pressure before administration (mmHg)"] == "130/80"
    assert values["First treatment session?"] == "No"  # session 1 was given before it
    assert values["Benzodiazepines"] == "No" and values["First name, MI, last name"] is None
    text = s.ok("rems", "form", "P01", "--session", "x3")
    assert text.startswith(
        f"SPRAVATO REMS Patient Monitoring Form: worksheet for course P01, extra session x3 ({EXTRA_DAY})"
    )
    assert "Lot number: LX3" in text
    target = tmp_path / "x3.html"
    s.ok("rems", "form", "P01", "--session", "x3", "--format", "html", "--output", str(target))
    html = target.read_text(encoding="utf-8")
    assert "extra session x3" in html and "LX3" in html and "<script" not in html


def test_marking_the_extra_sessions_form_submitted(s):
    assert "not a form-submitted entry of extra session x3" in s.refused(
        "rems", "submitted", "P01", "--session", "x3", "--corrects", "2"
    )
    out = s.ok("rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-04", "--by", "AB")
    assert "REMS Patient Monitoring Form of extra session x3 marked submitted on 2026-12-04" in out
    mark = s.json("course", "log", "P01")["entries"][-1]
    assert mark["kind"] == "rems-submitted" and mark["session"] is None and mark["date"] == EXTRA_DAY
    assert [f["session_key"] for f in s.json("rems", "due")["forms"]] == ["1"]
    assert s.json("rems", "form", "P01", "--session", "x3")["submitted_on"] == "2026-12-04"
    assert f"rems-submitted extra session x3 on {EXTRA_DAY}" in s.ok("course", "log", "P01")
    # Session 1's form is not marked by it, and the mark is refused twice, corrected with --corrects.
    assert s.json("rems", "form", "P01", "--session", "1")["submitted_on"] is None
    assert "already marked submitted on 2026-12-04" in s.refused("rems", "submitted", "P01", "--session", "x3")
    s.ok("rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-05", "--corrects", str(mark["entry"]))
    assert s.json("rems", "form", "P01", "--session", "x3")["submitted_on"] == "2026-12-05"


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        ("x9", "--session x9: the course has no extra session x9 (its extra sessions: x3; see ketplan course status)"),
        ("x2", "--session x2: the course has no extra session x2"),  # entry 2 is planned session 1
        ("x1", "--session x1: the course has no extra session x1"),  # entry 1 created the course
        ("x", "--session 'x' is not a session"),
        ("x3x", "--session 'x3x' is not a session"),
        ("abc", "--session 'abc' is not a session"),
        ("0", "--session must be a session number, 1 or more"),
    ],
)
def test_an_unknown_extra_session_is_refused(s, tmp_path, session, expected):
    target = tmp_path / "form.html"
    for args in (
        ("rems", "form", "P01", "--session", session, "--format", "html", "--output", str(target)),
        ("rems", "form", "P01", "--session", session, "--format", "json"),
        ("rems", "submitted", "P01", "--session", session),
        ("rems", "submitted", "P01", "--session", session, "--date", "2026-12-04"),
    ):
        assert expected in s.refused(*args)
    assert not target.exists()


def test_submission_dates_are_checked_against_the_extra_sessions_day(s):
    assert f"is before extra session x3 was given ({EXTRA_DAY})" in s.refused(
        "rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-02"
    )
    assert "after today" in s.refused("rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-06")


def test_an_overdue_extra_form_is_an_alert_in_status_and_the_clinic_day(s):
    later = "2026-12-12T08:00:00Z"
    s.ok("rems", "submitted", "P01", "--session", "1", now=later)
    status = s.json("course", "status", "P01", now=later)
    overdue = next(a for a in status["alerts"] if a["id"] == "rems-form-overdue")
    assert "session x3 overdue" in overdue["text"] and "the oldest was due 2026-12-10" in overdue["text"]
    day = s.json("clinic", "today", "--date", "2026-12-12", now=later)
    assert [(f["label"], f["session"], f["session_key"], f["overdue"]) for f in day["rems_forms"]] == [
        ("P01", None, "x3", True)
    ]
    assert "P01        session x3: OVERDUE by 2 day(s)" in s.ok("clinic", "today", "--date", "2026-12-12", now=later)


def test_the_extra_sessions_form_is_not_due_before_it_on_the_clinic_day(s):
    day = s.json("clinic", "today", "--date", "2026-12-02", now="2026-12-05T08:00:00Z")
    assert [f["session_key"] for f in day["rems_forms"]] == ["1"]


def test_a_corrected_extra_session_keeps_its_key_and_its_form(s):
    s.ok("rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-04")
    fixed = s.json(
        "course", "record", "P01", "--date", EXTRA_DAY, "--given", "--dose", "56", "--time", "10:00", "--corrects", "3"
    )
    assert fixed["entry"]["corrects"] == 3
    status = s.json("course", "status", "P01")
    extra = [v for v in status["sessions"] if v["extra"]]
    assert [(v["session_key"], v["recorded"], v["time"]) for v in extra] == [
        ("x3", [3, fixed["entry"]["entry"]], "10:00")
    ]
    assert [f["session_key"] for f in s.json("rems", "due")["forms"]] == ["1"]  # still marked submitted
    sheet = s.json("rems", "form", "P01", "--session", "x3")
    assert sheet["submitted_on"] == "2026-12-04"
    assert "--session x5: the course has no extra session x5" in s.refused("rems", "form", "P01", "--session", "x5")


def test_inpatient_and_racemic_extra_sessions_need_no_form(runner, tmp_path):
    s = Store(runner, tmp_path)
    s.ok("course", "new", "P01", *NEW, "--quiet", "--setting", "inpatient")
    s.ok("course", "record", "P01", "--date", EXTRA_DAY, "--given", "--dose", "56")  # entry 3 (2: the setting)
    assert s.json("rems", "due")["forms"] == []
    assert "extra session x3 was given in an inpatient setting" in s.refused("rems", "form", "P01", "--session", "x3")
    assert "inpatient" in s.refused("rems", "submitted", "P01", "--session", "x3")
    s.ok("course", "new", "R01", *IV, "--quiet")
    s.ok("course", "record", "R01", "--date", EXTRA_DAY, "--given", "--dose", "35")
    assert s.json("rems", "due")["forms"] == []
    assert "REMS Patient Monitoring Forms are for SPRAVATO" in s.refused(
        "rems", "form", "R01", "--session", "x2", label="R01"
    )


def test_export_and_import_keep_the_extra_sessions_form_mark(s, runner, tmp_path):
    s.ok("rems", "submitted", "P01", "--session", "x3", "--date", "2026-12-04")
    dump = tmp_path / "dump.json"
    s.ok("course", "export", "P01", "--output", str(dump))
    other = Store(runner, tmp_path / "other")
    (tmp_path / "other").mkdir()
    other.ok("course", "import", str(dump))
    assert [f["session_key"] for f in other.json("rems", "due")["forms"]] == ["1"]
    assert other.json("rems", "form", "P01", "--session", "x3")["submitted_on"] == "2026-12-04"


# --------------------------------------------------------------------------- monitoring alerts


def test_an_extra_sessions_monitoring_raises_alerts(runner, tmp_path):
    s = Store(runner, tmp_path)
    s.ok("course", "new", "P01", *NEW, "--quiet")
    s.ok("course", "record", "P01", "--session", "1", "--given", now="2026-12-01T20:00:00Z")
    out = s.json(
        "course",
        "record",
        "P01",
        "--date",
        EXTRA_DAY,
        "--given",
        "--dose",
        "56",
        "--bp-pre",
        "150/95",
        "--monitoring-minutes",
        "90",
        "--sedation",
        now=f"{EXTRA_DAY}T20:00:00Z",
    )
    assert {a["id"] for a in out["alerts"]} == {"bp-pre-high", "monitoring-short", "effects-observed"}
    assert all(a["text"].startswith(f"extra session x3 ({EXTRA_DAY}): ") for a in out["alerts"])
    text = s.ok("course", "record", "P01", "--session", "x3", "--bp-40", "192/100", now=f"{EXTRA_DAY}T21:00:00Z")
    assert "recorded monitoring data for extra session x3" in text and "clinical-trial outlier thresholds" in text
    now = f"{EXTRA_DAY}T22:00:00Z"
    status = s.json("course", "status", "P01", now=now)
    ids = {a["id"] for a in status["alerts"]}
    assert {"bp-pre-high", "bp-outlier", "monitoring-short", "effects-observed"} <= ids
    assert "less than the 120 min the REMS requires" in s.ok("course", "status", "P01", now=now)
    day = s.json("clinic", "today", "--date", EXTRA_DAY, now=now)
    assert {"bp-pre-high", "bp-outlier", "monitoring-short", "effects-observed"} <= {
        a["id"] for a in day["alerts"] if a["label"] == "P01"
    }
    assert [(x["session"], x["session_key"], x["status"]) for x in day["sessions"]] == [(None, "x3", "given")]
    # The nurse adds the resolution and the full monitoring time: the alerts go, the form fills in.
    fixed = s.json(
        "course", "record", "P01", "--session", "x3", "--sedation", "--resolved", "--monitoring-minutes", "130", now=now
    )
    assert {a["id"] for a in fixed["alerts"]} == {"bp-pre-high", "bp-outlier"}
    assert fixed["entry"]["kind"] == "monitoring" and fixed["entry"]["session"] is None
    values = fields(s.json("rems", "form", "P01", "--session", "x3", now=now))
    assert values["Sedation"] == "Yes" and values["Resolved before discharge"] == "Yes"
    assert values["Blood pressure about 40 min after administration (mmHg)"] == "192/100"
    assert values["Total time, minutes (first device to completion of monitoring; at least 2 hours)"] == "130"
    assert f"monitoring extra session x3 on {EXTRA_DAY}" in s.ok("course", "log", "P01", now=now)


def test_a_planned_session_after_the_extra_one_takes_over_the_alerts(s):
    s.ok("course", "record", "P01", "--session", "x3", "--bp-40", "192/100")
    assert "bp-outlier" in {a["id"] for a in s.json("course", "status", "P01")["alerts"]}
    s.ok("course", "record", "P01", "--session", "2", "--given", "--bp-pre", "120/80")
    assert "bp-outlier" not in {a["id"] for a in s.json("course", "status", "P01")["alerts"]}


def test_monitoring_for_an_extra_session_refusals(s):
    assert "--session x9: the course has no extra session x9" in s.refused(
        "course", "record", "P01", "--session", "x9", "--bp-40", "120/80"
    )
    assert "--session x3 names an extra session" in s.refused(
        "course", "record", "P01", "--session", "x3", "--given", "--bp-40", "120/80"
    )
    assert "--session x3 names an extra session" in s.refused("course", "record", "P01", "--session", "x3", "--missed")
    assert "not a monitoring entry of extra session x3" in s.refused(
        "course", "record", "P01", "--session", "x3", "--lot", "A", "--corrects", "2"
    )
    assert "--session 'x' is not a session" in s.refused("course", "record", "P01", "--session", "x", "--given")
