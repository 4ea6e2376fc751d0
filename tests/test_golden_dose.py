"""Golden cases for `ketplan dose --format json`: the worked examples of REFERENCE.md §2.5 and §4.

Each case runs through CliRunner and is compared with tests/golden/dose/<name>.json.
A mismatch fails and prints a diff. To regenerate the files after a deliberate change:

    KETPLAN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_dose.py

Every case also carries hand checks, worked out from REFERENCE.md arithmetic and written here
as explicit numbers. They are asserted against the live output AND against the golden file
(also while regenerating), so a golden can never silently encode a wrong dose.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import fail_with_golden_diff

from ketplan.cli import app

GOLDEN_DIR = Path(__file__).parent / "golden" / "dose"
UPDATE = os.environ.get("KETPLAN_UPDATE_GOLDEN", "") == "1"

LB = 0.45359237  # kg, exact (REFERENCE.md §4)
IN = 2.54  # cm, exact


def half_up(value: float, step: float) -> float:
    """Round half-up to 0.1 or 0.01, the way a person does it on paper."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(value)).quantize(Decimal(repr(step)), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    # key -> (value the JSON must show, that value worked out by hand, tolerance of the hand sum)
    hand: dict[str, tuple[object, object, float]]
    warnings: tuple[str, ...] = ()  # one substring per expected warning, in order
    extra: dict[str, object] = field(default_factory=dict)  # exact values: strings, bools


def worked(value, by_hand, tol=1e-9):
    return (value, by_hand, tol)


# Devine, male, 66 in: 50 + 2.3 x 6 = 63.8 kg. Adjusted for 113.4 kg: 63.8 + 0.4 x 49.6 = 83.64 kg.
IBW_MALE_66 = 50 + 2.3 * (66 - 60)
ADJ_113_4 = IBW_MALE_66 + 0.4 * (113.4 - IBW_MALE_66)
# Devine, female, 170 cm = 66.93 in: 45.5 + 2.3 x 6.93 = 61.44 kg.
IBW_FEMALE_170 = 45.5 + 2.3 * (170 / IN - 60)

