"""Issue 11: screening before session 1, doses the evidence supports, no guessed units, clear wording.

Each test names the clinical rule it holds (REFERENCE.md, "Corrections and authoritative links").
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import assert_refused
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core.errors import InputError, ProtocolError, UnsafeDoseError
from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.protocol import parse_protocol

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "protocols"
PROTOCOLS = {p.stem: parse_protocol(p.read_text(encoding="utf-8"), p.name) for p in sorted(SHIPPED.glob("*.toml"))}
TEXT = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SHIPPED.glob("*.toml"))}
ENV = {"NO_COLOR": "1", "COLUMNS": "120", "TZ": "UTC", "KETPLAN_DEBUG": ""}
START = date(2026, 12, 1)
ESKETAMINE = ("esketamine-trd", "esketamine-mdsi")
RACEMIC = tuple(stem for stem in PROTOCOLS if stem not in ESKETAMINE)


def request(stem: str, **changes) -> PlanRequest:
    protocol = PROTOCOLS[stem]
    thrice = max(p.sessions_per_week or 1 for p in protocol.phases) == 3
    base = PlanRequest(
        protocol=protocol,
        start=START,
        timezone="Europe/Brussels",
        weekdays=(0, 2, 4) if thrice else (1, 4),
        weeks=26,
        weight_kg=70.0 if protocol.weight_based else None,
        weight_entered="70kg" if protocol.weight_based else None,
    )
    return replace(base, **changes)


def ids(plan) -> list[str]:
    return [c.id for c in plan.checkpoints]


def cli(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


NASAL = ("plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC", "--days", "tue,fri")


# --- screening before the first session ----------------------------------------------------------


@pytest.mark.parametrize("stem", ESKETAMINE)
def test_esketamine_screening_lists_the_label_items_before_session_1(stem):
    plan = build_plan(request(stem))
    (screen,) = [c for c in plan.checkpoints if c.id == "esketamine-screening"]
    assert screen.date < plan.sessions[0].date
    for item in (
        "aneurysmal vascular disease",
        "thoracic and abdominal aorta",
        "arteriovenous malformation",
        "intracerebral haemorrhage",
        "hypersensitivity to esketamine, ketamine or any excipient",
        "Assess each patient's risk for abuse or misuse prior to prescribing",
        "Psychosis",
        "Pregnancy",
        "breastfeeding",
        "moderate (Child-Pugh B)",
        "severe (Child-Pugh C) not recommended",
    ):
        assert item in screen.detail, item
    assert screen.sources == ("spravato-pi",)


@pytest.mark.parametrize("stem", RACEMIC)
def test_racemic_protocols_screen_with_the_ketalar_label_next_to_the_baseline_assessment(stem):
    plan = build_plan(request(stem))
    by_id = {c.id: c for c in plan.checkpoints}
    assert "significant rise in blood pressure would be a serious hazard" in by_id["ketalar-screening"].detail
    assert by_id["ketalar-screening"].date == by_id["baseline-assessment"].date < plan.sessions[0].date


@pytest.mark.parametrize("stem", sorted(PROTOCOLS))
def test_warnings_never_carry_unspelled_input_references(stem):
    plan = build_plan(request(stem, weeks=1, age=70, setting="inpatient"))
    for warning in plan.warnings:
        assert warning.isprintable() and "\ue000" not in warning, warning


@pytest.mark.parametrize("stem", sorted(PROTOCOLS))
def test_every_protocol_has_baseline_luts_and_misuse_checks_before_session_1(stem):
    plan = build_plan(request(stem))
    by_id = {c.id: c for c in plan.checkpoints}
    assert by_id["luts-baseline"].date < plan.sessions[0].date
    assert by_id["misuse-baseline"].date < plan.sessions[0].date
    assert by_id["luts-baseline"].ketplan_default  # the timing is ketplan's


# --- esketamine: missed doses, setting, pre-discharge BP --------------------------------------------


@pytest.mark.parametrize("stem", ESKETAMINE)
def test_missed_dose_guidance_is_a_sourced_warning(stem):
    plan = build_plan(request(stem))
    (text,) = [w for w in plan.warnings if w.startswith("Missed sessions")]
    assert "first 4 weeks, continue the current dosing schedule" in text
    assert "consider returning to the previous schedule" in text
    (note,) = [w for w in PROTOCOLS[stem].warnings if w.text == text]
    assert note.sources == ["jnj-missed-dose"]


@pytest.mark.parametrize("stem", ESKETAMINE)
def test_rems_checkpoints_follow_the_setting(stem):
    outpatient = build_plan(request(stem))
    inpatient = build_plan(request(stem, setting="inpatient"))
    assert {"rems-enrolment", "rems-form"} <= set(ids(outpatient))
    assert not {"rems-enrolment", "rems-form"} & set(ids(inpatient))
    assert "esketamine-screening" in ids(inpatient)  # everything else stays
    assert any(w.startswith("Inpatient setting") for w in inpatient.warnings)
    assert inpatient.sessions == outpatient.sessions


def test_setting_is_refused_unless_outpatient_or_inpatient():
    with pytest.raises(InputError) as info:
        build_plan(request("esketamine-trd", setting="home"))
    assert info.value.field == "setting"


def test_setting_on_the_command_line_and_in_a_roster(tmp_path: Path):
    result = cli(*NASAL, "--setting", "inpatient", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert not any(c["id"].startswith("rems") for c in json.loads(result.stdout)["checkpoints"])
    roster = tmp_path / "r.csv"
    roster.write_text(
        "id,route,start,tz,setting\nA,intranasal,2026-12-01,UTC,inpatient\nB,intranasal,2026-12-01,UTC,\n"
    )
    result = cli("plan", "--roster", str(roster))
    assert result.exit_code == 0, result.stderr
    docs = {d["id"]: d for d in (json.loads(line) for line in result.stdout.splitlines())}
    checkpoints = {k: [c["id"] for c in v["checkpoints"]] for k, v in docs.items()}
    assert "rems-enrolment" not in checkpoints["A"] and "rems-enrolment" in checkpoints["B"]


@pytest.mark.parametrize("stem", ESKETAMINE)
def test_pre_discharge_blood_pressure_is_a_session_check(stem):
    texts = [m.text for m in PROTOCOLS[stem].monitoring]
    assert any("before the session ends" in t and "three readings" in t for t in texts)


# --- IV above 0.75 mg/kg ---------------------------------------------------------------------------


def test_an_iv_series_above_0_75_warns_that_repeats_are_unstudied():
    assert not any("0.75 mg/kg" in w for w in build_plan(request("iv-racemic-twice-weekly", mg_per_kg=0.75)).warnings)
    plan = build_plan(request("iv-racemic-twice-weekly", mg_per_kg=0.8))
    assert any("studied only as a single infusion" in w and "Fava 2020" in w for w in plan.warnings)


def test_ketplan_dose_above_0_75_says_the_same():
    doc = json.loads(cli("dose", "--weight", "70kg", "--mg-per-kg", "1.0", "--format", "json").stdout)
    assert any("repeating them in a course is unstudied" in w for w in doc["warnings"])


# --- large absolute doses ----------------------------------------------------------------------------


def test_above_120_kg_a_height_is_required():
    assert_refused(cli("dose", "--weight", "121kg"))
    assert cli("dose", "--weight", "120kg").exit_code == 0
    ok = cli("dose", "--weight", "121kg", "--height", "5ft 9in", "--format", "json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["bmi"] is not None
    with pytest.raises(InputError) as info:
        build_plan(request("iv-racemic-twice-weekly", weight_kg=150.0))
    assert info.value.field == "height" and "ketplan default" in str(info.value)


def test_a_large_absolute_dose_alerts_with_the_ketplan_default_label():
    doc = json.loads(cli("dose", "--weight", "110kg", "--mg-per-kg", "1.0", "--format", "json").stdout)
    (alert,) = [w for w in doc["warnings"] if w.startswith("Large absolute dose")]
    assert "110.0 mg" in alert and "above 100 mg" in alert and "ketplan default" in alert
    small = json.loads(cli("dose", "--weight", "100kg", "--mg-per-kg", "1.0", "--format", "json").stdout)
    assert not any(w.startswith("Large absolute dose") for w in small["warnings"])


# --- older adults -------------------------------------------------------------------------------------


def test_the_ex_us_regimen_allows_28_mg_later_doses_and_28_mg_steps():
    plan = build_plan(request("esketamine-trd", age=70, first_dose_mg=28, dose_mg=28))
    assert {s.dose_mg for s in plan.sessions} == {28.0}
    plan = build_plan(request("esketamine-trd", age=70, first_dose_mg=28, dose_mg=84))
    doses = [s.dose_mg for s in plan.sessions[:4]]
    assert doses == [28.0, 56.0, 84.0, 84.0]


def test_28_mg_later_doses_are_refused_outside_the_older_adult_regimen():
    with pytest.raises(UnsafeDoseError) as info:
        build_plan(request("esketamine-trd", age=70, dose_mg=28))
    assert info.value.field == "dose" and "65" in str(info.value)


def test_no_warning_repeats_a_sentence():
    plan = build_plan(request("esketamine-trd", age=70, first_dose_mg=28, dose_mg=84))
    for warning in plan.warnings:
        sentences = [s.strip().lower() for s in re.split(r"(?<=[.;:])\s+", warning) if s.strip()]
        assert len(sentences) == len(set(sentences)), warning
        assert warning.lower().count("gives no separate starting dose") <= 1, warning


@pytest.mark.parametrize(
    "stem, fragment",
    [
        ("esketamine-trd", "esketamine exposure (Cmax and AUC) is higher"),
        ("iv-racemic-twice-weekly", "18-64 (Singh 2016) and 18-70 (Fava 2020)"),
        ("sc-racemic", "Yale chart review (2024)"),
    ],
)
def test_the_age_warning_is_route_specific(stem, fragment):
    warnings = build_plan(request(stem, age=72)).warnings
    assert any(fragment in w for w in warnings)
    other = "esketamine exposure" if stem != "esketamine-trd" else "Singh 2016"
    assert not any(other in w for w in warnings)


def test_mdsi_at_65_or_over_warns_that_dosing_is_not_established():
    assert any("not established at 65 or over" in w for w in build_plan(request("esketamine-mdsi", age=66)).warnings)
    assert not any("not established" in w for w in build_plan(request("esketamine-mdsi", age=64)).warnings)


def test_the_under_18_refusal_does_not_say_racemic_ketamine_is_approved():
    with pytest.raises(InputError) as info:
        build_plan(request("iv-racemic-twice-weekly", age=17))
    assert "esketamine is approved for adults only" in str(info.value)
    assert "ketamine and esketamine for depression are studied and approved" not in str(info.value)


# --- SC (KADS) ---------------------------------------------------------------------------------------


def test_sc_follows_the_kads_response_guided_titration():
    plan = build_plan(request("sc-racemic"))
    assert [s.mg_per_kg for s in plan.sessions] == [0.5, 0.6, 0.75, 0.9, 0.9, 0.9, 0.9, 0.9]
    steps = [s for s in plan.sessions if any("Titration step" in n for n in s.notes)]
    assert [s.n for s in steps] == [2, 3, 4]
    assert all("under 50%" in s.notes[0] and "clinician confirms" in s.notes[0] for s in steps)
    assert not any("above the titration's first step" in w for w in plan.warnings)


def test_sc_starting_above_0_5_warns():
    plan = build_plan(request("sc-racemic", mg_per_kg=0.75))
    assert [s.mg_per_kg for s in plan.sessions[:3]] == [0.75, 0.9, 0.9]
    assert any("starts at 0.75 mg/kg, above the titration's first step (0.5 mg/kg)" in w for w in plan.warnings)


def test_kads_remission_is_madrs_10_or_less():
    (end,) = [c for c in build_plan(request("sc-racemic")).checkpoints if c.id == "end-of-series"]
    assert "MADRS <= 10" in end.detail


# --- user protocol files cannot bypass the drug's rules ---------------------------------------------


@pytest.mark.parametrize(
    "stem, old, new, fragment",
    [
        ("esketamine-trd", "allowed_mg = [56, 84]", "allowed_mg = [28, 56, 84]", "28 mg is only the older-adult"),
        ("esketamine-trd", "first_dose_mg = 56", "first_dose_mg = 84", "MDSI"),
        ("esketamine-trd", "older_adult_first_dose_mg = 28", "older_adult_first_dose_mg = 56", "only be 28 mg"),
        ("im-racemic", "max_mg_per_kg = 0.5", "max_mg_per_kg = 1.0", "Loo 2016"),
        ("sc-racemic", "max_mg_per_kg = 0.9", "max_mg_per_kg = 1.0", "KADS"),
        ("esketamine-trd", "observation_minutes = 120", "observation_minutes = 60", "at least 2 hours"),
        (
            "esketamine-mdsi",
            'label_indication = "mdsi"',
            'label_indication = "mdsi"\nolder_adult_first_dose_mg = 28',
            "no older-adult dosing for MDSI",
        ),
    ],
)
def test_protocols_check_reports_a_file_that_asks_for_more(tmp_path: Path, stem, old, new, fragment):
    assert old in TEXT[stem]
    path = tmp_path / "mine.toml"
    path.write_text(TEXT[stem].replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProtocolError, match=re.escape(fragment)):
        parse_protocol(path.read_text(encoding="utf-8"), "mine.toml")
    result = cli("protocols", "check", str(path))
    assert result.exit_code == 2 and fragment in result.stderr


def test_mdsi_keeps_its_84_mg_first_dose():
    assert build_plan(request("esketamine-mdsi")).sessions[0].dose_mg == 84.0


# --- --weeks and --until mean what they say ------------------------------------------------------------


def test_weeks_shorter_than_the_fixed_phases_cut_the_plan_with_a_warning():
    plan = build_plan(request("esketamine-trd", weeks=2))
    assert len(plan.sessions) == 4
    assert plan.sessions[-1].date <= plan.end
    assert any(w.startswith("Course cut short") and "4 of the protocol's" in w for w in plan.warnings)
    assert all(w.isprintable() for w in plan.warnings)  # no unspelled input references in a warning
    assert "end-of-induction" not in ids(plan)  # no review inside a cut phase


def test_until_inside_the_fixed_phases_cuts_there():
    plan = build_plan(request("iv-racemic-twice-weekly", weeks=None, until=START + timedelta(days=10)))
    assert all(s.date <= START + timedelta(days=10) for s in plan.sessions)
    assert any(w.startswith("Course cut short") for w in plan.warnings)


def test_a_plan_as_long_as_the_fixed_phases_is_not_cut():
    plan = build_plan(request("iv-racemic-twice-weekly", weeks=4))
    assert len(plan.sessions) == 8
    assert not any(w.startswith("Course cut short") for w in plan.warnings)


# --- no guessed units ----------------------------------------------------------------------------------


def test_plan_refuses_a_weight_without_unit():
    line = assert_refused(cli("plan", "--route", "iv", "--weight", "154", "--start", "2026-12-01", "--tz", "UTC"))
    assert "add a unit: 154kg or 154lb" in line


def test_roster_cells_without_unit_are_refused_and_header_units_work(tmp_path: Path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,route,start,tz,weight\nA,iv,2026-12-01,UTC,154\nB,iv,2026-12-01,UTC,70kg\n")
    result = cli("plan", "--roster", str(roster))
    assert result.exit_code == 2
    assert "add a unit: 154kg or 154lb" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["B"]
    for column, cell, kg in (("weight_kg", "70", 70.0), ("weight_lb", "154", 69.85)):
        roster.write_text(f"id,route,start,tz,{column}\nA,iv,2026-12-01,UTC,{cell}\n")
        result = cli("plan", "--roster", str(roster))
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        assert doc["dose"]["weight_kg"] == kg
    roster.write_text("id,route,start,tz,weight_kg\nA,iv,2026-12-01,UTC,70lb\n")
    result = cli("plan", "--roster", str(roster))
    assert result.exit_code == 2 and "weight_kg" in result.stderr and "plain number" in result.stderr
    roster.write_text("id,route,start,weight,weight_kg\nA,iv,2026-12-01,70kg,70\n")
    assert_refused(cli("plan", "--roster", str(roster)))


@pytest.mark.parametrize("height", ["5'9\"", "5ft 9in", "175 cm", "69in"])
def test_heights_in_feet_and_inches(height):
    doc = json.loads(cli("dose", "--weight", "70kg", "--height", height, "--format", "json").stdout)
    assert doc["height_cm"] == (175.3 if "cm" not in height else 175.0)  # 69 in = 175.26 cm, shown to 0.1 cm


# --- wording ----------------------------------------------------------------------------------------------


def test_the_table_lists_every_checkpoint_with_date_session_and_ketplan_default():
    result = cli(*NASAL, "--weeks", "40")
    assert result.exit_code == 0, result.stderr
    assert "days after each session" not in result.stdout
    text = result.stdout[result.stdout.index("Checkpoints") :]
    plan = build_plan(request("esketamine-trd", weeks=40, timezone="UTC"))
    for checkpoint in plan.checkpoints:  # every checkpoint's date is on the page
        assert checkpoint.date.isoformat() in text, checkpoint
    lines = text.splitlines()
    for title in ("Screening before the first esketamine session", "Baseline urinary symptoms"):
        assert any(line.startswith("- 2026-11-24 " + title) and line.endswith("(ketplan default)") for line in lines)
    luts = [line for line in lines if "Screen for lower urinary tract symptoms" in line]
    assert luts and all("(at session" in line and line.endswith("(ketplan default)") for line in luts)


def test_the_default_maintenance_interval_is_marked_as_ketplan_s_choice():
    result = cli(*NASAL)
    assert "every 2 weeks (ketplan default, within the label's every 1 or 2 weeks; --every)" in result.stdout
    chosen = cli(*NASAL, "--every", "2")
    (row,) = [line for line in chosen.stdout.splitlines() if line.startswith("From week 9")]
    assert row.rstrip().endswith("every 2 weeks")


def test_the_iv_40_minute_item_is_an_action():
    texts = [m.text for m in PROTOCOLS["iv-racemic-twice-weekly"].monitoring if m.at_minutes == 40]
    assert texts and texts[0].startswith("Measure blood pressure at about 40 minutes")


def test_the_oral_warning_explains_the_cap():
    text = " ".join(w.text for w in PROTOCOLS["oral-racemic"].warnings)
    assert "deliberately below that IV-equivalent exposure" in text
