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


def option_name(field: str) -> str:
    """`mg_per_kg` -> `--mg-per-kg`: how the command line spells a field."""
    return "--" + field.replace("_", "-")


def quoted(value: object, limit: int = 40) -> str:
    """A value quoted for a one-line message: control characters escaped, long values cut."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def printable(value: object, limit: int = 40) -> str:
    """A value shown unquoted in a one-line message: non-printable characters as '?', long values cut."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
