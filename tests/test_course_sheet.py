"""`ketplan course sheet LABEL --session N`: the nurse's preparation sheet for one session of a
stored course. The dose is that session's own (a titration's step), worked out through the same
core functions as `ketplan dose` from the course's stored inputs, on the current plan; the
refusals are one line, exit 2, nothing written.

Goldens (tests/golden/views/nurse-course-*.html) are regenerated with KETPLAN_UPDATE_GOLDEN=1;
every number in them is also checked here against a hand calculation (REFERENCE.md §2.5, §3)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from helpers import assert_refused
from typer.testing import CliRunner
from views_support import CourseStore, check_golden, iv_course, sc_course

from ketplan.cli import app


def _text(html: str) -> str:
    body = html.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)).replace("\xa0", " "))


def _json(store: CourseStore, label: str, session: int) -> dict:
    return json.loads(store.ok("sheet", label, "--session", str(session), "--format", "json"))


@pytest.fixture
def store(tmp_path) -> CourseStore:
    return CourseStore(tmp_path)


# --------------------------------------------------------------------------- goldens


def test_golden_iv_course_session(store):
    iv_course(store)
    html = store.ok("sheet", "P02", "--session", "3", "--format", "html")
    check_golden("nurse-course-iv-session3.html", html)
    text = _text(html)
    # 70 kg x 0.5 mg/kg = 35 mg = 3.5 mL of 10 mg/mL; 100 mL over 40 min = 150 mL/h (REFERENCE.md §2.5).
    assert 70 * 0.5 == 35.0 and 35 / 10 == 3.5 and 100 / (40 / 60) == 150.0
    for expected in (
        "Patient label P02",
        "Session 3 · Monday 9 November 2026",
        "Protocol iv-racemic-twice-weekly",
        "Weight 70.0 kg entered as 70kg; recorded Mon 2 Nov 2026",
        "Dose per kg 0.5 mg/kg",
        "Dose 35.0 mg",
        "Vial strength 10 mg/mL",
        "Volume to draw 3.5 mL",
        "Final volume 100 mL",
        "Infusion time 40 min",
        "Pump rate 150.0 mL/h",
        "Independently checked by",
        "Waste witnessed by",
        "Session 3 of 8 (series), planned 2026-11-09 at 09:00 (Europe/Brussels)",
        "Weight 70 kg was recorded with the course on 2026-11-02",
        "Last dose given: session 2 on 2026-11-05, 35 mg (0.5 mg/kg).",
        "Printed Monday 9 November 2026",
    ):
        assert expected in text, expected


def test_golden_titration_course_session(store):
    """KADS: session 3 is the 0.75 mg/kg step, not the course's first dose (0.5 mg/kg)."""
    sc_course(store)
    html = store.ok("sheet", "P04", "--session", "3", "--format", "html")
    check_golden("nurse-course-sc-session3.html", html)
    text = _text(html)
    # 70 kg x 0.75 mg/kg = 52.5 mg; 52.5 / 100 mg/mL = 0.525 -> 0.53 mL, which delivers 53.0 mg.
    assert 70 * 0.75 == 52.5
    for expected in (
        "Ketamine subcutaneous injection: preparation record",
        "Session 3 · Tuesday 10 November 2026",
        "Dose per kg 0.75 mg/kg allowed 0.5–0.9 mg/kg",
        "Dose 52.5 mg",
        "Vial strength 100 mg/mL",
        "Volume to draw 0.53 mL dose ÷ vial strength; delivers 53.0 mg (0.757 mg/kg)",
        "Titration step: 0.75 mg/kg only if improvement since baseline is under 50%",
        "Last dose given: session 2 on 2026-11-06, 42 mg (0.6 mg/kg).",
    ):
        assert expected in text, expected
    assert "Pump rate" not in text and "Final volume" not in text  # an injection, not an infusion
    assert "more than one step" not in text  # session 2 was the 0.6 step: 0.75 is the next one


def test_each_titration_session_has_its_own_dose(store):
    """Loo 2016 IM titration, 0.1 mg/kg a session up to 0.5: session n is 0.1 x n mg/kg = 7 x n mg
    for 70 kg, 7n / 50 mL of 50 mg/mL; each sheet agrees with the stored plan's session."""
    store.ok("new", "P05", "--route", "im", "--weight", "70kg", "--start", "2026-11-03", "--days", "tue",
             "--tz", "Europe/Brussels", "--quiet")  # fmt: skip
    planned = json.loads(store.ok("show", "P05", "--format", "json"))["plan"]["sessions"]
    for n in range(1, 6):
        dose = _json(store, "P05", n)["dose"]
        assert dose["mg_per_kg"] == pytest.approx(0.1 * n)
        assert dose["dose_mg"] == pytest.approx(7.0 * n)
        assert dose["drug_volume_ml"] == pytest.approx(round(7.0 * n / 50, 2))
        assert dose["concentration_mg_per_ml"] == 50
        assert (dose["dose_mg"], dose["drug_volume_ml"]) == (
            planned[n - 1]["dose_mg"],
            planned[n - 1]["drug_volume_ml"],
        )
    sc_course(store)
    kads = [_json(store, "P04", n)["dose"] for n in (1, 2, 3, 4, 5)]
    assert [d["mg_per_kg"] for d in kads] == [0.5, 0.6, 0.75, 0.9, 0.9]
    assert [d["dose_mg"] for d in kads] == [35.0, 42.0, 52.5, 63.0, 63.0]


