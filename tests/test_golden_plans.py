"""Golden plans: one JSON plan per protocol file in protocols/, built with fixed inputs.

Inputs: start 2026-12-01 (a Tuesday), --days tue,fri (mon,wed,fri for a thrice-weekly
protocol), --tz Europe/Brussels, --weeks 26, --weight 70kg for weight-based protocols,
--holidays BE (weekends closed). Serialised with ketplan.export.jsonout.plan_document,
without `ketplan_version`.

A new protocol file gets a golden: run once with KETPLAN_UPDATE_GOLDEN=1, review the
file, and commit it. Regenerate only with KETPLAN_UPDATE_GOLDEN=1, after checking the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from helpers import fail_with_golden_diff

from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.protocol import parse_protocol

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = ROOT / "protocols"
GOLDEN = Path(__file__).resolve().parent / "golden" / "plans"
UPDATE = os.environ.get("KETPLAN_UPDATE_GOLDEN") == "1"
PROTOCOL_FILES = sorted(SCHEDULES.glob("*.toml"))

START = date(2026, 12, 1)
ZONE = "Europe/Brussels"
WEEKS = 26
WEIGHT_KG = 70.0
TUE_FRI, MON_WED_FRI = (1, 4), (0, 2, 4)


def golden_document(path: Path) -> dict:
    from ketplan.export.jsonout import plan_document
    from ketplan.io.clinic_calendar import clinic_calendar

    protocol = parse_protocol(path.read_text(encoding="utf-8"), path.name)
    thrice = max(p.sessions_per_week or 1 for p in protocol.phases) == 3
    request = PlanRequest(
        protocol=protocol,
        start=START,
        timezone=ZONE,
        weekdays=MON_WED_FRI if thrice else TUE_FRI,
        weeks=WEEKS,
        calendar=clinic_calendar({5, 6}, (), "BE", (2026, 2030)),
        weight_kg=WEIGHT_KG if protocol.weight_based else None,
        weight_entered="70kg" if protocol.weight_based else None,
    )
    document = plan_document(build_plan(request))
    document.pop("ketplan_version")
    document.pop("tzdata_version")  # the installed tzdata release; tested in test_zones.py
    return document


def dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def test_there_is_at_least_one_protocol_file():
    assert (SCHEDULES / "esketamine-trd.toml") in PROTOCOL_FILES


@pytest.mark.parametrize("path", PROTOCOL_FILES, ids=lambda p: p.stem)
def test_golden_plan(path: Path):
    golden = GOLDEN / f"{path.stem}.json"
    actual = dump(golden_document(path))
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    if not golden.exists():
        pytest.fail(
            f"no golden plan for protocols/{path.name}: run "
            f"`KETPLAN_UPDATE_GOLDEN=1 .venv/bin/pytest {Path(__file__).relative_to(ROOT)}`, "
            f"review tests/golden/plans/{golden.name} by hand and commit it"
        )
    expected = dump(json.loads(golden.read_text(encoding="utf-8")))
    if actual != expected:
        fail_with_golden_diff(
            expected,
            actual,
            golden_name=f"tests/golden/plans/{golden.name}",
            actual_name=f"plan built from protocols/{path.name}",
            what=f"the plan for {path.stem}",
        )


def test_every_golden_has_a_protocol_file():
    stems = {p.stem for p in PROTOCOL_FILES}
    orphans = sorted(g.name for g in GOLDEN.glob("*.json") if g.stem not in stems)
    assert not orphans, f"golden plans without a protocol file in protocols/: {orphans}; delete them"


# --- esketamine-trd, checked by hand against REFERENCE.md §1.2 ---------------------------------
# Induction weeks 1-4 twice weekly (8 sessions), maintenance weeks 5-8 once weekly (4), every
# 2 weeks from week 9; day 1 56 mg, then 56 mg (default); 2 devices; 5 min + 120 min observation.
# Belgian holidays: Friday 2026-12-25 (Christmas) -> Monday 12-28, so Tuesday 12-29 keeps the
# 2-day gap on Wednesday 12-30. New Year's Day (Friday 2027-01-01) is not a session day.


def test_esketamine_trd_golden_key_dates():
    doc = golden_document(SCHEDULES / "esketamine-trd.toml")
    sessions = doc["sessions"]
    assert doc["summary"]["sessions_by_phase"] == {"induction": 8, "maintenance": 4, "continuation": 9}
    assert doc["summary"]["sessions"] == 21
    assert doc["summary"]["moved_sessions"] == 2
    assert doc["summary"]["cumulative_dose_mg"] == 21 * 56
    assert (doc["first_session"], doc["last_session"], doc["horizon_end"]) == ("2026-12-01", "2027-05-18", "2027-05-31")
    assert doc["weekdays"] == ["tue", "fri"] and doc["every_weeks"] == 2

    def phase_dates(name):
        return [s["date"] for s in sessions if s["phase"] == name]

    assert phase_dates("induction") == [
        "2026-12-01",
        "2026-12-04",
        "2026-12-08",
        "2026-12-11",
        "2026-12-15",
        "2026-12-18",
        "2026-12-22",
        "2026-12-28",
    ]
    assert phase_dates("maintenance") == ["2026-12-30", "2027-01-05", "2027-01-12", "2027-01-19"]
    assert phase_dates("continuation") == [
        "2027-01-26",
        "2027-02-09",
        "2027-02-23",
        "2027-03-09",
        "2027-03-23",
        "2027-04-06",
        "2027-04-20",
        "2027-05-04",
        "2027-05-18",
    ]
    moved = [(s["n"], s["moved_from"], s["date"], s["reason"]) for s in sessions if s["moved_from"]]
    assert moved == [
        (8, "2026-12-25", "2026-12-28", "public holiday (Christmas Day)"),
        (9, "2026-12-29", "2026-12-30", "keeps the 2-day minimum gap after session 8"),
    ]
    assert {s["dose_mg"] for s in sessions} == {56.0} and {s["devices"] for s in sessions} == {2}
    assert sessions[0]["start"] == "2026-12-01T09:00:00+01:00" and sessions[0]["end"] == "2026-12-01T11:05:00+01:00"
    # Summer time from 2027-03-28: the first session after it is at +02:00.
    assert sessions[16]["start"] == "2027-03-23T09:00:00+01:00"
    assert sessions[17]["start"] == "2027-04-06T09:00:00+02:00"
    checkpoints = {c["id"]: c["date"] for c in doc["checkpoints"] if c["id"] != "rems-form"}
    assert checkpoints == {
        # issue 11: screening, baseline urinary symptoms and baseline misuse check a week before session 1
        "esketamine-screening": "2026-11-24",
        "luts-baseline": "2026-11-24",
        "misuse-baseline": "2026-11-24",
        "rems-enrolment": "2026-11-30",
        "end-of-induction": "2026-12-28",
        # Due 12 weeks after the first maintenance session (12-30), i.e. 2027-03-24: done at the
        # first visit on or after that date (session 18).
        "luts-screen": "2027-04-06",
        "misuse-screen": "2027-04-06",
    }
    assert sum(1 for c in doc["checkpoints"] if c["id"] == "rems-form") == 21


def test_golden_inputs_are_the_documented_ones():
    for path in PROTOCOL_FILES:
        doc = golden_document(path)
        assert doc["start"] == "2026-12-01" and doc["timezone"] == ZONE
        # thrice weekly (mon,wed,fri) from Tuesday 12-01 starts Wednesday 12-02 (issue 13), not Monday 12-07
        assert doc["horizon_end"] == "2027-05-31" or doc["horizon_end"] == "2027-06-01"
        if doc["dose"] is not None:
            assert doc["dose"]["weight_kg"] == WEIGHT_KG
