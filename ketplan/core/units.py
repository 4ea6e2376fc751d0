"""Parsing and converting the quantities a clinician types: body weight and height.

Only plain ASCII decimals with a unit are accepted ("70kg", "70.5 kg", "154 lb", "175 cm",
"5'9\"", "5ft 9in"). Python's float() would also take "nan", "1e309" or full-width digits; a dose
must never rest on any of those. A weight without a unit is refused: a bare number read as kg
turns a forgotten "lb" into a 2.2-fold dose, and a warning about it is invisible in CSV and
calendar output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketplan.core.errors import InputError, printable, ref

KG_PER_LB = 0.45359237  # exact, international avoirdupois pound (1959)
CM_PER_INCH = 2.54  # exact

MIN_WEIGHT_KG = 20.0
MAX_WEIGHT_KG = 350.0
MIN_HEIGHT_CM = 100.0
MAX_HEIGHT_CM = 250.0

_QUANTITY = re.compile(r"(?P<number>[0-9]{1,6}(?:\.[0-9]{1,6})?|\.[0-9]{1,6})\s*(?P<unit>[A-Za-z]*)", re.ASCII)

_WEIGHT_UNITS = {"kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb"}
_HEIGHT_UNITS = {"cm": "cm", "in": "in"}
# Feet and inches: 5'9", 5' 9", 5'9, 5ft 9in, 5 ft 9 in, 5ft, 5'. Inches may carry a decimal.
_FEET_INCHES = re.compile(
    r"(?P<feet>[0-9])\s*(?:'|ft)\s*(?:(?P<inches>[0-9]{1,2}(?:\.[0-9]{1,3})?)\s*(?:\"|in)?)?",
    re.ASCII,
)


@dataclass(frozen=True)
class Weight:
    kg: float
    entered: str
    unit: str  # "kg" or "lb", as entered
    unit_assumed: bool = False  # kept for the JSON contract: always False (a bare number is refused)


@dataclass(frozen=True)
class Height:
    cm: float
    entered: str

    @property
    def inches(self) -> float:
        return self.cm / CM_PER_INCH


def _split_quantity(text: str, field: str, example: str) -> tuple[float, str]:
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{ref(field)} is empty; give a number with a unit, e.g. {example}", field)
    cleaned = text.strip()
    match = _QUANTITY.fullmatch(cleaned)
    if match is None:
        shown = printable(cleaned)
        if re.fullmatch(r"[0-9]+,[0-9]+\s*[A-Za-z]*", cleaned, re.ASCII):
            hint = f"use a decimal point, not a comma (e.g. {cleaned.replace(',', '.')})"
        else:
            hint = f"give a number with a unit, e.g. {example}"
        raise InputError(f"{ref(field)} {shown!r} is not a quantity ketplan can read; {hint}", field)
    return float(match["number"]), match["unit"].lower()


def parse_weight(text: str) -> Weight:
    """Read a body weight such as '70kg', '70.5 kg' or '154 lb'. A bare number is refused."""
    number, unit_text = _split_quantity(text, "weight", "70kg or 154lb")
    if unit_text == "":
        shown = printable(text.strip())
        raise InputError(f"{ref('weight')} {shown} has no unit; add a unit: {shown}kg or {shown}lb", "weight")
    unit = _WEIGHT_UNITS.get(unit_text)
    if unit is None:
        raise InputError(f"{ref('weight')} unit {unit_text!r} is not known; use kg or lb (e.g. 70kg, 154lb)", "weight")
    kg = number * KG_PER_LB if unit == "lb" else number
    if not MIN_WEIGHT_KG <= kg <= MAX_WEIGHT_KG:
        raise InputError(
            f"{ref('weight')} {printable(text.strip())} ({kg:.1f} kg) is outside the plausible adult range "
            f"{MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g} kg",
            "weight",
        )
    return Weight(kg=kg, entered=text.strip(), unit=unit)


def parse_height(text: str) -> Height:
    """Read a height such as '170cm', '175 cm', '66in', 5'9" or '5ft 9in'. A unit is required: 66
    and 166 are both plausible."""
    feet_inches = _FEET_INCHES.fullmatch(text.strip()) if isinstance(text, str) else None
    if feet_inches is not None:
        inches = float(feet_inches["inches"] or 0)
        if inches >= 12:
            raise InputError(
                f"{ref('height')} {printable(text.strip())}: inches after feet run 0-11 (e.g. 5'9\" or 5ft 9in)",
                "height",
            )
        return _height(int(feet_inches["feet"]) * 12 + inches, "in", text)
    number, unit_text = _split_quantity(text, "height", "170cm, 66in or 5ft 9in")
    unit = _HEIGHT_UNITS.get(unit_text)
    if unit is None:
        raise InputError(
            f"{ref('height')} needs a unit, cm or in (e.g. 170cm, 66in, 5ft 9in); got {printable(text.strip())!r}",
            "height",
        )
    return _height(number, unit, text)


def _height(number: float, unit: str, text: str) -> Height:
    cm = number * CM_PER_INCH if unit == "in" else number
    if not MIN_HEIGHT_CM <= cm <= MAX_HEIGHT_CM:
        raise InputError(
            f"{ref('height')} {printable(text.strip())} ({cm:.0f} cm) is outside the plausible adult range "
            f"{MIN_HEIGHT_CM:g}–{MAX_HEIGHT_CM:g} cm",
            "height",
        )
    return Height(cm=cm, entered=text.strip())