def test_the_sheet_is_ketplan_dose_for_the_courses_inputs(store):
    """Weight basis, height, sex, vial, bag and infusion time stored with the course give exactly
    what `ketplan dose` gives for the same inputs (only the evidence line names the protocol)."""
    options = ["--weight", "250lb", "--height", "66in", "--sex", "male", "--dosing-weight", "adjusted",
               "--mg-per-kg", "0.5", "--concentration", "50", "--final-volume", "50", "--minutes", "45"]  # fmt: skip
    iv_course(store, "P06", *options)
    sheet = _json(store, "P06", 3)
    dose = json.loads(CliRunner().invoke(app, ["dose", *options, "--format", "json"]).stdout)
    assert {k: v for k, v in sheet["dose"].items() if k != "evidence"} == {
        k: v for k, v in dose.items() if k != "evidence"
    }
    # Devine male 66 in: 63.8 kg; adjusted 63.8 + 0.4 x (113.4 - 63.8) = 83.64 kg; x 0.5 = 41.8 mg.
    assert sheet["dose"]["dosing_weight_basis"] == "adjusted"
    assert sheet["dose"]["dosing_weight_kg"] == pytest.approx(83.64, abs=0.01)
    assert sheet["dose"]["dose_mg"] == 41.8 and sheet["dose"]["drug_volume_ml"] == 0.84
    assert sheet["weight_recorded_on"] == "2026-11-02"
    assert sheet["session"] == {
        "n": 3,
        "of": 8,
        "date": "2026-11-09",
        "start": "2026-11-09T09:00:00+01:00",
        "timezone": "Europe/Brussels",
        "phase": "series",
        "phase_session": 3,
        "phase_sessions": 8,
        "status": "planned",
    }


def test_a_table_for_the_screen(store):
    iv_course(store)
    table = store.ok("sheet", "P02", "--session", "3")
    assert table.startswith("Course P02, session 3 of 8: Mon 2026-11-09 09:00 (Europe/Brussels)\n")
    for expected in ("Weight recorded  2026-11-02, with the course", "Draw up          3.5 mL", "Pump rate"):
        assert expected in table, expected
    assert "This session" in table and "Sources:" in table
    assert "References" in store.ok("sheet", "P02", "--session", "3", "--details")


# --------------------------------------------------------------------------- the record and the current plan


def test_a_replanned_course_prints_its_current_plan(store):
    iv_course(store)
    store.ok("record", "P02", "--session", "3", "--missed", now="2026-11-10T12:00:00Z")
    store.ok("replan", "P02", "--make-up", now="2026-11-10T12:00:00Z")
    planned = json.loads(store.ok("show", "P02", "--format", "json", now="2026-11-10T12:00:00Z"))["plan"]["sessions"]
    assert len(planned) == 9  # the make-up session
    sheet = _json(store, "P02", 9)
    assert sheet["session"]["date"] == planned[8]["date"] and sheet["plan_revision"] == 2
    assert sheet["dose"]["dose_mg"] == planned[8]["dose_mg"] == 35.0
    assert any("plan revision 2" in note for note in sheet["notes"])


def test_esketamine_is_refused_with_the_current_plans_dose_and_devices(store):
    store.ok("new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri",
             "--tz", "Europe/Brussels", "--quiet", now="2026-11-02T08:00:00Z")  # fmt: skip
    line = assert_refused(store("sheet", "P01", "--session", "6"))
    assert "esketamine 56 mg (2 nasal spray devices of 28 mg" in line and "nothing is drawn up" in line
    store.ok("record", "P01", "--sessions", "1-4", "--given", now="2026-11-13T12:00:00Z")
    store.ok("replan", "P01", "--dose", "84", "--from", "2026-11-14", now="2026-11-13T12:00:00Z")
    line = assert_refused(store("sheet", "P01", "--session", "6"))
    assert "esketamine 84 mg (3 nasal spray devices of 28 mg" in line  # the replanned dose
    assert "ketplan rems form P01 --session 6" in line


def test_a_session_cancelled_by_a_replan_is_refused(store):
    store.ok("new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--days", "tue,fri", "--tz",
             "Europe/Brussels", "--weeks", "16", "--every", "1", "--quiet", now="2026-11-02T08:00:00Z")  # fmt: skip
    store.ok("record", "P01", "--sessions", "1-8", "--given", now="2026-12-30T12:00:00Z")
    store.ok("replan", "P01", "--every", "2", "--from", "2027-01-04", now="2026-12-30T12:00:00Z")
    line = assert_refused(store("sheet", "P01", "--session", "20"))
    assert line == "ketplan: error: --session 20 was cancelled by a replan; the course now has sessions 1-16"


