"""One strict number parser for every number ketplan reads as text: options, roster cells,
reminders.

Only ASCII digits, an optional sign, and for decimals one '.' and an optional exponent: no
'_' separators (Python's int('8_4') is 84), no non-ASCII digits ('１' or '٨' are digits to
Python), no spaces inside. 'inf' and 'nan' are read as the non-finite values they name, so that
each option's own range check refuses them with its accepted range. Pure.
"""

from __future__ import annotations

import re

from ketplan.core.errors import InputError, quoted, ref

MAX_NUMBER_LENGTH = 32
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)


def parse_int(text: str, field: str) -> int:
    """A whole number such as 56 or -3; refused with a message naming `field`."""
    value = str(text).strip()
    if len(value) > MAX_NUMBER_LENGTH or not _INT.fullmatch(value):
        raise InputError(f"{ref(field)} {quoted(text)} is not an integer: a whole number in digits 0-9, e.g. 56", field)
    return int(value)


def parse_decimal(text: str, field: str) -> float:
    """A decimal number such as 0.5, 40 or 1e2 (or inf/nan, left to the range check);
    refused with a message naming `field`."""
    value = str(text).strip()
    if _NON_FINITE.fullmatch(value):
        return float(value)
    if len(value) > MAX_NUMBER_LENGTH or not _DECIMAL.fullmatch(value):
        raise InputError(f"{ref(field)} {quoted(text)} is not a number: digits 0-9 and '.', e.g. 0.5", field)
    return float(value)


def shown(value: float) -> str:
    """A number for a message, never rounded into a different number: 1.1 -> '1.1',
    1.0000000000000002 -> '1.0000000000000002' (not '1', which would contradict a range)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))
