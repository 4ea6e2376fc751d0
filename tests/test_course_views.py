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
