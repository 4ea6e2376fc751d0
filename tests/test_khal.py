"""Integration: a real calendar program (khal) imports the export.

Skips cleanly when khal is not installed (`pip install khal`; it is not a ketplan dependency).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.protocol import parse_protocol
from ketplan.core.schedule import ClinicCalendar
from ketplan.export.ics import DEFAULT_REMINDERS, plan_to_ics, session_title

ROOT = Path(__file__).resolve().parent.parent
STAMP = datetime(2026, 11, 1, tzinfo=UTC)


def _khal() -> str | None:
    sibling = Path(sys.executable).with_name("khal")
    if sibling.exists():
        return str(sibling)
    return shutil.which("khal")


KHAL = _khal()
pytestmark = pytest.mark.skipif(KHAL is None, reason="khal is not installed (pip install khal)")


class Khal:
    def __init__(self, folder: Path, zone: str) -> None:
        self.vdir = folder / "calendar"
        self.vdir.mkdir()
        self.config = folder / "khal.conf"
        self.config.write_text(
            "[calendars]\n"
            "[[ketplan]]\n"
            f"path = {self.vdir}\n"
            "type = calendar\n"
            "[locale]\n"
            "timeformat = %H:%M\n"
            "dateformat = %Y-%m-%d\n"
            "longdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%d %H:%M\n"
            "longdatetimeformat = %Y-%m-%d %H:%M\n"
            f"local_timezone = {zone}\n"
            f"default_timezone = {zone}\n"
            "[sqlite]\n"
            f"path = {folder / 'khal.db'}\n",
            encoding="utf-8",
        )

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [KHAL, "-c", str(self.config), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def import_file(self, path: Path) -> None:
        self.run("import", "--batch", "-a", "ketplan", str(path))

    def list(self, first: date, last: date) -> list[tuple[str, str, str, str]]:
        out = self.run(
            "list",
            "--day-format",
            "",
            "--format",
            "{start-date}\t{start-time}\t{end-time}\t{title}",
            first.isoformat(),
            last.isoformat(),
        )
        return [tuple(line.split("\t")) for line in out.splitlines() if line.strip()]

    def stored_events(self) -> int:
        return len([p for p in self.vdir.iterdir() if p.name.endswith(".ics")])


def _protocol(name: str):
    path = ROOT / "protocols" / f"{name}.toml"
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    return parse_protocol(path.read_text(encoding="utf-8"), path.name)


def _write(tmp_path: Path, plan, name: str = "plan.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(plan_to_ics(plan, stamp=STAMP, reminders=DEFAULT_REMINDERS))
    return path


def _expected_sessions(plan) -> list[tuple[str, str, str, str]]:
    prefix = f"{plan.label}: " if plan.label else ""
    return [
        (s.date.isoformat(), s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), prefix + session_title(plan, s))
        for s in plan.sessions
    ]


def _span(plan) -> tuple[date, date]:
    days = [s.date for s in plan.sessions] + [c.date for c in plan.checkpoints]
    return min(days) - timedelta(days=7), max(days) + timedelta(days=7)


def _check_listing(plan, listing) -> None:
    counts = Counter(listing)
    for row in _expected_sessions(plan):
        assert counts[row] == 1, f"{row} not listed exactly once"
    all_day = [row for row in listing if row[1] == ""]
    assert len(all_day) == len(plan.checkpoints)
    assert len(listing) == len(plan.sessions) + len(plan.checkpoints)


@pytest.mark.parametrize(
    ("zone", "start", "weeks", "days"),
    [
        ("Europe/Brussels", date(2026, 12, 1), 26, (1, 4)),  # 26 weeks, through the March 2027 DST change
        ("America/New_York", date(2027, 3, 1), 4, (0, 3)),  # across 2027-03-14
    ],
)
def test_khal_imports_esketamine_plan_at_local_times(tmp_path, zone, start, weeks, days):
    plan = build_plan(
        PlanRequest(
            protocol=_protocol("esketamine-trd"), start=start, timezone=zone, weekdays=days, weeks=weeks, label="P01"
        )
    )
    path = _write(tmp_path, plan)
    khal = Khal(tmp_path, zone)
    khal.import_file(path)
    listing = khal.list(*_span(plan))
    _check_listing(plan, listing)
    assert {row[1] for row in listing if row[1]} == {"09:00"}
    assert khal.stored_events() == len(plan.sessions) + len(plan.checkpoints)

    # Importing the same file again updates, never duplicates.
    khal.import_file(path)
    assert khal.list(*_span(plan)) == listing
    assert khal.stored_events() == len(plan.sessions) + len(plan.checkpoints)


def test_khal_imports_iv_plan(tmp_path):
    plan = build_plan(
        PlanRequest(
            protocol=_protocol("iv-racemic-twice-weekly"),
            start=date(2026, 12, 1),
            timezone="Europe/Brussels",
            weekdays=(1, 4),
            weeks=4,
            weight_kg=70.0,
            label="P02",
        )
    )
    path = _write(tmp_path, plan)
    khal = Khal(tmp_path, "Europe/Brussels")
    khal.import_file(path)
    listing = khal.list(*_span(plan))
    _check_listing(plan, listing)
    khal.import_file(path)
    assert khal.list(*_span(plan)) == listing


def test_khal_reimport_of_updated_plan_moves_events(tmp_path):
    p = _protocol("esketamine-trd")
    base = {
        "protocol": p,
        "start": date(2026, 12, 1),
        "timezone": "Europe/Brussels",
        "weekdays": (1, 4),
        "weeks": 8,
        "label": "P01",
    }
    original = build_plan(PlanRequest(**base))
    updated = build_plan(
        PlanRequest(**base, calendar=ClinicCalendar(closed_dates={date(2026, 12, 4): "staff training"}))
    )
    assert updated.sessions[1].date != original.sessions[1].date
    khal = Khal(tmp_path, "Europe/Brussels")
    khal.import_file(_write(tmp_path, original, "v1.ics"))
    khal.import_file(_write(tmp_path, updated, "v2.ics"))
    listing = khal.list(*_span(updated))
    _check_listing(updated, listing)
    assert not any(row[0] == "2026-12-04" and row[1] for row in listing)


def test_khal_in_another_zone_sees_the_same_instants(tmp_path):
    plan = build_plan(
        PlanRequest(
            protocol=_protocol("esketamine-trd"),
            start=date(2027, 3, 15),
            timezone="Europe/Brussels",
            weekdays=(0, 3),
            weeks=3,
            label="P01",
        )
    )
    khal = Khal(tmp_path, "UTC")
    khal.import_file(_write(tmp_path, plan))
    listing = khal.list(date(2027, 3, 1), date(2027, 5, 1))
    times = {row[0]: row[1] for row in listing if row[1]}
    assert times["2027-03-25"] == "08:00"  # 09:00 CET
    assert times["2027-03-29"] == "07:00"  # 09:00 CEST
