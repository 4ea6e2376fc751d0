"""ketplan.core.units: reading the body weight and height a clinician types.

REFERENCE.md §4: 1 lb = 0.45359237 kg exactly; 1 in = 2.54 cm. Plausible adult range 20-350 kg.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketplan.core.errors import InputError, KetplanError
from ketplan.core.units import (
    CM_PER_INCH,
    KG_PER_LB,
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    parse_height,
    parse_weight,
)

FAST = settings(max_examples=200, deadline=None)


# --- constants -------------------------------------------------------------------------------


def test_pound_is_exactly_the_international_avoirdupois_pound():
    assert KG_PER_LB == 0.45359237
    assert Decimal(str(KG_PER_LB)) == Decimal("0.45359237")


def test_inch_is_exactly_2_54_cm():
    assert CM_PER_INCH == 2.54


def test_weight_limits_are_20_to_350_kg():
    assert (MIN_WEIGHT_KG, MAX_WEIGHT_KG) == (20.0, 350.0)


# --- parse_weight: accepted ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kg, unit",
    [
        ("70kg", 70.0, "kg"),
        ("70 kg", 70.0, "kg"),
        ("70.5kg", 70.5, "kg"),
        ("70kgs", 70.0, "kg"),
        ("70KG", 70.0, "kg"),
        ("  70kg  ", 70.0, "kg"),
        ("20kg", 20.0, "kg"),
        ("350kg", 350.0, "kg"),
        ("154lb", 154 * 0.45359237, "lb"),
        ("154 lb", 154 * 0.45359237, "lb"),
        ("154  lb", 154 * 0.45359237, "lb"),
        ("154lbs", 154 * 0.45359237, "lb"),
        ("154 lbs", 154 * 0.45359237, "lb"),
        ("154 LB", 154 * 0.45359237, "lb"),
        ("250lb", 250 * 0.45359237, "lb"),
    ],
)
def test_parse_weight_accepts_kg_and_lb(text, kg, unit):
    weight = parse_weight(text)
    assert weight.kg == pytest.approx(kg, rel=0, abs=1e-12)
    assert weight.unit == unit
    assert weight.unit_assumed is False
    assert weight.entered == text.strip()


def test_154_lb_is_69_85_kg_by_hand():
    # 154 x 0.45359237 = 69.85322498 kg (REFERENCE.md §4)
    assert parse_weight("154 lb").kg == pytest.approx(69.85322498, abs=1e-8)


@pytest.mark.parametrize("text", ["70", "70.5", " 70 ", "154"])
def test_bare_number_is_refused_with_both_units_offered(text):
    # issue 11: a bare number read as kg turns a forgotten "lb" into a 2.2-fold dose.
    with pytest.raises(InputError) as info:
        parse_weight(text)
    number = text.strip()
    assert info.value.field == "weight"
    assert f"add a unit: {number}kg or {number}lb" in str(info.value)


# --- parse_weight: refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("abc", id="non-numeric"),
        pytest.param("kg", id="unit-only"),
        pytest.param("nan", id="nan"),
        pytest.param("NaN kg", id="nan-kg"),
        pytest.param("inf", id="inf"),
        pytest.param("infinity", id="infinity"),
        pytest.param("1e309", id="overflow-exponent"),
        pytest.param("7e1kg", id="exponent"),
        pytest.param("0", id="zero"),
        pytest.param("0kg", id="zero-kg"),
        pytest.param("0lb", id="zero-lb"),
        pytest.param("-70", id="negative"),
        pytest.param("-70kg", id="negative-kg"),
        pytest.param("+70kg", id="plus-sign"),
        pytest.param("70st", id="unknown-unit-stone"),
        pytest.param("70g", id="unknown-unit-gram"),
        pytest.param("70 kg kg", id="unit-twice"),
        pytest.param("70 pounds", id="unit-spelled-out"),
        pytest.param("70,5kg", id="decimal-comma"),
        pytest.param("\uff17\uff10kg", id="full-width-digits"),
        pytest.param("19.99kg", id="below-20kg"),
        pytest.param("350.01kg", id="above-350kg"),
        pytest.param("351", id="351-bare"),
        pytest.param("44lb", id="44lb-is-19.96kg"),
        pytest.param("772lb", id="772lb-is-350.17kg"),
        pytest.param("1000000kg", id="huge"),
    ],
)
def test_parse_weight_refuses(text):
    with pytest.raises(InputError) as info:
        parse_weight(text)
    assert isinstance(info.value, KetplanError)
    assert info.value.field == "weight"
    assert "--weight" in str(info.value)
    assert "\n" not in str(info.value)


def test_decimal_comma_gets_a_hint():
    with pytest.raises(InputError, match=r"decimal point"):
        parse_weight("70,5")


def test_unknown_unit_names_the_known_units():
    with pytest.raises(InputError, match=r"kg or lb"):
        parse_weight("70st")


def test_out_of_range_message_shows_the_kg_value():
    with pytest.raises(InputError, match=r"20–350 kg"):
        parse_weight("800lb")


def test_lb_boundary_is_checked_after_conversion():
    # 350 kg = 771.618 lb; 20 kg = 44.092 lb
    assert parse_weight("771.6lb").kg == pytest.approx(771.6 * KG_PER_LB)
    assert parse_weight("44.1lb").kg == pytest.approx(44.1 * KG_PER_LB)
    with pytest.raises(InputError):
        parse_weight("771.7lb")
    with pytest.raises(InputError):
        parse_weight("44.09lb")


# --- parse_height ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cm",
    [
        ("170cm", 170.0),
        ("170 cm", 170.0),
        ("66in", 66 * 2.54),
        ("66 in", 66 * 2.54),
        ("100cm", 100.0),
        ("250cm", 250.0),
        ("175 cm", 175.0),
        ("5'9\"", 69 * 2.54),
        ("5' 9\"", 69 * 2.54),
        ("5'9", 69 * 2.54),
        ("5ft 9in", 69 * 2.54),
        ("5 ft 9 in", 69 * 2.54),
        ("5ft6", 66 * 2.54),
        ("6'", 72 * 2.54),
        ("5ft 9.5in", 69.5 * 2.54),
    ],
)
def test_parse_height_accepts_cm_and_in(text, cm):
    height = parse_height(text)
    assert height.cm == pytest.approx(cm, abs=1e-12)
    assert height.inches == pytest.approx(cm / 2.54)


def test_66_in_is_167_64_cm():
    assert parse_height("66in").cm == pytest.approx(167.64)
    assert parse_height("66in").inches == pytest.approx(66.0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "170",
        "66",
        "66ft",
        "nan cm",
        "inf",
        "-170cm",
        "99cm",
        "251cm",
        "39in",
        "170,5cm",
        "5'12\"",
        "9ft",
        "2'",
        "5ft 9cm",
        '5\'9""',
    ],
)
def test_parse_height_refuses(text):
    with pytest.raises(InputError) as info:
        parse_height(text)
    assert info.value.field == "height"


def test_height_without_unit_says_a_unit_is_needed():
    with pytest.raises(InputError, match=r"needs a unit"):
        parse_height("66")


# --- properties ------------------------------------------------------------------------------

_decimals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1200"), places=2)


@FAST
@given(value=_decimals, unit=st.sampled_from(["kg", "kgs", "lb", "lbs", ""]), space=st.sampled_from(["", " "]))
def test_weight_is_converted_exactly_and_refused_iff_out_of_range(value, unit, space):
    text = f"{value}{space}{unit}"
    factor = KG_PER_LB if unit.startswith("lb") else 1.0
    kg = float(value) * factor
    if unit and MIN_WEIGHT_KG <= kg <= MAX_WEIGHT_KG:
        weight = parse_weight(text)
        assert weight.kg == kg
        assert weight.unit_assumed is False
    else:
        with pytest.raises(InputError):
            parse_weight(text)


@FAST
@given(text=st.text(max_size=12))
def test_weight_parser_either_returns_a_plausible_weight_or_raises_input_error(text):
    try:
        weight = parse_weight(text)
    except InputError:
        return
    assert MIN_WEIGHT_KG <= weight.kg <= MAX_WEIGHT_KG
    assert weight.unit in ("kg", "lb")
