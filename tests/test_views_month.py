"""Month view: golden grids (plain, colour, narrow, with a record), the marks' meaning, and a real
terminal (tmux at 80x24) showing three months side by side without a wrapped line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from views_support import check_golden, esketamine_plan, iv_plan

from ketplan.cli import app
from ketplan.export.month import MONTH_WIDTH, day_marks, months_per_row, render_month

TODAY = date(2026, 12, 8)
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def plan():
    return esketamine_plan()


def test_golden_month_plain_80(plan):
    check_golden("month-esketamine-80.txt", render_month(plan, today=TODAY, width=80, colour=False))


def test_golden_month_colour_80(plan):
    check_golden("month-esketamine-80-colour.txt", render_month(plan, today=TODAY, width=80, colour=True))


def test_golden_month_narrow_with_record(plan):
    status = {1: "given", 2: "given", 3: "missed"}
    check_golden("month-esketamine-40-record.txt", render_month(plan, today=TODAY, width=40, status=status))


def test_golden_month_iv():
    check_golden("month-iv-80.txt", render_month(iv_plan(), today=None, width=80))


def test_months_side_by_side_follow_the_width():
    assert months_per_row(80) == 3
    assert months_per_row(79) == 3
    assert months_per_row(67) == 3
    assert months_per_row(66) == 2
    assert months_per_row(40) == 1
    assert months_per_row(10) == 1
    assert months_per_row(200) == 8


@pytest.mark.parametrize("width", [21, 40, 66, 80, 132])
def test_no_line_wider_than_the_width(plan, width):
    for colour in (False, True):
        text = render_month(plan, today=TODAY, width=width, colour=colour)
        for line in text.splitlines():
            assert len(SGR.sub("", line)) <= max(width, MONTH_WIDTH), line


def test_plain_has_no_escape_and_colour_only_adds_escapes(plan):
    plain = render_month(plan, today=TODAY, width=80, colour=False)
    coloured = render_month(plan, today=TODAY, width=80, colour=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    # Black and white reads the same: the characters are identical, colour is only added.
    assert SGR.sub("", coloured) == plain


def test_marks_each_kind_of_day(plan):
    marks = day_marks(plan, today=TODAY)
    moved = [s for s in plan.sessions if s.moved_from]
    assert moved, "the fixture plan has sessions moved off Belgian holidays"
    for s in plan.sessions:
        expected = {">", "#"} if s.moved_from else {"*", "#"}
        assert marks[s.date].mark in expected, (s.n, s.date, marks[s.date])
    enrolment = next(c for c in plan.checkpoints if c.id == "rems-enrolment")
    assert marks[enrolment.date].mark == "!"
    assert marks[TODAY].today
    # The REMS form, due 7 days after every session, does not mark a day of its own.
    forms = {c.date for c in plan.checkpoints if c.id == "rems-form"} - {s.date for s in plan.sessions}
    assert not any(marks.get(d) and marks[d].mark == "!" for d in forms if d != enrolment.date)


def test_record_marks_given_and_missed(plan):
    marks = day_marks(plan, status={1: "given", 2: "missed", 3: "cancelled"})
    assert marks[plan.sessions[0].date].mark == "+"
    assert marks[plan.sessions[1].date].mark == "x"
    assert marks[plan.sessions[2].date].mark == "-"
    text = render_month(plan, width=80, status={1: "given", 2: "missed"})
    assert "+ given" in text and "x missed" in text
    with pytest.raises(ValueError):
        day_marks(plan, status={1: "done"})


def test_every_session_day_is_in_the_grid(plan):
    text = render_month(plan, today=TODAY, width=80, notes=False)
    for s in plan.sessions:
        assert f"{s.date.strftime('%B')} {s.date.year}" in text
    marked = re.findall(r"[*>#+x-](\d{1,2})", text.split("\n\n* session")[0])
    assert len(marked) >= len(plan.sessions)


def test_today_outside_the_plan_is_named_not_drawn(plan):
    text = render_month(plan, today=date(2030, 1, 1), width=80)
    assert "Today: Tue 1 Jan 2030" in text
    assert "January 2030" not in text


# --------------------------------------------------------------------------- a real terminal

TMUX = shutil.which("tmux")

KETPLAN = Path(sys.executable).parent / "ketplan"
PLAN_ARGS = "plan --route intranasal --start 2026-12-01 --days tue,fri --tz Europe/Brussels --holidays BE --label P01"
# Today for the command: 2026-12-08 12:00 UTC (SOURCE_DATE_EPOCH stands for now, as for ics).
EPOCH = int(datetime(2026, 12, 8, 12, 0, tzinfo=UTC).timestamp())


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.skipif(not KETPLAN.exists(), reason="the ketplan console script is not installed")
def test_month_view_in_a_real_80x24_terminal(tmp_path, plan):
    """`ketplan plan ... --format month` in tmux at 80x24: colour on, three months side by side,
    and, colour removed, exactly the plain rendering (no line wrapped by the terminal)."""
    script = tmp_path / "month.sh"
    script.write_text(
        f"unset NO_COLOR COLUMNS LINES; export TERM=xterm-256color SOURCE_DATE_EPOCH={EPOCH}\n"
        f"{KETPLAN} --no-pager {PLAN_ARGS} --format month\necho END-OF-MONTH-VIEW\nsleep 30\n",
        encoding="utf-8",
    )
    session = f"ketplan-month-{uuid.uuid4().hex[:8]}"
    socket = str(tmp_path / "tmux.sock")
    base = [TMUX, "-S", socket]
    command = f"sh {script}"
    subprocess.run(
        [*base, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command],
        check=True,
        timeout=20,
    )
    try:
        captured = ""
        for _ in range(100):
            time.sleep(0.1)
            captured = subprocess.run(
                [*base, "capture-pane", "-p", "-e", "-J", "-S", "-200", "-t", session],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            if "END-OF-MONTH-VIEW" in captured:
                break
        assert "END-OF-MONTH-VIEW" in captured, captured
        size = subprocess.run(
            [*base, "display-message", "-p", "-t", session, "#{pane_width}x#{pane_height}"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        assert size == "80x24"
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, timeout=10)
    shown = captured.split("END-OF-MONTH-VIEW")[0]
    assert "\x1b[" in shown, "a terminal gets colour"
    text = SGR.sub("", shown)
    expected = render_month(plan, today=TODAY, width=80, colour=False)
    # What the terminal shows is the plain rendering, character for character (no wrapped line).
    assert [line.rstrip() for line in text.rstrip("\n").splitlines()][-len(expected.splitlines()) :] == [
        line.rstrip() for line in expected.splitlines()
    ]
    assert re.search(r"November 2026\s+December 2026\s+January 2027", text)
    for line in text.splitlines():
        assert len(line) <= 80


# --------------------------------------------------------------------------- the command


def test_plan_format_month_command(runner, plan):
    result = runner.invoke(
        app, [*PLAN_ARGS.split(), "--format", "month"], env={"SOURCE_DATE_EPOCH": str(EPOCH), "COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == render_month(plan, today=TODAY, width=80, colour=False)


def test_plan_format_month_follows_columns_and_no_color(runner):
    result = runner.invoke(app, [*PLAN_ARGS.split(), "--format", "month"], env={"COLUMNS": "40", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 40


def test_month_to_a_file_is_plain(runner, tmp_path, plan):
    target = tmp_path / "month.txt"
    result = runner.invoke(
        app,
        [*PLAN_ARGS.split(), "--format", "month", "-o", str(target)],
        env={"SOURCE_DATE_EPOCH": str(EPOCH), "COLUMNS": "132"},
    )
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == render_month(plan, today=TODAY, width=80)


def test_dose_has_no_month_format(runner):
    result = runner.invoke(app, ["dose", "--weight", "70kg", "--format", "month"])
    assert result.exit_code == 2
    assert "month" in result.stderr
