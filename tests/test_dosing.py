"""ketplan.core.dosing: dosing weight (Devine IBW, adjusted weight, BMI), the IV dose, volume,
pump rate and rounding, and the hard limits that refuse rather than clamp.

Hand arithmetic from REFERENCE.md §2.5 and §4 is written out in each test.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketplan.core.dosing import (
    Sex,
    WeightBasis,
    adjusted_body_weight_kg,
    body_mass_index,
    check_age,
    check_mg_per_kg,
    choose_dosing_weight,
    ideal_body_weight_kg,
    round_drug_volume_ml,
    weight_based_dose,
)
from ketplan.core.errors import InputError, KetplanError, UnsafeDoseError

FAST = settings(max_examples=200, deadline=None)
INCH = 2.54


def dose(**kwargs):
    kwargs.setdefault("weight_kg", 70.0)
    kwargs.setdefault("mg_per_kg", 0.5)
    return weight_based_dose(**kwargs)


# --- error hierarchy ----------------------------------------------------------------------------


def test_unsafe_dose_error_is_an_input_error_is_a_ketplan_error():
    assert issubclass(UnsafeDoseError, InputError)
    assert issubclass(InputError, KetplanError)
    error = UnsafeDoseError("too much", "mg_per_kg")
    assert str(error) == "too much" and error.field == "mg_per_kg"


# --- Devine IBW, adjusted weight, BMI (REFERENCE.md §4) --------------------------------------------


def test_devine_male_66_in():
    # 50 + 2.3 x (66 - 60) = 63.8 kg
    assert ideal_body_weight_kg(66 * INCH, Sex.male) == pytest.approx(50 + 2.3 * 6)
    assert ideal_body_weight_kg(66 * INCH, Sex.male) == pytest.approx(63.8)


def test_devine_female_66_in():
    # 45.5 + 2.3 x 6 = 59.3 kg
    assert ideal_body_weight_kg(66 * INCH, Sex.female) == pytest.approx(59.3)


def test_devine_female_170_cm():
    # 170 cm = 66.929 in; 45.5 + 2.3 x 6.929 = 61.44 kg
    assert ideal_body_weight_kg(170.0, "female") == pytest.approx(45.5 + 2.3 * (170 / 2.54 - 60))
    assert ideal_body_weight_kg(170.0, "female") == pytest.approx(61.44, abs=0.005)


@pytest.mark.parametrize("height_cm", [152.4, 150.0, 120.0])
def test_devine_at_or_below_60_in_returns_the_base(height_cm):
    assert ideal_body_weight_kg(height_cm, Sex.male) == pytest.approx(50.0)
    assert ideal_body_weight_kg(height_cm, Sex.female) == pytest.approx(45.5)


def test_adjusted_weight_for_250_lb_man_of_66_in():
    # 113.4 kg actual, IBW 63.8: 63.8 + 0.4 x 49.6 = 83.64 kg
    assert adjusted_body_weight_kg(113.4, 63.8) == pytest.approx(63.8 + 0.4 * 49.6)
    assert adjusted_body_weight_kg(113.4, 63.8) == pytest.approx(83.64)


def test_bmi():
    # 120 / 1.7^2 = 41.52
    assert body_mass_index(120.0, 170.0) == pytest.approx(120 / 1.7**2)
    assert body_mass_index(70.0, 175.0) == pytest.approx(22.857, abs=1e-3)


# --- choose_dosing_weight ----------------------------------------------------------------------------


def test_actual_basis_needs_nothing_else():
    chosen = choose_dosing_weight(70.0)
    assert chosen.kg == 70.0
    assert chosen.basis_used is WeightBasis.actual
    assert chosen.warnings == ()


@pytest.mark.parametrize("basis", [WeightBasis.ideal, WeightBasis.adjusted])
@pytest.mark.parametrize("height_cm, sex", [(None, None), (170.0, None), (None, Sex.male)])
def test_ideal_and_adjusted_need_height_and_sex(basis, height_cm, sex):
    with pytest.raises(InputError) as info:
        choose_dosing_weight(70.0, basis, height_cm, sex)
    assert info.value.field == "dosing_weight"
    assert "--height" in str(info.value) and "--sex" in str(info.value)


def test_ideal_basis_uses_ibw():
    chosen = choose_dosing_weight(113.4, WeightBasis.ideal, 66 * INCH, Sex.male)
    assert chosen.kg == pytest.approx(63.8)
    assert chosen.basis_used is WeightBasis.ideal
    assert chosen.warnings == ()


def test_adjusted_basis_uses_adjbw():
    chosen = choose_dosing_weight(113.4, WeightBasis.adjusted, 66 * INCH, Sex.male)
    assert chosen.kg == pytest.approx(83.64)
    assert chosen.basis_used is WeightBasis.adjusted
    assert chosen.ideal_kg == pytest.approx(63.8)


def test_actual_below_ibw_uses_actual_and_says_why():
    chosen = choose_dosing_weight(55.0, WeightBasis.ideal, 170.0, Sex.female)
    assert chosen.kg == 55.0
    assert chosen.basis_requested is WeightBasis.ideal
    assert chosen.basis_used is WeightBasis.actual
    assert len(chosen.warnings) == 1
    assert "below ideal body weight" in chosen.warnings[0]
    assert "actual weight" in chosen.warnings[0]


def test_adjusted_when_actual_not_above_ibw_uses_actual_and_says_why():
    chosen = choose_dosing_weight(55.0, WeightBasis.adjusted, 170.0, Sex.female)
    assert chosen.kg == 55.0
    assert chosen.basis_used is WeightBasis.actual
    assert chosen.adjusted_kg is None
    assert any("adjusted weight does not apply" in w for w in chosen.warnings)


def test_bmi_30_on_actual_basis_warns_to_confirm_the_basis():
    # 30 x 1.7^2 = 86.7 kg is exactly BMI 30
    chosen = choose_dosing_weight(86.7, WeightBasis.actual, 170.0)
    assert chosen.bmi == pytest.approx(30.0)
    assert chosen.kg == 86.7
    assert any("BMI 30.0" in w and "Confirm the dosing-weight basis" in w for w in chosen.warnings)


def test_bmi_just_under_30_does_not_warn():
    chosen = choose_dosing_weight(86.6, WeightBasis.actual, 170.0)
    assert chosen.bmi < 30
    assert chosen.warnings == ()


def test_bmi_warning_not_given_when_clinician_chose_ideal():
    chosen = choose_dosing_weight(120.0, WeightBasis.ideal, 170.0, Sex.male)
    assert chosen.basis_used is WeightBasis.ideal
    assert not any("BMI" in w for w in chosen.warnings)


def test_short_patient_ideal_basis_warns_devine_base():
    chosen = choose_dosing_weight(60.0, WeightBasis.ideal, 150.0, Sex.female)
    assert chosen.kg == pytest.approx(45.5)
    assert any("60 in" in w for w in chosen.warnings)


# --- age, mg/kg ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("age", [0, 12, 17])
def test_minors_are_refused(age):
    with pytest.raises(InputError) as info:
        check_age(age)
    assert info.value.field == "age"


@pytest.mark.parametrize("age", [121, 200])
def test_implausible_age_refused(age):
    with pytest.raises(InputError):
        check_age(age)


@pytest.mark.parametrize("age", [None, 18, 40, 64])
def test_adult_under_65_no_warning(age):
    assert check_age(age) == ()


@pytest.mark.parametrize("age", [65, 70, 90, 120])
def test_age_65_and_over_warns(age):
    (warning,) = check_age(age)
    assert f"Age {age}" in warning and "blood pressure" in warning


@pytest.mark.parametrize("age", [17.9, 65.0, "70", True])
def test_age_must_be_a_whole_number(age):
    with pytest.raises(InputError):
        check_age(age)


@pytest.mark.parametrize("mg_per_kg", [0.1, 0.2, 0.5, 0.75, 1.0])
def test_mg_per_kg_in_range_accepted(mg_per_kg):
    assert check_mg_per_kg(mg_per_kg, "iv") == mg_per_kg


@pytest.mark.parametrize("mg_per_kg", [0.0, -0.5, 0.09, 0.0999, 1.001, 1.01, 1.5, 10.0, math.nan, math.inf, -math.inf])
def test_mg_per_kg_out_of_range_refused_as_unsafe_dose(mg_per_kg):
    with pytest.raises(UnsafeDoseError) as info:
        check_mg_per_kg(mg_per_kg, "iv")
    assert info.value.field == "mg_per_kg"


@pytest.mark.parametrize("mg_per_kg", [math.nextafter(1.0, 2.0), 1.0000000001, math.nextafter(0.1, 0.0), 0.0999999999])
def test_mg_per_kg_just_outside_the_range_is_refused(mg_per_kg):
    with pytest.raises(UnsafeDoseError):
        check_mg_per_kg(mg_per_kg, "iv")


def test_mg_per_kg_protocol_range_narrows_but_never_widens():
    assert check_mg_per_kg(0.5, "iv", allowed=(0.5, 0.75)) == 0.5
    with pytest.raises(UnsafeDoseError):
        check_mg_per_kg(0.4, "iv", allowed=(0.5, 0.75))
    with pytest.raises(UnsafeDoseError):
        check_mg_per_kg(1.2, "iv", allowed=(0.1, 2.0))


# --- rounding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "volume, rounded",
    [
        (0.35, 0.35),
        (0.349, 0.35),
        (0.344, 0.34),
        (0.125, 0.13),  # half-up
        (0.70, 0.70),
        (0.994, 0.99),
        (0.996, 1.0),
        (1.0, 1.0),
        (3.49, 3.5),
        (3.44, 3.4),
        (2.75, 2.8),  # half-up
        (4.18, 4.2),
        (35.0, 35.0),
    ],
)
def test_round_drug_volume(volume, rounded):
    assert round_drug_volume_ml(volume) == rounded


# --- the dose: worked examples (REFERENCE.md §2.5) ---------------------------------------------------


def test_70_kg_at_0_5_mg_per_kg_is_35_mg_and_3_5_ml_of_10():
    d = dose()
    assert d.dose_mg == 35.0 == 70 * 0.5
    assert d.concentration_mg_per_ml == 10.0
    assert d.drug_volume_ml == 3.5 == 35 / 10
    assert d.delivered_dose_mg == 35.0
    assert d.delivered_mg_per_kg == 0.5
    assert d.infusion_minutes == 40.0
    assert d.final_volume_ml == 100.0
    assert d.pump_rate_ml_per_h == 150.0 == 100 / (40 / 60)
    assert d.dose_rate_mg_per_h == 52.5 == 35 / (40 / 60)
    assert d.warnings == ()


def test_35_mg_is_0_70_ml_of_50():
    d = dose(concentration_mg_per_ml=50.0)
    assert d.drug_volume_ml == 0.70
    assert d.delivered_dose_mg == 35.0
    assert d.warnings == ()


def test_35_mg_is_0_35_ml_of_100_with_a_dilution_warning():
    d = dose(concentration_mg_per_ml=100.0)
    assert d.drug_volume_ml == 0.35
    assert d.delivered_dose_mg == 35.0
    assert any("100 mg/mL" in w and "undiluted" in w for w in d.warnings)


def test_50_ml_bag_over_40_min_is_75_ml_per_h():
    assert dose(final_volume_ml=50.0).pump_rate_ml_per_h == 75.0 == 50 / (40 / 60)


@pytest.mark.parametrize("minutes, rate", [(40.0, 150.0), (60.0, 100.0), (100.0, 60.0), (45.0, 133.3)])
def test_pump_rate_is_final_volume_over_hours(minutes, rate):
    assert dose(minutes=minutes).pump_rate_ml_per_h == rate


def test_edges_0_1_and_1_0_mg_per_kg():
    low, high = dose(mg_per_kg=0.1), dose(mg_per_kg=1.0)
    assert (low.dose_mg, low.drug_volume_ml, low.delivered_mg_per_kg) == (7.0, 0.70, 0.1)
    assert (high.dose_mg, high.drug_volume_ml, high.delivered_mg_per_kg) == (70.0, 7.0, 1.0)


def test_154_lb_dose():
    kg = 154 * 0.45359237  # 69.853 kg
    d = dose(weight_kg=kg, weight_entered="154 lb")
    assert d.weight_kg == 69.85
    assert d.dose_mg == 34.9  # 0.5 x 69.853 = 34.93
    assert d.drug_volume_ml == 3.5  # 3.49 mL at 0.1 mL precision
    assert d.delivered_dose_mg == 35.0
    assert d.delivered_mg_per_kg == round(35 / kg, 3) == 0.501


def test_ideal_and_adjusted_doses_for_250_lb_man_of_66_in():
    common = {"weight_kg": 113.4, "height_cm": 66 * INCH, "sex": Sex.male}
    ideal = dose(basis=WeightBasis.ideal, **common)
    adjusted = dose(basis=WeightBasis.adjusted, **common)
    assert ideal.dosing_weight_kg == 63.8 and ideal.dose_mg == 31.9  # 0.5 x 63.8
    assert adjusted.dosing_weight_kg == 83.64 and adjusted.dose_mg == 41.8  # 0.5 x 83.64 = 41.82
    assert adjusted.drug_volume_ml == 4.2 and adjusted.delivered_dose_mg == 42.0


def test_a_weight_without_unit_is_refused_even_from_a_library_caller():
    # A bare number read as kg turns a forgotten "lb" into a 2.2-fold dose (issue 11).
    with pytest.raises(InputError) as info:
        dose(weight_entered="154", weight_unit_assumed=True)
    assert info.value.field == "weight"
    assert "add a unit: 154kg or 154lb" in str(info.value)


@pytest.mark.parametrize("minutes", [39.0, 30.0, 60.0, 100.0, 2.0])
def test_minutes_other_than_40_say_40_is_conventional_and_2_to_100_reported(minutes):
    text = [w for w in dose(minutes=minutes).warnings if "Infusion over" in w]
    assert len(text) == 1
    assert "40 minutes is conventional; 2-100 minutes reported (Andrade 2017)" in text[0]
    assert "outside" not in text[0]


@pytest.mark.parametrize("minutes", [1.0, 101.0, 120.0])
def test_minutes_outside_2_to_100_say_so(minutes):
    assert any("2-100 minutes reported" in w and "is outside that" in w for w in dose(minutes=minutes).warnings)


def test_40_minutes_do_not_warn():
    assert dose(minutes=40.0).warnings == ()


@pytest.mark.parametrize("minutes", [0.0, -5.0, math.nan, math.inf, None, 1441.0])
def test_bad_minutes_refused(minutes):
    with pytest.raises(InputError) as info:
        dose(minutes=minutes)
    assert info.value.field == "minutes"


@pytest.mark.parametrize("concentration", [0.0, -10.0, math.nan, math.inf, 100.5, 200.0, None])
def test_bad_concentration_refused(concentration):
    with pytest.raises(InputError) as info:
        dose(concentration_mg_per_ml=concentration)
    assert info.value.field == "concentration"


def test_unmarketed_concentration_warns():
    d = dose(concentration_mg_per_ml=25.0)
    assert any("not a marketed strength" in w for w in d.warnings)


@pytest.mark.parametrize("final_volume", [0.0, -100.0, math.nan, math.inf, None, 1001.0, 3.0])
def test_bad_final_volume_refused(final_volume):
    # 3 mL is less than the 3.5 mL of drug to draw
    with pytest.raises(InputError) as info:
        dose(final_volume_ml=final_volume)
    assert info.value.field == "final_volume"


def test_100_mg_per_ml_must_be_diluted_at_least_1_to_1():
    # 1.0 mg/kg x 70 kg = 70 mg = 0.70 mL of 100 mg/mL: needs >= 1.40 mL final volume
    assert dose(mg_per_kg=1.0, concentration_mg_per_ml=100.0, final_volume_ml=1.4).final_volume_ml == 1.4
    with pytest.raises(InputError, match=r"1:1"):
        dose(mg_per_kg=1.0, concentration_mg_per_ml=100.0, final_volume_ml=1.3)


def test_rounding_warning_when_coarse_concentration_moves_the_dose():
    # 55 kg x 0.5 = 27.5 mg -> 2.75 mL -> 2.8 mL of 10 mg/mL = 28 mg (0.5 mg off)
    d = dose(weight_kg=55.0)
    assert d.drug_volume_ml == 2.8 and d.delivered_dose_mg == 28.0
    assert any(w.startswith("Rounding:") for w in d.warnings)


def test_dose_rounding_steps_inside_the_range_at_the_lower_edge():
    # 20.04 kg x 0.1 = 2.004 mg; 2.0 mg would be 0.0998 mg/kg (< 0.1), so 2.1 mg
    d = dose(weight_kg=20.04, mg_per_kg=0.1)
    assert d.dose_mg == 2.1
    assert 0.1 <= d.delivered_mg_per_kg <= 1.0


def test_dose_rounding_steps_inside_the_range_at_the_upper_edge():
    # 20.06 kg x 1.0 = 20.06 mg -> 20.1 mg would be 1.002 mg/kg (> 1.0), so 20.0 mg
    d = dose(weight_kg=20.06, mg_per_kg=1.0)
    assert d.dose_mg == 20.0
    assert d.delivered_mg_per_kg <= 1.0


def test_refusals_raise_ketplan_errors_not_other_exceptions():
    with pytest.raises(UnsafeDoseError):
        dose(mg_per_kg=1.5)
    with pytest.raises(InputError):
        dose(age=16)
    with pytest.raises(InputError):
        dose(basis=WeightBasis.ideal)
    for bad in (0.0, -70.0, math.nan, math.inf, "70"):
        with pytest.raises(InputError):
            dose(weight_kg=bad)


@pytest.mark.parametrize("weight_kg", [1.0, 5.0, 19.9, 350.1, 10000.0, True])
def test_core_refuses_implausible_weight(weight_kg):
    with pytest.raises(InputError):
        dose(weight_kg=weight_kg, concentration_mg_per_ml=100.0, final_volume_ml=1000.0)


@pytest.mark.parametrize("height_cm", [math.nan, 0.0, -170.0, 5.0])
def test_core_refuses_implausible_height(height_cm):
    with pytest.raises(InputError):
        dose(basis=WeightBasis.ideal, height_cm=height_cm, sex=Sex.male)


def test_references_cover_the_dose():
    keys = {r.key for r in dose().references}
    assert {"fava2020", "ketalar"} <= keys
    keys = {r.key for r in dose(basis=WeightBasis.ideal, height_cm=170.0, sex=Sex.male).references}
    assert {"devine1974", "who-bmi"} <= keys


# --- properties -------------------------------------------------------------------------------------------

weights = st.floats(min_value=20.0, max_value=350.0, allow_nan=False)
in_range_mg_per_kg = st.floats(min_value=0.1, max_value=1.0, allow_nan=False)
concentrations = st.sampled_from([10.0, 50.0, 100.0])


@st.composite
def dosing_inputs(draw):
    basis = draw(st.sampled_from(list(WeightBasis)))
    height = draw(st.one_of(st.none(), st.floats(min_value=100.0, max_value=250.0)))
    sex = draw(st.one_of(st.none(), st.sampled_from(list(Sex))))
    weight = draw(weights)
    if basis is not WeightBasis.actual or weight > 120:  # above 120 kg a height is required
        height = height if height is not None else 170.0
    if basis is not WeightBasis.actual:
        sex = sex if sex is not None else Sex.female
    return {
        "weight_kg": weight,
        "mg_per_kg": draw(in_range_mg_per_kg),
        "concentration_mg_per_ml": draw(concentrations),
        "basis": basis,
        "height_cm": height,
        "sex": sex,
    }


def _half_up(value: float, places: str) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


@FAST
@given(inputs=dosing_inputs())
def test_dose_is_mg_per_kg_times_dosing_weight(inputs):
    d = weight_based_dose(**inputs)
    dosing_kg = choose_dosing_weight(inputs["weight_kg"], inputs["basis"], inputs["height_cm"], inputs["sex"]).kg
    assert d.dosing_weight_kg == round(dosing_kg, 2)
    exact = inputs["mg_per_kg"] * dosing_kg
    low_mg, high_mg = 0.1 * dosing_kg, 1.0 * dosing_kg
    plain = round(exact, 1)
    if low_mg <= plain <= high_mg:
        # dose_mg == round(mg/kg x dosing weight, 1), to within 0.05 mg
        assert abs(d.dose_mg - exact) <= 0.05 + 1e-9
    else:
        # plain rounding would step outside 0.1-1.0 mg/kg: the dose moves one 0.1 mg step inwards
        assert abs(d.dose_mg - exact) < 0.1 + 1e-9
        assert low_mg - 1e-9 <= d.dose_mg <= high_mg + 1e-9
    assert d.dose_mg == round(d.dose_mg, 1)


@FAST
@given(inputs=dosing_inputs())
def test_delivered_dose_always_within_0_1_to_1_0_mg_per_kg(inputs):
    d = weight_based_dose(**inputs)
    dosing_kg = choose_dosing_weight(inputs["weight_kg"], inputs["basis"], inputs["height_cm"], inputs["sex"]).kg
    assert 0.1 <= d.delivered_mg_per_kg <= 1.0
    unrounded = d.drug_volume_ml * d.concentration_mg_per_ml / dosing_kg
    assert 0.1 - 1e-9 <= unrounded <= 1.0 + 1e-9


@FAST
@given(inputs=dosing_inputs())
def test_volume_times_concentration_is_the_delivered_dose(inputs):
    d = weight_based_dose(**inputs)
    assert d.drug_volume_ml * d.concentration_mg_per_ml == pytest.approx(d.delivered_dose_mg, abs=1e-6)
    # and the volume is measurable: 0.01 mL below 1 mL, 0.1 mL from 1 mL on
    step = 0.01 if d.drug_volume_ml < 1.0 else 0.1
    assert d.drug_volume_ml > 0
    assert abs(d.drug_volume_ml / step - round(d.drug_volume_ml / step)) < 1e-6
    # rounding the volume moves the dose by at most one syringe step (plus the 0.1 mg dose step)
    assert abs(d.delivered_dose_mg - d.dose_mg) <= step * d.concentration_mg_per_ml + 1e-6


@FAST
@given(
    minutes=st.floats(min_value=1.0, max_value=1440.0),
    final_volume=st.floats(min_value=50.0, max_value=1000.0),
)
def test_pump_rate_is_final_volume_per_hour(minutes, final_volume):
    d = dose(minutes=minutes, final_volume_ml=final_volume)
    assert d.pump_rate_ml_per_h == pytest.approx(round(final_volume / (minutes / 60), 1), abs=1e-9)
    assert d.pump_rate_ml_per_h == pytest.approx(final_volume / (minutes / 60), abs=0.05 + 1e-9)
    assert (minutes != 40) == any("40 minutes is conventional" in w for w in d.warnings)


@FAST
@given(volume=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999.999"), places=3))
def test_volume_rounding_is_half_up_to_the_syringe_step(volume):
    value = float(volume)
    places = "0.01" if value < 1.0 else "0.1"
    expected = _half_up(value, places)
    got = round_drug_volume_ml(value)
    # 0.995 rounds up to 1.00 (which is then shown at 0.1 mL precision)
    assert got == pytest.approx(expected, abs=1e-9)


@FAST
@given(
    mg_per_kg=st.floats(allow_nan=True, allow_infinity=True),
    weight_kg=weights,
    concentration=concentrations,
)
def test_mg_per_kg_outside_range_always_refused(mg_per_kg, weight_kg, concentration):
    inside = 0.1 <= mg_per_kg <= 1.0
    try:
        d = weight_based_dose(
            weight_kg=weight_kg, mg_per_kg=mg_per_kg, concentration_mg_per_ml=concentration, height_cm=170.0
        )
    except UnsafeDoseError as error:
        assert not inside
        assert isinstance(error, KetplanError)
        assert error.field == "mg_per_kg"
    else:
        assert inside
        assert 0.1 <= d.delivered_mg_per_kg <= 1.0


@FAST
@given(inputs=dosing_inputs(), age=st.integers(min_value=-5, max_value=130))
def test_age_is_refused_under_18_and_warned_from_65(inputs, age):
    try:
        d = weight_based_dose(age=age, **inputs)
    except InputError as error:
        assert age < 18 or age > 120
        assert error.field == "age"
    else:
        assert 18 <= age <= 120
        assert (age >= 65) == any(w.startswith(f"Age {age}") for w in d.warnings)