CASES = [
    Case(
        "worked-70kg-0_5-10mgml",
        ("--weight", "70kg", "--mg-per-kg", "0.5"),
        {
            "weight_kg": worked(70.0, 70.0),
            "dosing_weight_kg": worked(70.0, 70.0),
            "dose_mg": worked(35.0, 70 * 0.5),  # 35 mg
            "concentration_mg_per_ml": worked(10.0, 10.0),
            "drug_volume_ml": worked(3.5, 35 / 10),  # 3.5 mL of 10 mg/mL
            "delivered_dose_mg": worked(35.0, 3.5 * 10),
            "delivered_mg_per_kg": worked(0.5, 35 / 70),
            "infusion_minutes": worked(40.0, 40.0),
            "final_volume_ml": worked(100.0, 100.0),
            "pump_rate_ml_per_h": worked(150.0, 100 / (40 / 60)),  # 150 mL/h
        },
        extra={"dosing_weight_basis": "actual", "weight_unit_assumed": False},
    ),
    Case(
        "worked-70kg-0_5-50mgml",
        ("--weight", "70kg", "--mg-per-kg", "0.5", "--concentration", "50"),
        {
            "dose_mg": worked(35.0, 70 * 0.5),
            "drug_volume_ml": worked(0.70, 35 / 50),  # 0.70 mL of 50 mg/mL
            "delivered_dose_mg": worked(35.0, 0.70 * 50),
            "pump_rate_ml_per_h": worked(150.0, 100 / (40 / 60)),
        },
    ),
    Case(
        "worked-70kg-0_5-100mgml",
        ("--weight", "70kg", "--mg-per-kg", "0.5", "--concentration", "100"),
        {
            "dose_mg": worked(35.0, 70 * 0.5),
            "drug_volume_ml": worked(0.35, 35 / 100),  # 0.35 mL of 100 mg/mL, must be diluted
            "delivered_dose_mg": worked(35.0, 0.35 * 100),
            "concentration_mg_per_ml": worked(100.0, 100.0),
        },
        warnings=("100 mg/mL must not be given IV undiluted",),
    ),
    Case(
        "worked-70kg-0_5-50ml-bag",
        ("--weight", "70kg", "--mg-per-kg", "0.5", "--final-volume", "50"),
        {
            "dose_mg": worked(35.0, 70 * 0.5),
            "final_volume_ml": worked(50.0, 50.0),
            "pump_rate_ml_per_h": worked(75.0, 50 / (40 / 60)),  # 75 mL/h
        },
    ),
    Case(
        "pounds-154lb",
        ("--weight", "154 lb", "--mg-per-kg", "0.5"),
        {
            "weight_kg": worked(69.85, 154 * LB, 0.005),  # 69.853 kg
            "dosing_weight_kg": worked(69.85, 154 * LB, 0.005),
            "dose_mg": worked(34.9, half_up(0.5 * 154 * LB, 0.1)),  # 34.93 -> 34.9 mg
            "drug_volume_ml": worked(3.5, half_up(34.9 / 10, 0.1)),  # 3.49 mL -> 3.5 mL (0.1 mL from 1 mL on)
            "delivered_dose_mg": worked(35.0, 3.5 * 10),
            "delivered_mg_per_kg": worked(0.501, 35 / (154 * LB), 0.0005),
        },
        extra={"weight_entered": "154 lb", "weight_unit_assumed": False},
    ),
    Case(
        "ideal-male-66in-250lb",
        ("--weight", "250lb", "--height", "66in", "--sex", "male", "--dosing-weight", "ideal", "--mg-per-kg", "0.5"),
        {
            "weight_kg": worked(113.4, 250 * LB, 0.005),  # 113.398 kg
            "height_cm": worked(167.6, 66 * IN, 0.05),  # 167.64 cm
            "bmi": worked(40.4, 250 * LB / (66 * IN / 100) ** 2, 0.05),  # 40.35
            "ideal_body_weight_kg": worked(63.8, IBW_MALE_66),  # 50 + 2.3 x 6
            "dosing_weight_kg": worked(63.8, IBW_MALE_66),
            "dose_mg": worked(31.9, 0.5 * IBW_MALE_66),  # 31.9 mg
            "drug_volume_ml": worked(3.2, half_up(31.9 / 10, 0.1)),  # 3.19 -> 3.2 mL
            "delivered_dose_mg": worked(32.0, 3.2 * 10),
            "delivered_mg_per_kg": worked(0.502, 32 / IBW_MALE_66, 0.0005),
        },
        extra={"dosing_weight_basis": "ideal", "dosing_weight_basis_requested": "ideal", "sex": "male"},
    ),
    Case(
        "adjusted-male-66in-113_4kg",
        (
            "--weight",
            "113.4kg",
            "--height",
            "66in",
            "--sex",
            "male",
            "--dosing-weight",
            "adjusted",
            "--mg-per-kg",
            "0.5",
        ),
        {
            "weight_kg": worked(113.4, 113.4),
            "ideal_body_weight_kg": worked(63.8, IBW_MALE_66),
            "adjusted_body_weight_kg": worked(83.64, ADJ_113_4),  # 63.8 + 0.4 x 49.6
            "dosing_weight_kg": worked(83.64, ADJ_113_4),
            "dose_mg": worked(41.8, half_up(0.5 * 83.64, 0.1)),  # 41.82 -> 41.8 mg
            "drug_volume_ml": worked(4.2, half_up(41.8 / 10, 0.1)),  # 4.18 -> 4.2 mL
            "delivered_dose_mg": worked(42.0, 4.2 * 10),
            "delivered_mg_per_kg": worked(0.502, 42 / ADJ_113_4, 0.0005),
        },
        extra={"dosing_weight_basis": "adjusted", "dosing_weight_basis_requested": "adjusted"},
    ),
    Case(
        "actual-below-ibw-female-170cm-55kg",
        ("--weight", "55kg", "--height", "170cm", "--sex", "female", "--dosing-weight", "ideal", "--mg-per-kg", "0.5"),
        {
            "ideal_body_weight_kg": worked(61.44, IBW_FEMALE_170, 0.005),  # 61.437 kg > 55 kg
            "dosing_weight_kg": worked(55.0, 55.0),  # the lower of the two
            "dose_mg": worked(27.5, 0.5 * 55),
            "drug_volume_ml": worked(2.8, half_up(27.5 / 10, 0.1)),  # 2.75 -> 2.8 mL (half up)
            "delivered_dose_mg": worked(28.0, 2.8 * 10),
            "delivered_mg_per_kg": worked(0.509, 28 / 55, 0.0005),
        },
        warnings=("below ideal body weight", "Rounding:"),
        extra={"dosing_weight_basis": "actual", "dosing_weight_basis_requested": "ideal"},
    ),
    Case(
        "bmi-41-actual-120kg-170cm",
        ("--weight", "120kg", "--height", "170cm", "--mg-per-kg", "0.5"),
        {
            "bmi": worked(41.5, 120 / 1.7**2, 0.05),  # 41.52: obese (>= 30)
            "dosing_weight_kg": worked(120.0, 120.0),
            "dose_mg": worked(60.0, 0.5 * 120),
            "drug_volume_ml": worked(6.0, 60 / 10),
            "delivered_dose_mg": worked(60.0, 6.0 * 10),
        },
        warnings=("BMI 41.5 (obese, >= 30)",),
        extra={"dosing_weight_basis": "actual"},
    ),
    Case(
        "age-70",
        ("--weight", "70kg", "--age", "70", "--mg-per-kg", "0.5"),
        {
            "dose_mg": worked(35.0, 70 * 0.5),
            "drug_volume_ml": worked(3.5, 35 / 10),
        },
        warnings=("Age 70 (65 or over)",),
        extra={"age": 70},
    ),
    Case(
        "edge-0_1-mg-per-kg",
        ("--weight", "70kg", "--mg-per-kg", "0.1"),
        {
            "mg_per_kg": worked(0.1, 0.1),
            "dose_mg": worked(7.0, 70 * 0.1, 1e-9),
            "drug_volume_ml": worked(0.70, 7 / 10),  # below 1 mL: 0.01 mL precision
            "delivered_mg_per_kg": worked(0.1, 0.70 * 10 / 70),
        },
    ),
    Case(
        "edge-1_0-mg-per-kg",
        ("--weight", "70kg", "--mg-per-kg", "1.0"),
        {
            "mg_per_kg": worked(1.0, 1.0),
            "dose_mg": worked(70.0, 70 * 1.0),
            "drug_volume_ml": worked(7.0, 70 / 10),
            "delivered_mg_per_kg": worked(1.0, 7.0 * 10 / 70),
            "dose_rate_mg_per_h": worked(105.0, 70 / (40 / 60)),
        },
        warnings=("1 mg/kg IV: doses above 0.75 mg/kg were studied only as a single infusion (Fava 2020",),
    ),
    Case(
        # issue 11: 130 kg is above the 120 kg height threshold (ketplan default), so a height is given;
        # 0.8 mg/kg x 130 kg = 104 mg: above 0.75 mg/kg (single-infusion evidence only) and above the
        # 100 mg absolute-dose alert (ketplan default).
        "large-130kg-180cm-0_8",
        ("--weight", "130kg", "--height", "180cm", "--mg-per-kg", "0.8"),
        {
            "bmi": worked(40.1, 130 / 1.8**2, 0.05),  # 40.12
            "dose_mg": worked(104.0, 130 * 0.8),
            "drug_volume_ml": worked(10.4, 104 / 10),
            "delivered_dose_mg": worked(104.0, 10.4 * 10),
            "pump_rate_ml_per_h": worked(150.0, 100 / (40 / 60)),
        },
        warnings=(
            "BMI 40.1 (obese, >= 30)",
            "0.8 mg/kg IV: doses above 0.75 mg/kg were studied only as a single infusion",
            "Large absolute dose: 104.0 mg per session is above 100 mg (a ketplan default",
        ),
        extra={"dosing_weight_basis": "actual"},
    ),
]


