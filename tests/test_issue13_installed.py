"""Issue 13, done when: through the installed `ketplan` command, a clinic profile set once and
used by single plans and rosters; first sessions on the requested start; IV calendars with the
real vial; a 40-row trial roster whose 40 calendars import into one calendar program (khal)
with all 240 sessions present; resumable rosters; the terminal's progress and final line."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
KETPLAN = BIN / "ketplan"
pytestmark = pytest.mark.skipif(not KETPLAN.exists(), reason="the ketplan console script is not installed")
STAMP = "2026-11-01T00:00:00Z"

PROFILE_EDITS = {
    'timezone = "UTC"': 'timezone = "America/New_York"',
    '# holidays = "US-NY"': 'holidays = "US-NY"',
    "# concentration = 10": "concentration = 50",
    "# final_volume = 100": "final_volume = 50",
}


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """An environment whose only clinic profile is the one `ketplan clinic init` writes."""
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_CLINIC", "KETPLAN_DEBUG", "TZ")}
    env.update({"XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": "1", "TZ": "UTC", "COLUMNS": "100"})
    return env


def ketplan(env, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, encoding="utf-8", timeout=120, env=env, cwd=cwd
    )


def set_up_profile(env) -> Path:
    init = ketplan(env, "clinic", "init")
    assert init.returncode == 0, init.stderr
    path = Path(env["XDG_CONFIG_HOME"]) / "ketplan" / "clinic.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in PROFILE_EDITS.items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_set_once_is_used_by_single_plans_and_rosters(home, tmp_path):
    path = set_up_profile(home)
    shown = ketplan(home, "clinic", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"clinic profile: {path} (from default location)" in shown.stdout
    assert "America/New_York" in shown.stdout and f"{path}:" in shown.stdout

    one = ketplan(home, "plan", "--route", "iv", "--weight", "70kg", "--start", "2027-01-04", "--format", "json")
    assert one.returncode == 0, one.stderr
    document = json.loads(one.stdout)
    assert document["timezone"] == "America/New_York"
    assert document["dose"]["concentration_mg_per_ml"] == 50 and document["dose"]["final_volume_ml"] == 50
    # US-NY: Martin Luther King Jr. Day (Mon 2027-01-18) closes the clinic.
    assert "2027-01-18" not in [s["date"] for s in document["sessions"]]

    roster = tmp_path / "r.csv"
    roster.write_text("id,route,start,weight\nP1,iv,2027-01-04,70kg\nP2,intranasal,2027-01-04,\n", encoding="utf-8")
    many = ketplan(home, "plan", "--roster", str(roster))
    assert many.returncode == 0, many.stderr
    plans = [json.loads(line) for line in many.stdout.splitlines()]
    assert [p["timezone"] for p in plans] == ["America/New_York", "America/New_York"]
    assert plans[0]["sessions"] == document["sessions"]


@pytest.mark.parametrize(
    ("start", "days", "first"),
    [
        ("2026-12-18", "mon,wed,fri", "2026-12-18"),  # the issue: was Mon 21 Dec
        ("2026-12-16", "mon,thu", "2026-12-17"),  # a Wednesday with mon,thu: was the next Monday
        ("2026-12-16", "thu,mon", "2026-12-17"),  # the order of --days does not matter
    ],
)
def test_the_first_session_is_on_the_requested_start(home, start, days, first):
    result = ketplan(
        home, "plan", "--route", "intranasal", "--start", start, "--days", days, "--tz", "UTC", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["sessions"][0]["date"] == first
    late = [w for w in document["warnings"] if w.startswith("First session")]
    assert bool(late) == (first != start)


def test_iv_calendars_show_the_vial_actually_used(home):
    result = ketplan(
        home, "plan", "--route", "iv", "--weight", "70kg", "--start", "2027-01-04", "--tz", "UTC",
        "--concentration", "50", "--final-volume", "50", "--minutes", "45", "--format", "ics", "--stamp", STAMP,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    unfolded = result.stdout.replace("\r\n", "\n").replace("\n ", "")
    events = unfolded.count("BEGIN:VEVENT")
    sessions = [block for block in unfolded.split("BEGIN:VEVENT")[1:] if "Dose:" in block]
    assert sessions and events >= len(sessions)
    for block in sessions:
        assert "draw up 0.7 mL of 50 mg/mL\\, final volume 50 mL\\, over 45 min" in block
    assert "mL of 10 mg/mL" not in unfolded


def trial_roster(path: Path, bad_lines=()) -> Path:
    rows = ["id,route,protocol,start,weight"]
    for i in range(1, 41):
        weight = "" if i + 1 in bad_lines else f"{60 + i}kg"
        rows.append(f"T{i:02d},iv,iv-racemic-elektd,2027-01-04,{weight}")  # all on the same start date
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_40_row_trial_roster_resumes_with_skip_existing(home, tmp_path):
    set_up_profile(home)
    out = tmp_path / "calendars"
    out.mkdir()
    roster = trial_roster(tmp_path / "trial.csv")
    first = ketplan(
        home, "plan", "--roster", str(roster), "--format", "ics", "--output-dir", str(out), "--stamp", STAMP
    )
    assert first.returncode == 0, first.stderr
    assert len(list(out.glob("*.ics"))) == 40
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for name in ("T05.ics", "T17.ics", "T40.ics"):  # an interrupted run
        (out / name).unlink()
    again = ketplan(
        home, "plan", "--roster", str(roster), "--format", "ics", "--output-dir", str(out), "--stamp", STAMP,
        "--skip-existing",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    table = ketplan(home, "plan", "--roster", str(roster), "--format", "table")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "protocol", "first", "last", "sessions", "warnings"]
    assert len(lines) == 41 and lines[1].split()[:5] == [
        "T01",
        "iv-racemic-elektd",
        "2027-01-04",
        lines[1].split()[3],
        "6",
    ]


def _khal() -> str | None:
    sibling = BIN / "khal"
    return str(sibling) if sibling.exists() else shutil.which("khal")


@pytest.mark.skipif(_khal() is None, reason="khal is not installed (pip install khal)")
def test_40_calendars_import_into_one_khal_calendar_with_all_240_sessions(home, tmp_path):
    set_up_profile(home)
    out = tmp_path / "calendars"
    out.mkdir()
    roster = trial_roster(tmp_path / "trial.csv")
    result = ketplan(
        home, "plan", "--roster", str(roster), "--format", "ics", "--output-dir", str(out), "--stamp", STAMP
    )
    assert result.returncode == 0, result.stderr
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[trial]]\npath = {vdir}\ntype = calendar\n[locale]\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\nlocal_timezone = America/New_York\n"
        f"default_timezone = America/New_York\n[sqlite]\npath = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    for path in sorted(out.glob("*.ics")):
        imported = subprocess.run(
            [_khal(), "-c", str(config), "import", "--batch", "-a", "trial", str(path)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr
    listing = subprocess.run(
        [_khal(), "-c", str(config), "list", "--day-format", "", "--format", "{start-date} {start-time} {title}",
         "2026-12-01", "2027-04-01"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.splitlines()  # fmt: skip
    sessions = [line for line in listing if " mg" in line and ":" in line.split(" ")[1]]
    assert len(sessions) == 240
    assert {line.split(" ", 2)[2].split(":")[0] for line in sessions} == {f"T{i:02d}" for i in range(1, 41)}
    # Same start date for all 40, yet no two share a first infusion: the id labels each calendar.
    assert sum(1 for line in sessions if line.startswith("2027-01-04 ")) == 40


def test_on_a_terminal_a_roster_shows_progress_and_a_final_line(home, tmp_path):
    out = tmp_path / "calendars"
    out.mkdir()
    roster = trial_roster(tmp_path / "trial.csv", bad_lines=(6, 10))
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(KETPLAN), "plan", "--roster", str(roster), "--format", "ics", "--output-dir", str(out), "--tz", "UTC"],
            stdout=subprocess.DEVNULL, stderr=terminal, env={**home, "TERM": "xterm", "COLUMNS": "100"},
        )  # fmt: skip
        os.close(terminal)
        chunks = []
        while True:
            ready, _, _ = select.select([controller], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(controller, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(timeout=60)
    finally:
        os.close(controller)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert code == 2
    assert f"planned 38 of 40 (2 failed: lines 6, 10) → {out}/" in text
    assert "roster line 6 (id T05): column weight is required" in text
