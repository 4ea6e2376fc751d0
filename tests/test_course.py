"""`ketplan course`: the treatment record end to end through the CLI (CliRunner), and its rules."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from helpers import assert_refused

from ketplan.cli import app

NEW = [
    "--route",
    "intranasal",
    "--start",
    "2026-12-01",
    "--days",
    "tue,fri",
    "--tz",
    "Europe/Brussels",
    "--weeks",
    "16",
]
JNJ = "https://www.jnjmedicalconnect.com/products/spravato/medical-content/dosage-and-administration-management-of-missed-dose-or-reinitiation-after-spravato-discontinuation"


class Course:
    def __init__(self, runner, tmp_path, now="2026-12-20T10:00:00Z"):
        self.runner = runner
        self.db = tmp_path / "data" / "ketplan.db"
        self.now = now

    def __call__(self, *args, now=None):
        env = {"KETPLAN_DB": str(self.db), "KETPLAN_NOW": now or self.now, "TZ": "UTC", "NO_COLOR": "1"}
        return self.runner.invoke(app, ["course", *args], env=env)

    def ok(self, *args, now=None):
        result = self(*args, now=now)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def status(self, label="P01", now=None):
        return json.loads(self.ok("status", label, "--format", "json", now=now).stdout)


@pytest.fixture
def course(runner, tmp_path):
    c = Course(runner, tmp_path)
    c.ok("new", "P01", *NEW)
    return c


def test_new_prints_the_plan_and_refuses_an_existing_label(course):
    again = course("new", "P01", *NEW)
    assert "exists already" in assert_refused(again)
    listed = json.loads(course.ok("list", "--format", "json").stdout)["courses"]
    assert [c["label"] for c in listed] == ["P01"]
    assert listed[0]["protocol"] == "esketamine-trd"
    assert listed[0]["first_session"] == "2026-12-01"
    assert listed[0]["next_due"] == "2026-12-22"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--dose", "70"], "--dose 70 mg"),
        (["--every", "3"], "--every 3"),
        (["--start", "2026-02-30"], "--start"),
    ],
)
def test_new_validates_exactly_like_plan(runner, tmp_path, args, needle):
    c = Course(runner, tmp_path)
    options = [*NEW]
    if args[0] == "--start":
        options[3] = args[1]
    else:
        options += args
    line = assert_refused(c("new", "P09", *options))
    assert needle in line
    plan = runner.invoke(app, ["plan", *options], env={"TZ": "UTC"})
    assert plan.exit_code == 2 and plan.stderr.strip() == line
    assert not c.db.exists() or "P09" not in c.ok("list").stdout


def test_status_json_contract(course):
    course.ok("record", "P01", "--session", "1", "--given", "--by", "AB")
    course.ok("record", "P01", "--session", "2", "--missed")
    status = course.status()
    assert set(status) >= {
        "label",
        "protocol",
        "sessions",
        "given",
        "missed",
        "next_due",
        "cumulative_dose_mg",
        "alerts",
        "suggestions",
    }
    assert status["label"] == "P01" and status["protocol"] == "esketamine-trd"
    first, second = status["sessions"][:2]
    assert {"n", "date", "status", "phase", "dose_mg", "recorded"} <= set(first)
    assert (first["n"], first["status"], first["dose_mg"], first["recorded"]) == (1, "given", 56.0, [2])
    assert (second["n"], second["status"], second["recorded"]) == (2, "missed", [3])
    assert {s["status"] for s in status["sessions"]} <= {"planned", "given", "missed", "cancelled"}
    assert (status["given"], status["missed"], status["cumulative_dose_mg"]) == (1, 1, 56.0)
    assert status["next_due"] == "2026-12-22"
    for alert in status["alerts"]:
        assert set(alert) == {"id", "text", "sources"}
    for suggestion in status["suggestions"]:
        assert set(suggestion) == {"id", "text", "command", "sources"}


def test_missed_in_the_first_4_weeks_continue_schedule_and_optional_make_up(course):
    course.ok("record", "P01", "--session", "1", "--given")
    course.ok("record", "P01", "--session", "2", "--missed")
    before = course.status()
    alert = next(a for a in before["alerts"] if a["id"] == "missed-first-4-weeks")
    assert "continue the current dosing schedule" in alert["text"]
    assert [s["url"] for s in alert["sources"]] == [JNJ]
    (make_up,) = [s for s in before["suggestions"] if s["id"] == "make-up"]
    assert make_up["command"] == "ketplan course replan P01 --make-up"
    # a plain replan keeps every session as planned
    plain = course.ok("replan", "P01")
    assert "no session changed" in plain.stdout and "continue" in plain.stdout
    assert [s["date"] for s in course.status()["sessions"]] == [s["date"] for s in before["sessions"]]
    # --make-up adds one induction session at the end of the phase; later phases follow it
    course.ok("record", "P01", "--session", "3", "--missed")
    course.ok("replan", "P01", "--make-up")
    after = course.status()["sessions"]
    induction = [s for s in after if s["phase"] == "induction"]
    assert len(induction) == 9
    assert induction[-1]["date"] == "2026-12-29"  # the Tuesday after the last planned induction session (Fri 25)
    maintenance = [s for s in after if s["phase"] == "maintenance"]
    assert maintenance[0]["date"] == "2027-01-05"
    assert len(maintenance) == 4


def test_missed_maintenance_suggests_step_back_and_only_step_back_applies_it(course):
    for n in range(1, 9):
        course.ok("record", "P01", "--session", str(n), "--given", now="2027-01-06T10:00:00Z")
    course.ok("record", "P01", "--session", "9", "--given", now="2027-01-06T10:00:00Z")
    course.ok("record", "P01", "--session", "10", "--missed", now="2027-01-06T10:00:00Z")
    status = course.status(now="2027-01-06T10:00:00Z")
    (step,) = [s for s in status["suggestions"] if s["id"] == "step-back"]
    assert step["command"] == "ketplan course replan P01 --step-back"
    assert "twice weekly" in step["text"]
    assert JNJ in [s["url"] for s in step["sources"]]
    alert = next(a for a in status["alerts"] if a["id"] == "missed-maintenance")
    assert "weekly -> twice weekly" in alert["text"]
    planned = [s["date"] for s in status["sessions"] if s["status"] == "planned"]
    # nothing changes until the clinician applies it
    assert [
        s["date"] for s in course.status(now="2027-01-06T10:00:00Z")["sessions"] if s["status"] == "planned"
    ] == planned
    result = course.ok("replan", "P01", "--step-back", "--format", "json", now="2027-01-06T10:00:00Z")
    applied = json.loads(result.stdout)["applied"]
    assert [a["id"] for a in applied] == ["step-back"]
    after = course.status(now="2027-01-06T10:00:00Z")
    assert not any(s["id"] == "step-back" for s in after["suggestions"])
    upcoming = [date.fromisoformat(s["date"]) for s in after["sessions"] if s["status"] == "planned"]
    maintenance = [
        date.fromisoformat(s["date"])
        for s in after["sessions"]
        if s["status"] == "planned" and s["phase"] == "maintenance"
    ]
    assert maintenance == [date(2027, 1, 8), date(2027, 1, 12), date(2027, 1, 15), date(2027, 1, 19)]
    assert all((b - a) >= timedelta(days=3) for a, b in itertools.pairwise(maintenance))
    assert upcoming[len(maintenance) : len(maintenance) + 2] == [
        date(2027, 1, 26),
        date(2027, 2, 9),
    ]  # every 2 weeks again


def test_every_and_dose_from_a_date_with_plan_validation(course):
    course.ok("record", "P01", "--session", "1", "--given")
    assert "--every 3 is not allowed" in assert_refused(course("replan", "P01", "--every", "3"))
    assert "--dose 70 mg" in assert_refused(course("replan", "P01", "--dose", "70"))
    course.ok("replan", "P01", "--from", "2026-12-21", "--dose", "84", "--every", "1")
    sessions = course.status()["sessions"]
    assert {s["dose_mg"] for s in sessions if s["date"] >= "2026-12-21"} == {84.0}
    continuation = [date.fromisoformat(s["date"]) for s in sessions if s["phase"] == "continuation"]
    assert continuation and all((b - a).days == 7 for a, b in itertools.pairwise(continuation))
    assert "--from" in assert_refused(course("replan", "P01", "--from", "2026-12-01"))


def test_84_mg_only_after_a_56_mg_dose_was_given(course):
    assert "only after a 56 mg dose" in assert_refused(course("replan", "P01", "--dose", "84"))
    assert "outside" in assert_refused(course("record", "P01", "--session", "1", "--given", "--dose", "84"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--session", "3", "--given", "--dose", "70"], "--dose 70 mg"),
        (["--session", "3", "--given", "--dose", "112"], "--dose 112 mg"),
        (["--session", "9", "--given"], "in the future"),
        (["--date", "2026-12-30", "--given", "--dose", "56"], "in the future"),
        (["--session", "99", "--given"], "--session 99"),
        (["--session", "1", "--given", "--missed"], "exactly one"),
        (["--session", "1"], "exactly one"),
        (["--given"], "--session N or --date"),
        (["--date", "2026-12-02", "--missed"], "no session is planned"),
        (["--session", "1", "--given", "--by", "Dr John Smith"], "--by"),
        (["--session", "1", "--given", "--corrects", "42"], "no entry 42"),
        (["--session", "1", "--given", "--mg-per-kg", "0.5"], "--mg-per-kg applies"),
    ],
)
def test_record_refusals(course, args, needle):
    course.ok("record", "P01", "--session", "2", "--given")
    line = assert_refused(course("record", "P01", *args))
    assert needle in line
    assert len(json.loads(course.ok("log", "P01", "--format", "json").stdout)["entries"]) == 2  # nothing written


def test_racemic_given_dose_checked_against_the_course_weight(runner, tmp_path):
    c = Course(runner, tmp_path)
    c.ok("new", "R01", "--route", "iv", "--weight", "70kg", "--start", "2026-12-07", "--weeks", "4", "--tz", "UTC")
    assert "outside 0.1–1.0 mg/kg" in assert_refused(
        c("record", "R01", "--session", "1", "--given", "--mg-per-kg", "1.5")
    )
    assert "--dose 80 mg is outside" in assert_refused(c("record", "R01", "--session", "1", "--given", "--dose", "80"))
    c.ok("record", "R01", "--session", "1", "--given", "--mg-per-kg", "0.75")
    status = c.status("R01")
    assert status["sessions"][0]["dose_mg"] == 52.5
    assert status["cumulative_dose_mg"] == 52.5


def test_twice_recorded_session_is_refused_and_corrects_supersedes(course):
    course.ok("record", "P01", "--session", "1", "--given", "--by", "AB")
    line = assert_refused(course("record", "P01", "--session", "1", "--missed"))
    assert "already recorded as given (entry 2)" in line and "--corrects 2" in line
    course.ok("record", "P01", "--session", "2", "--given")
    out = course.ok("record", "P01", "--session", "1", "--missed", "--corrects", "2", "--by", "CD").stdout
    assert "supersedes entry 2" in out
    status = course.status()
    assert status["sessions"][0]["status"] == "missed" and status["sessions"][0]["recorded"] == [2, 4]
    assert status["given"] == 1 and status["cumulative_dose_mg"] == 56.0
    log = course.ok("log", "P01").stdout
    assert "[superseded by entry 4]" in log and "(supersedes entry 2)" in log and "by AB" in log and "by CD" in log
    entries = json.loads(course.ok("log", "P01", "--format", "json").stdout)["entries"]
    assert [e["entry"] for e in entries] == [1, 2, 3, 4]
    assert entries[1]["superseded_by"] == 4 and entries[3]["corrects"] == 2
    assert all(e["recorded_at"].endswith("Z") for e in entries)
    assert "already superseded" in assert_refused(
        course("record", "P01", "--session", "1", "--given", "--corrects", "2")
    )


def test_extra_session_is_recorded_and_said(course):
    out = course.ok("record", "P01", "--date", "2026-12-02", "--given", "--dose", "56").stdout
    assert "extra session" in out
    status = course.status()
    extra = [s for s in status["sessions"] if s["extra"]]
    assert extra and extra[0]["date"] == "2026-12-02" and extra[0]["n"] is None and extra[0]["status"] == "given"
    assert status["given"] == 1


def test_given_on_another_day_than_planned(course):
    course.ok("record", "P01", "--session", "1", "--date", "2026-12-02", "--given", "--time", "10:30")
    first = course.status()["sessions"][0]
    assert (first["date"], first["given_on"], first["time"]) == ("2026-12-01", "2026-12-02", "10:30")


def test_note_warning_in_help(course):
    help_text = course.ok("record", "--help").stdout
    assert "identifiers" in help_text


def test_export_import_round_trip_and_replace(course, runner, tmp_path):
    course.ok("record", "P01", "--session", "1", "--given", "--by", "AB", "--note", "tolerated well")
    course.ok("new", "P02", *NEW)
    dump = tmp_path / "dump.json"
    course.ok("export", "--all", "--output", str(dump))
    document = json.loads(dump.read_text())
    assert document["format"] == "ketplan-courses" and document["version"] == 1
    assert [c["label"] for c in document["courses"]] == ["P01", "P02"]
    other = Course(runner, tmp_path / "other")
    other.ok("import", str(dump))
    assert other.ok("log", "P01").stdout == course.ok("log", "P01").stdout
    assert other.status() == course.status()
    line = assert_refused(other("import", str(dump)))
    assert "exists already" in line and "--replace" in line
    other.ok("import", str(dump), "--replace")
    again = tmp_path / "again.json"
    other.ok("export", "--all", "--output", str(again))
    assert json.loads(again.read_text())["courses"] == document["courses"]
    assert_refused(course("export"))  # neither labels nor --all
    assert "exists" in assert_refused(course("export", "--all", "--output", str(dump)))  # no clobber


def test_list_table_shows_every_course(course):
    course.ok("new", "P02", *NEW)
    course.ok("record", "P02", "--session", "1", "--missed")
    table = course.ok("list").stdout
    assert "P01" in table and "P02" in table and "esketamine-trd" in table


def test_show_formats(course):
    course.ok("record", "P01", "--session", "1", "--given")
    shown = json.loads(course.ok("show", "P01", "--format", "json").stdout)
    assert shown["sessions"][0]["status"] == "given" and shown["revision"] == 1
    csv_text = course.ok("show", "P01", "--format", "csv").stdout
    assert csv_text.splitlines()[1].startswith("P01,esketamine-trd,1,2026-12-01,given")
    assert "given" in course.ok("show", "P01").stdout


def test_unknown_course_is_exit_2(course):
    assert "no course 'P77'" in assert_refused(course("status", "P77"))


def test_missing_store_and_directory_are_exit_3(runner, tmp_path):
    c = Course(runner, tmp_path)
    result = c("status", "P01")
    assert result.exit_code == 3
    assert result.stderr.startswith("ketplan: error: no treatment store at") and result.stderr.count("\n") == 1
    assert not c.db.exists()
    result = c("list", "--db", str(tmp_path))
    assert result.exit_code == 3 and "is a directory" in result.stderr


def test_sessions_records_several_at_their_planned_doses_all_or_nothing(course):
    out = course.ok("record", "P01", "--sessions", "1-3", "--given", "--by", "AB").stdout
    assert "entries 2-4" in out
    assert [s["status"] for s in course.status()["sessions"][:4]] == ["given", "given", "given", "planned"]
    assert "already recorded" in assert_refused(course("record", "P01", "--sessions", "4,3", "--missed"))
    assert course.status()["sessions"][3]["status"] == "planned"  # session 4 was not written either
    assert "in the future" in assert_refused(course("record", "P01", "--sessions", "4-9", "--given"))
    assert "--sessions" in assert_refused(course("record", "P01", "--sessions", "4-x", "--given"))
    assert "--sessions records the planned doses" in assert_refused(
        course("record", "P01", "--sessions", "4", "--given", "--dose", "84")
    )


def test_new_quiet_prints_one_line(runner, tmp_path):
    c = Course(runner, tmp_path)
    out = c.ok("new", "P05", *NEW, "--quiet").stdout
    assert out == "Course P05 created: esketamine-trd, 16 planned sessions, 2026-12-01 to 2027-03-09.\n"


def test_default_store_location_is_xdg_data_home_0700(runner, tmp_path):
    import stat

    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "KETPLAN_NOW": "2026-12-20T10:00:00Z", "TZ": "UTC"}
    result = runner.invoke(app, ["course", "new", "P01", *NEW, "--quiet"], env={**env, "KETPLAN_DB": ""})
    assert result.exit_code == 0, result.stderr
    db = tmp_path / "xdg" / "ketplan" / "ketplan.db"
    assert db.exists()
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700 and stat.S_IMODE(db.stat().st_mode) == 0o600


def test_replan_is_deterministic_and_a_no_change_replan_keeps_the_revision(course):
    course.ok("record", "P01", "--session", "1", "--given")
    before = json.loads(course.ok("show", "P01", "--format", "json").stdout)
    course.ok("replan", "P01")
    after = json.loads(course.ok("show", "P01", "--format", "json").stdout)
    assert after["revision"] == before["revision"] == 1
    assert after["plan"] == before["plan"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format="something-else"),
        lambda d: d.update(version=99),
        lambda d: d["courses"][0]["revisions"][0].update(plan={"sessions": "nope"}),
        lambda d: d["courses"][0]["entries"][0].update(seq=7),
        lambda d: d["courses"][0].pop("options"),
        lambda d: d["courses"][0].update(label="=HYPERLINK()"),
    ],
)
def test_import_refuses_a_damaged_export_and_writes_nothing(course, runner, tmp_path, damage):
    dump = tmp_path / "dump.json"
    course.ok("export", "P01", "--output", str(dump))
    document = json.loads(dump.read_text())
    damage(document)
    dump.write_text(json.dumps(document))
    other = Course(runner, tmp_path / "other")
    result = other("import", str(dump))
    assert (
        result.exit_code in (2, 3) and result.stderr.startswith("ketplan: error: ") and "Traceback" not in result.stderr
    )
    listed = other("list", "--format", "json")
    assert listed.exit_code == 3 or json.loads(listed.stdout)["courses"] == []


def test_replan_days_moves_the_remaining_sessions_to_the_new_weekdays(course):
    course.ok("record", "P01", "--session", "1", "--given")
    assert "apart" in assert_refused(course("replan", "P01", "--from", "2026-12-21", "--days", "mon,tue"))
    course.ok("replan", "P01", "--from", "2026-12-21", "--days", "mon,thu")
    sessions = course.status()["sessions"]
    later = [date.fromisoformat(s["date"]) for s in sessions if s["date"] >= "2026-12-21"]
    assert later and {d.weekday() for d in later} <= {0, 3}
    assert sessions[0]["date"] == "2026-12-01" and sessions[0]["status"] == "given"  # the past stays


def test_racemic_make_up_and_no_label_rule(runner, tmp_path):
    c = Course(runner, tmp_path)
    c.ok("new", "R01", "--route", "iv", "--weight", "70kg", "--start", "2026-12-07", "--weeks", "4", "--tz", "UTC")
    c.ok("record", "R01", "--session", "1", "--given")
    c.ok("record", "R01", "--session", "2", "--missed")
    status = c.status("R01")
    (alert,) = [a for a in status["alerts"] if a["id"] == "missed"]
    assert "no sourced missed-dose rule" in alert["text"] and alert["sources"] == []
    assert status["suggestions"] == []
    before = len(status["sessions"])
    c.ok("replan", "R01", "--make-up")
    after = c.status("R01")["sessions"]
    assert len(after) == before + 1
    assert {s["dose_mg"] for s in after} == {35.0}
    assert "--dose is an esketamine dose" in assert_refused(c("replan", "R01", "--dose", "56"))
    assert "no missed session" in assert_refused(c("replan", "R01", "--make-up"))


def test_store_errors_as_json_with_format_json(runner, tmp_path):
    c = Course(runner, tmp_path)
    result = c("status", "P01", "--format", "json")
    assert result.exit_code == 3 and result.stdout == ""
    document = json.loads(result.stderr)
    assert document["exit_code"] == 3 and "no treatment store" in document["error"]