def _run(runner, case: Case) -> dict:
    result = runner.invoke(app, ["dose", *case.args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def _check_by_hand(case: Case, doc: dict, where: str) -> None:
    for key, (shown, by_hand, tol) in case.hand.items():
        # the literal written in this file agrees with the REFERENCE.md arithmetic...
        assert shown == pytest.approx(by_hand, abs=tol), f"{case.name}: hand value for {key} is off"
        # ...and the output shows exactly that literal
        assert doc[key] == pytest.approx(shown, abs=1e-9), f"{case.name} ({where}): {key} = {doc[key]}, by hand {shown}"
    for key, value in case.extra.items():
        assert doc[key] == value, f"{case.name} ({where}): {key} = {doc[key]!r}, expected {value!r}"
    warnings = doc["warnings"]
    assert len(warnings) == len(case.warnings), f"{case.name} ({where}): warnings {warnings}"
    for fragment, warning in zip(case.warnings, warnings, strict=False):
        assert fragment in warning, f"{case.name} ({where}): {fragment!r} not in {warning!r}"
    # invariants every dose obeys
    assert 0.1 <= doc["delivered_mg_per_kg"] <= 1.0
    assert doc["drug_volume_ml"] * doc["concentration_mg_per_ml"] == pytest.approx(doc["delivered_dose_mg"])
    assert doc["pump_rate_ml_per_h"] == pytest.approx(round(doc["final_volume_ml"] / (doc["infusion_minutes"] / 60), 1))


def _dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_dose(runner, case):
    doc = _run(runner, case)
    _check_by_hand(case, doc, "output")
    expected_file = {"args": list(case.args), "output": doc}
    path = GOLDEN_DIR / f"{case.name}.json"
    if UPDATE:
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(expected_file), encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with KETPLAN_UPDATE_GOLDEN=1 after checking the numbers by hand")
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert golden["args"] == list(case.args), f"{path.name} was written for other arguments; regenerate it"
    _check_by_hand(case, golden["output"], "golden file")
    if golden != expected_file:
        fail_with_golden_diff(
            _dump(golden),
            _dump(expected_file),
            golden_name=f"golden/dose/{path.name}",
            actual_name="ketplan dose output",
            what="ketplan dose output",
        )


def test_no_stale_golden_files():
    names = {c.name for c in CASES}
    assert len(names) == len(CASES), "case names must be unique"
    on_disk = {p.stem for p in GOLDEN_DIR.glob("*.json")}
    assert on_disk <= names, f"golden files without a case: {sorted(on_disk - names)}"


def test_reference_arithmetic():
    # REFERENCE.md §2.5 and §4, the numbers the golden cases rest on
    assert 70 * 0.5 == 35
    assert 35 / 10 == 3.5 and 35 / 50 == 0.7 and 35 / 100 == 0.35
    assert pytest.approx(150) == 100 / (40 / 60) and pytest.approx(75) == 50 / (40 / 60)
    assert pytest.approx(63.8) == IBW_MALE_66
    assert pytest.approx(83.64) == ADJ_113_4
    assert pytest.approx(69.85322498, abs=1e-8) == 154 * LB
    assert pytest.approx(113.3980925, abs=1e-7) == 250 * LB
