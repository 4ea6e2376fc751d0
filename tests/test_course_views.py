"""A course drawn as a month grid and printed as a handout, with the record laid over the plan."""

from __future__ import annotations

from typer.testing import CliRunner

from ketplan.cli import app

NOW = "2026-11-20T15:00:00-05:00"


def run(tmp_path, *args):
    env = {"KETPLAN_DB": str(tmp_path / "k.db"), "KETPLAN_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1", "COLUMNS": "80"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def _course(tmp_path):
    run(tmp_path, "course", "new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri",
        "--tz", "America/New_York", "--quiet")  # fmt: skip
    run(tmp_path, "course", "record", "P01", "--session", "1", "--given")
    run(tmp_path, "course", "record", "P01", "--session", "2", "--missed")


def test_month_view_of_a_course_marks_given_and_missed_sessions(tmp_path):
    _course(tmp_path)
    grid = run(tmp_path, "course", "show", "P01", "--format", "month")
    assert "November 2026" in grid and "P01" in grid
    assert "+3" in grid  # Tue 3 Nov given
    assert "x6" in grid  # Fri 6 Nov missed
    assert "*10" in grid  # Tue 10 Nov still planned
    assert "given" in grid and "missed" in grid  # the legend names the record's marks


def test_handout_of_a_course_lists_its_dates_and_only_the_label(tmp_path):
    _course(tmp_path)
    page = run(tmp_path, "course", "show", "P01", "--format", "html")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "P01" in page and "<script" not in page.lower()
    for day in ("10", "13", "17"):
        assert day in page


def _refused(tmp_path, *args):
    env = {"KETPLAN_DB": str(tmp_path / "k.db"), "KETPLAN_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 2, result.output
    return result.stderr


def test_course_new_takes_every_plan_option_with_the_same_strict_parsing(tmp_path):
    base = ["course", "new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--tz", "America/New_York"]
    assert "--dose" in _refused(tmp_path, *base, "--dose", "8_4")  # not read as 84 mg
    run(tmp_path, *base, "--setting", "inpatient", "--quiet")
    status = run(tmp_path, "course", "show", "P01", "--format", "json")
    assert "enrol" not in status.lower()  # inpatient: no REMS enrolment checkpoint in the course
    run(tmp_path, "course", "new", "P02", "--route", "iv", "--weight", "70kg", "--start", "2026-11-03",
        "--tz", "America/New_York", "--concentration", "50", "--quiet")  # fmt: skip
    shown = run(tmp_path, "course", "show", "P02", "--format", "json")
    assert '"drug_volume_ml": 0.7' in shown  # 35 mg of the 50 mg/mL vial actually used


def test_course_new_freezes_the_clinic_profile_it_was_planned_with(tmp_path):
    import json

    profile = tmp_path / "clinic.toml"
    profile.write_text(
        'timezone = "America/New_York"\n[[closed_dates]]\ndate = 2026-11-10\nreason = "staff day"\n',
        encoding="utf-8",
    )
    run(tmp_path, "course", "new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri",
        "--clinic", str(profile), "--quiet")  # fmt: skip
    profile.write_text('timezone = "Europe/Brussels"\n', encoding="utf-8")  # the clinic edits its profile later
    exported = json.loads(run(tmp_path, "course", "export", "P01", "--format", "json"))
    options = exported["courses"][0]["options"]
    assert options["tz"] == "America/New_York" and "2026-11-10" in options["skip"]  # replans need no profile
    shown = run(tmp_path, "course", "show", "P01", "--format", "json")
    dates = [line.split('"')[3] for line in shown.splitlines() if line.strip().startswith('"date"')]
    assert "2026-11-10" not in dates and "2026-11-11" in dates


def test_clinic_load_of_the_stored_courses_leaves_out_missed_sessions(tmp_path):
    import json

    for label in ("P01", "P02", "P03"):
        run(tmp_path, "course", "new", label, "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri",
            "--tz", "America/New_York", "--quiet")  # fmt: skip
    run(tmp_path, "course", "record", "P01", "--session", "2", "--missed")
    out = run(tmp_path, "clinic", "load", "--courses", "--chairs", "2", "--from", "2026-11-03", "--to",
              "2026-11-13", "--format", "json")  # fmt: skip
    days = {day["date"]: day for day in json.loads(out)["days"]}
    assert days["2026-11-03"]["session_count"] == 3 and days["2026-11-06"]["session_count"] == 2  # P01 missed 6 Nov
    assert "P01" not in {s["id"] for s in days["2026-11-06"]["sessions"]}
    assert days["2026-11-03"]["over_capacity"] is True


def test_clinic_load_takes_a_roster_or_the_courses_not_both(tmp_path):
    assert "--roster" in _refused(tmp_path, "clinic", "load", "--chairs", "2")
    assert "--roster" in _refused(tmp_path, "clinic", "load", "--chairs", "2", "--courses", "--roster", "x.csv")


def test_clinic_today_lists_the_protocols_screens_due_that_day(tmp_path):
    run(tmp_path, "course", "new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri",
        "--tz", "America/New_York", "--quiet")  # fmt: skip
    day = run(tmp_path, "clinic", "today", "--date", "2026-10-27")  # a week before session 1
    assert "Screening before the first esketamine session" in day
    assert "Baseline urinary symptoms" in day and "Baseline check for abuse and misuse" in day
    later = run(tmp_path, "clinic", "today", "--date", "2026-11-06")
    assert "Baseline urinary symptoms" not in later
