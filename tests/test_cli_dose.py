"""`ketplan dose` through typer's CliRunner: output, the JSON contract, refusals and exit codes.

Contract (issue): data on stdout; errors on stderr as ONE line starting `ketplan: error:`;
exit 0 ok, 2 invalid input or refused dose (nothing on stdout), 1 internal failure.
"""

from __future__ import annotations

import json
import math

import pytest
from helpers import assert_refused
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ketplan import __version__
from ketplan.cli import app

FAST = settings(max_examples=200, deadline=None)
WIDE = {"COLUMNS": "100", "NO_COLOR": "1"}

CONTRACT_NUMBERS = (
    "weight_kg",
    "dosing_weight_kg",
    "mg_per_kg",
    "dose_mg",
    "infusion_minutes",
    "concentration_mg_per_ml",
    "drug_volume_ml",
    "final_volume_ml",
    "pump_rate_ml_per_h",
)


def invoke(runner: CliRunner, *args: str, env: dict | None = None):
    return runner.invoke(app, ["dose", *args], env=env)


def dose_json(runner: CliRunner, *args: str) -> dict:
    result = invoke(runner, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


# --- table output ------------------------------------------------------------------------------------


def test_table_shows_the_worked_example(runner):
    result = invoke(runner, "--weight", "70kg", "--mg-per-kg", "0.5", env=WIDE)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "35.0 mg" in out
    assert "3.5 mL" in out
    assert "150.0 mL/h" in out
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


@pytest.mark.parametrize("concentration, volume", [("10", "3.5 mL"), ("50", "0.70 mL"), ("100", "0.35 mL")])
def test_table_volume_for_each_concentration(runner, concentration, volume):
    result = invoke(runner, "--weight", "70kg", "--concentration", concentration, env=WIDE)
    assert result.exit_code == 0, result.stderr
    assert volume in result.stdout
    assert "35.0 mg" in result.stdout


def test_table_on_a_narrow_terminal_keeps_numbers_whole(runner):
    result = invoke(runner, "--weight", "70kg", env={"COLUMNS": "40", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert "Dose: 0.5 mg/kg = 35.0 mg" in result.stdout
    assert "Draw up: 3.5 mL" in result.stdout


def test_table_shows_warnings(runner):
    result = invoke(runner, "--weight", "70kg", "--age", "70", env=WIDE)
    assert result.exit_code == 0, result.stderr
    assert "Warnings" in result.stdout
    assert "Singh 2016" in result.stdout and "18-70 (Fava 2020)" in result.stdout


# --- JSON contract ----------------------------------------------------------------------------------


def test_json_contract_keys_and_types(runner):
    doc = dose_json(runner, "--weight", "70kg", "--mg-per-kg", "0.5")
    for key in CONTRACT_NUMBERS:
        assert key in doc, key
        assert isinstance(doc[key], (int, float)) and not isinstance(doc[key], bool), key
    assert doc["dosing_weight_basis"] in ("actual", "ideal", "adjusted")
    assert isinstance(doc["warnings"], list) and all(isinstance(w, str) for w in doc["warnings"])
    assert isinstance(doc["references"], list) and doc["references"]
    assert all(isinstance(r, dict) and r.get("citation") for r in doc["references"])


def test_json_worked_example_values(runner):
    doc = dose_json(runner, "--weight", "70kg", "--mg-per-kg", "0.5")
    assert doc["weight_kg"] == 70.0
    assert doc["dosing_weight_kg"] == 70.0
    assert doc["dosing_weight_basis"] == "actual"
    assert doc["mg_per_kg"] == 0.5
    assert doc["dose_mg"] == 35.0
    assert doc["infusion_minutes"] == 40.0
    assert doc["concentration_mg_per_ml"] == 10.0
    assert doc["drug_volume_ml"] == 3.5
    assert doc["final_volume_ml"] == 100.0
    assert doc["pump_rate_ml_per_h"] == 150.0
    assert doc["warnings"] == []


def test_json_is_one_document_and_nothing_else(runner):
    result = invoke(runner, "--weight", "70kg", "-f", "json")
    assert result.exit_code == 0
    json.loads(result.stdout)  # the whole of stdout parses


def test_50_ml_bag(runner):
    assert dose_json(runner, "--weight", "70kg", "--final-volume", "50")["pump_rate_ml_per_h"] == 75.0


# --- weight input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("weight", ["154lb", "154 lb", "154lbs", "154 lbs", "154LB"])
def test_weight_in_pounds(runner, weight):
    doc = dose_json(runner, "--weight", weight)
    assert doc["weight_kg"] == round(154 * 0.45359237, 2) == 69.85
    assert doc["dose_mg"] == 34.9
    assert not any("no unit" in w for w in doc["warnings"])


def test_bare_number_is_refused(runner):
    result = invoke(runner, "--weight", "154")
    line = assert_refused(result)
    assert "--weight 154 has no unit; add a unit: 154kg or 154lb" in line


def test_short_weight_option(runner):
    assert dose_json(runner, "-w", "70kg")["dose_mg"] == 35.0


# --- weight bases -----------------------------------------------------------------------------------


def test_actual_basis(runner):
    doc = dose_json(runner, "--weight", "113.4kg", "--height", "66in", "--sex", "male", "--dosing-weight", "actual")
    assert doc["dosing_weight_basis"] == "actual"
    assert doc["dosing_weight_kg"] == 113.4
    assert doc["dose_mg"] == 56.7  # 0.5 x 113.4
    assert any("BMI" in w for w in doc["warnings"])  # BMI 40.4 on actual weight


def test_ideal_basis(runner):
    doc = dose_json(runner, "--weight", "113.4kg", "--height", "66in", "--sex", "male", "--dosing-weight", "ideal")
    assert doc["dosing_weight_basis"] == "ideal"
    assert doc["dosing_weight_kg"] == 63.8  # 50 + 2.3 x 6
    assert doc["dose_mg"] == 31.9


def test_adjusted_basis(runner):
    doc = dose_json(runner, "--weight", "113.4kg", "--height", "66in", "--sex", "male", "--dosing-weight", "adjusted")
    assert doc["dosing_weight_basis"] == "adjusted"
    assert doc["dosing_weight_kg"] == 83.64  # 63.8 + 0.4 x 49.6
    assert doc["dose_mg"] == 41.8


def test_actual_below_ibw_uses_actual_with_a_reason(runner):
    doc = dose_json(runner, "--weight", "55kg", "--height", "170cm", "--sex", "female", "--dosing-weight", "ideal")
    assert doc["dosing_weight_basis"] == "actual"
    assert doc["dosing_weight_kg"] == 55.0
    assert any("below ideal body weight" in w for w in doc["warnings"])


def test_bmi_30_on_actual_basis_warns(runner):
    doc = dose_json(runner, "--weight", "120kg", "--height", "170cm")
    assert doc["dosing_weight_basis"] == "actual"
    assert any("BMI 41.5" in w and "Confirm" in w for w in doc["warnings"])


# --- concentrations, minutes, age -------------------------------------------------------------------


@pytest.mark.parametrize("concentration, volume", [("10", 3.5), ("50", 0.70), ("100", 0.35)])
def test_three_concentrations(runner, concentration, volume):
    doc = dose_json(runner, "--weight", "70kg", "--concentration", concentration)
    assert doc["concentration_mg_per_ml"] == float(concentration)
    assert doc["drug_volume_ml"] == volume
    assert doc["drug_volume_ml"] * doc["concentration_mg_per_ml"] == pytest.approx(35.0)
    dilution = [w for w in doc["warnings"] if "undiluted" in w]
    assert bool(dilution) is (concentration == "100")


@pytest.mark.parametrize(
    "minutes, warned, outside", [("39", True, False), ("40", False, False), ("100", True, False), ("101", True, True)]
)
def test_minutes_other_than_40_warn_with_the_reported_range(runner, minutes, warned, outside):
    doc = dose_json(runner, "--weight", "70kg", "--minutes", minutes)
    assert doc["infusion_minutes"] == float(minutes)
    text = [w for w in doc["warnings"] if "40 minutes is conventional; 2-100 minutes reported" in w]
    assert bool(text) is warned
    assert any("is outside that" in w for w in text) is outside
    assert not any("40-100 min reported in studies" in w for w in doc["warnings"])


@pytest.mark.parametrize("age, warned", [("18", False), ("64", False), ("65", True), ("70", True)])
def test_age_65_and_over_warns(runner, age, warned):
    doc = dose_json(runner, "--weight", "70kg", "--age", age)
    assert any(w.startswith(f"Age {age}") for w in doc["warnings"]) is warned


@pytest.mark.parametrize("mg_per_kg, dose_mg", [("0.1", 7.0), ("1.0", 70.0), ("1", 70.0), ("0.75", 52.5)])
def test_mg_per_kg_edges_accepted(runner, mg_per_kg, dose_mg):
    assert dose_json(runner, "--weight", "70kg", "--mg-per-kg", mg_per_kg)["dose_mg"] == dose_mg


# --- refusals: exit 2, one stderr line, empty stdout ---------------------------------------------------

REFUSALS = {
    # --weight
    "weight-unknown-unit": ["--weight", "70st"],
    "weight-non-numeric": ["--weight", "abc"],
    "weight-nan": ["--weight", "nan"],
    "weight-inf": ["--weight", "inf"],
    "weight-zero": ["--weight", "0"],
    "weight-zero-kg": ["--weight", "0kg"],
    "weight-negative": ["--weight=-70kg"],
    "weight-above-350": ["--weight", "351kg"],
    "weight-above-350-lb": ["--weight", "800lb"],
    "weight-below-20": ["--weight", "19.9kg"],
    "weight-below-20-lb": ["--weight", "40lb"],
    "weight-empty": ["--weight", ""],
    "weight-comma": ["--weight", "70,5kg"],
    "weight-exponent": ["--weight", "7e1"],
    "weight-missing": [],
    # --mg-per-kg
    "mg-per-kg-below": ["--weight", "70kg", "--mg-per-kg", "0.09"],
    "mg-per-kg-above": ["--weight", "70kg", "--mg-per-kg", "1.01"],
    "mg-per-kg-way-above": ["--weight", "70kg", "--mg-per-kg", "5"],
    "mg-per-kg-zero": ["--weight", "70kg", "--mg-per-kg", "0"],
    "mg-per-kg-negative": ["--weight", "70kg", "--mg-per-kg=-0.5"],
    "mg-per-kg-nan": ["--weight", "70kg", "--mg-per-kg", "nan"],
    "mg-per-kg-inf": ["--weight", "70kg", "--mg-per-kg", "inf"],
    "mg-per-kg-text": ["--weight", "70kg", "--mg-per-kg", "half"],
    # weight basis
    "ideal-without-height-sex": ["--weight", "70kg", "--dosing-weight", "ideal"],
    "ideal-without-sex": ["--weight", "70kg", "--height", "170cm", "--dosing-weight", "ideal"],
    "adjusted-without-height": ["--weight", "70kg", "--sex", "male", "--dosing-weight", "adjusted"],
    "unknown-basis": ["--weight", "70kg", "--dosing-weight", "lean"],
    "height-without-unit": ["--weight", "70kg", "--height", "170"],
    "height-implausible": ["--weight", "70kg", "--height", "90cm"],
    "unknown-sex": ["--weight", "70kg", "--sex", "other"],
    # age
    "age-17": ["--weight", "70kg", "--age", "17"],
    "age-zero": ["--weight", "70kg", "--age", "0"],
    "age-negative": ["--weight", "70kg", "--age=-30"],
    "age-121": ["--weight", "70kg", "--age", "121"],
    "age-fraction": ["--weight", "70kg", "--age", "17.5"],
    # minutes
    "minutes-zero": ["--weight", "70kg", "--minutes", "0"],
    "minutes-negative": ["--weight", "70kg", "--minutes=-40"],
    "minutes-nan": ["--weight", "70kg", "--minutes", "nan"],
    "minutes-inf": ["--weight", "70kg", "--minutes", "inf"],
    # concentration / final volume
    "concentration-zero": ["--weight", "70kg", "--concentration", "0"],
    "concentration-negative": ["--weight", "70kg", "--concentration=-10"],
    "concentration-above-100": ["--weight", "70kg", "--concentration", "200"],
    "concentration-nan": ["--weight", "70kg", "--concentration", "nan"],
    "final-volume-zero": ["--weight", "70kg", "--final-volume", "0"],
    "final-volume-below-drug": ["--weight", "70kg", "--final-volume", "3"],
    "100mg-undiluted": ["--weight", "70kg", "--concentration", "100", "--final-volume", "0.5"],
    # usage
    "unknown-option": ["--weight", "70kg", "--bogus"],
    "unknown-format": ["--weight", "70kg", "--format", "xml"],
}


@pytest.mark.parametrize("output_format", ["table", "json"])
@pytest.mark.parametrize("args", list(REFUSALS.values()), ids=list(REFUSALS))
def test_refusal_exits_2_with_one_stderr_line_and_empty_stdout(runner, args, output_format):
    if "--format" in args:
        result = invoke(runner, *args)
    else:
        result = invoke(runner, *args, "--format", output_format)
    assert_refused(result)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--weight", "70st"], "--weight"),
        (["--weight", "70kg", "--mg-per-kg", "1.5"], "--mg-per-kg"),
        (["--weight", "70kg", "--mg-per-kg", "1.5"], "0.1–1.0 mg/kg"),
        (["--weight", "70kg", "--dosing-weight", "ideal"], "--height"),
        (["--weight", "70kg", "--age", "17"], "--age"),
        (["--weight", "70kg", "--minutes", "0"], "--minutes"),
        (["--weight", "70kg", "--concentration", "200"], "--concentration"),
    ],
)
def test_refusal_names_the_option(runner, args, fragment):
    assert fragment in assert_refused(invoke(runner, *args))


# --- version and help ----------------------------------------------------------------------------------


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ketplan {__version__}\n"
    assert result.stderr == ""


@pytest.mark.parametrize("args", [["--help"], ["dose", "--help"], ["-h"], ["dose", "-h"]])
def test_help_mentions_exit_codes(runner, args):
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert (
        "Exit codes: 0 success; 2 invalid input or refused dose; 3 output not written in full; 141 reader of stdout went away; 1"
        in text
    )


def test_dose_help_lists_the_options(runner):
    result = runner.invoke(app, ["dose", "--help"], env=WIDE)
    for option in (
        "--weight",
        "--mg-per-kg",
        "--minutes",
        "--concentration",
        "--final-volume",
        "--height",
        "--sex",
        "--dosing-weight",
        "--age",
        "--format",
    ):
        assert option in result.stdout


# --- properties -----------------------------------------------------------------------------------------

_runner = CliRunner()  # a module-level runner: hypothesis re-runs the test body, not fixtures


@pytest.mark.parametrize("value", ["1.0000000001", repr(math.nextafter(1.0, 2.0)), "0.0999999999"])
def test_mg_per_kg_a_hair_outside_the_range_is_refused(runner, value):
    assert_refused(invoke(runner, "--weight", "70kg", "--mg-per-kg", value, "-f", "json"))


@FAST
@given(
    x=st.one_of(
        st.floats(min_value=-2.0, max_value=3.0),
        st.floats(min_value=0.05, max_value=1.05),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.1, 1.0, 0.09999, 1.00001, 0.0, -0.0]),
    ),
    output_format=st.sampled_from(["json", "table"]),
)
def test_exit_0_iff_mg_per_kg_in_range_and_refusals_print_no_dose(x, output_format):
    result = _runner.invoke(app, ["dose", "--weight", "70kg", f"--mg-per-kg={x!r}", "--format", output_format])
    inside = 0.1 <= x <= 1.0
    assert (result.exit_code == 0) is inside, (x, result.exit_code, result.stderr)
    if result.exit_code == 0:
        assert result.stderr == ""
        if output_format == "json":
            doc = json.loads(result.stdout)
            assert 0.1 <= doc["delivered_mg_per_kg"] <= 1.0
            assert doc["dose_mg"] == pytest.approx(round(x * 70, 1), abs=0.1 + 1e-9)
        else:
            assert " mg" in result.stdout
    else:
        assert_refused(result)


