"""Parsing and converting the quantities a clinician types: body weight and height.

Only plain ASCII decimals are accepted ("70", "70.5kg", "154 lb"). Python's float() would
also take "nan", "1e309" or full-width digits; a dose must never rest on any of those.
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

_WEIGHT_UNITS = {"": "kg", "kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb"}
_HEIGHT_UNITS = {"cm": "cm", "in": "in"}


@dataclass(frozen=True)
class Weight:
    kg: float
    entered: str
    unit: str  # "kg" or "lb", as entered
    unit_assumed: bool  # a bare number was read as kg


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
    """Read a body weight such as '70kg', '70.5 kg', '154 lb' or '70' (kg assumed)."""
    number, unit_text = _split_quantity(text, "weight", "70kg or 154lb")
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
    return Weight(kg=kg, entered=text.strip(), unit=unit, unit_assumed=unit_text == "")


def parse_height(text: str) -> Height:
    """Read a height such as '170cm' or '66in'. A unit is required: 66 and 166 are both plausible."""
    number, unit_text = _split_quantity(text, "height", "170cm or 66in")
    unit = _HEIGHT_UNITS.get(unit_text)
    if unit is None:
        raise InputError(
            f"{ref('height')} needs a unit, cm or in (e.g. 170cm, 66in); got {printable(text.strip())!r}", "height"
        )
    cm = number * CM_PER_INCH if unit == "in" else number
    if not MIN_HEIGHT_CM <= cm <= MAX_HEIGHT_CM:
        raise InputError(
            f"{ref('height')} {printable(text.strip())} ({cm:.0f} cm) is outside the plausible adult range "
            f"{MIN_HEIGHT_CM:g}–{MAX_HEIGHT_CM:g} cm",
            "height",
        )
    return Height(cm=cm, entered=text.strip())