def test_cautions_from_the_record(store):
    sc_course(store, "P07")
    store.ok("record", "P07", "--session", "3", "--given", "--mg-per-kg", "0.6", now="2026-11-10T12:00:00Z")
    given = _json(store, "P07", 3)
    assert given["session"]["status"] == "given"
    assert given["cautions"][0].startswith("Session 3 is already recorded as given (2026-11-10, entry 4)")
    # Session 4 is planned at 0.9 mg/kg, but 0.6 was given last: the next KADS step would be 0.75.
    jump = _json(store, "P07", 4)
    assert any("planned 0.9 mg/kg is more than one step above the last dose given (0.6 mg/kg" in c
               for c in jump["cautions"])  # fmt: skip
    assert "Last dose given: session 3 on 2026-11-10, 42 mg (0.6 mg/kg)." in jump["notes"]
    assert jump["dose"]["mg_per_kg"] == 0.9  # the plan's dose is shown; the prescriber confirms


# --------------------------------------------------------------------------- refusals and output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["NOPE", "--session", "1"], "no course 'NOPE' in the store"),
        (["P02", "--session", "0"], "--session must be a session number, 1 or more"),
        (["P02", "--session", "9"], "--session 9: the course has sessions 1-8"),
        (["P02", "--session", "x"], "--session"),
        (["P02"], "--session"),
        (["P02", "--session", "3", "--format", "csv"], "--format"),
        (["P02", "--session", "3", "--format", "html", "--details"], "--details"),
    ],
)
def test_refusals_are_one_line_and_write_nothing(store, tmp_path, args, needle):
    iv_course(store)
    target = tmp_path / "sheet.html"
    line = assert_refused(store("sheet", *args, "--output", str(target)))
    assert needle in line, line
    assert not target.exists()


def test_refusals_with_format_json_are_json(store):
    iv_course(store)
    result = store("sheet", "P02", "--session", "42", "--format", "json")
    assert "the course has sessions 1-8" in assert_refused(result)
    assert json.loads(result.stderr)["option"] == "--session"


def test_output_is_never_overwritten_without_force(store, tmp_path):
    iv_course(store)
    target = tmp_path / "p02-s3.html"
    assert store.ok("sheet", "P02", "--session", "3", "--format", "html", "--output", str(target)) == ""
    page = target.read_text(encoding="utf-8")
    assert page == store.ok("sheet", "P02", "--session", "3", "--format", "html")
    target.write_text("kept", encoding="utf-8")
    assert "exists" in assert_refused(store("sheet", "P02", "--session", "3", "--format", "html", "-o", str(target)))
    assert target.read_text(encoding="utf-8") == "kept"
    store.ok("sheet", "P02", "--session", "3", "--format", "html", "-o", str(target), "--force")
    assert target.read_text(encoding="utf-8") == page


def test_the_sheet_names_the_label_only(store):
    iv_course(store, "P02", "--age", "44", "--sex", "female")
    page = store.ok("sheet", "P02", "--session", "1", "--format", "html")
    assert "P02" in page
    for identifier in ("birth", "date of birth", "name:", "address"):
        assert identifier not in _text(page).lower()


def test_an_oral_course_has_a_sheet_without_a_vial(store):
    store.ok("new", "P09", "--route", "oral", "--weight", "70kg", "--start", "2026-11-03", "--tz", "Europe/Brussels",
             "--quiet")  # fmt: skip
    text = _text(store.ok("sheet", "P09", "--session", "1", "--format", "html"))
    assert "Ketamine oral dose: preparation record" in text and "Dose 35.0 mg" in text  # 70 kg x 0.5 mg/kg
    assert "Volume to draw" not in text and "Pump rate" not in text


def test_a_planned_dose_the_inputs_no_longer_give_is_refused(store):
    """The last check: the sheet's dose is worked out again and must be the stored plan's."""
    from dataclasses import replace

    from ketplan.app.course import _load, options_from_document
    from ketplan.app.planning import plan_request_from_text
    from ketplan.core.errors import UnsafeDoseError
    from ketplan.core.session_sheet import prepare_session
    from ketplan.io.store import open_store

    iv_course(store)
    db = open_store(str(store.db), create=False)
    try:
        with db.transaction(write=False):
            loaded = _load(db, "P02")
    finally:
        db.close()
    request = plan_request_from_text(options_from_document(loaded.course.options), default_zone="UTC")
    sessions = tuple(replace(s, dose_mg=36.0) if s.n == 3 else s for s in loaded.plan.sessions)
    tampered = replace(loaded.plan, sessions=sessions)
    with pytest.raises(UnsafeDoseError, match=r"inputs now give 35 mg \(3\.5 mL\), not the planned 36 mg \(3\.5 mL\)"):
        prepare_session("P02", tampered, loaded.entries, 3, request, weight_recorded_on=loaded.plan.first_day,
                        plan_revision=1)  # fmt: skip
    assert prepare_session("P02", loaded.plan, loaded.entries, 3, request, weight_recorded_on=loaded.plan.first_day,
                           plan_revision=1).dose.dose_mg == 35.0  # fmt: skip