weight_texts = st.one_of(
    st.text(max_size=10),
    st.builds(
        lambda n, space, unit: f"{n}{space}{unit}",
        st.one_of(
            st.integers(-50, 900),
            st.decimals(-10, 900, places=2),
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["nan", "inf", "-inf", "1e2", "0x46", "\u0667\u0660", "70\n", "7\u20280"]),
        ),
        st.sampled_from(["", " ", "  "]),
        st.sampled_from(["", "kg", "kgs", "lb", "lbs", "LB", "st", "g", "oz", "mg"]),
    ),
)


@FAST
@given(weight=weight_texts)
def test_any_weight_text_gives_a_dose_in_range_or_a_clean_refusal(weight):
    result = _runner.invoke(app, ["dose", f"--weight={weight}", "--format", "json"])
    assert result.exit_code in (0, 2), (weight, result.exit_code, result.stderr)
    if result.exit_code == 0:
        doc = json.loads(result.stdout)
        assert 20.0 <= doc["weight_kg"] <= 350.0
        assert 0.1 <= doc["delivered_mg_per_kg"] <= 1.0
        assert doc["dose_mg"] == pytest.approx(0.5 * doc["dosing_weight_kg"], abs=0.05 + 1e-6)
    else:
        assert_refused(result)
        assert "dose_mg" not in result.stderr
