"""Errors the core raises for input a person can correct.

`field` names the input the way the command line spells it without dashes
(`mg_per_kg` is `--mg-per-kg`), so the CLI can say which option is wrong.
"""

from __future__ import annotations


class KetplanError(Exception):
    """Base class for every refusal ketplan makes on purpose."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InputError(KetplanError):
    """An input value that is malformed, implausible or outside what ketplan accepts."""


class UnsafeDoseError(InputError):
    """A dose outside the limits of its drug or protocol. Never clamped: always refused."""


class ProtocolError(KetplanError):
    """A protocol file that does not describe a valid protocol."""
