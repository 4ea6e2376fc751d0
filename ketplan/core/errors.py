"""Errors ketplan raises on purpose, and how a message names an input.

The core never spells a command-line option: a message refers to an input with `ref("weight")`,
and whoever shows the message spells it for its reader (`--weight` on the command line,
`column weight` in a roster; see `KetplanError.spelled`). `field` names the input that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Private-use characters around a field name: they never survive input validation or
# `quoted()`, so a user's value cannot forge a reference.
_OPEN, _CLOSE = "\ue000", "\ue001"
_REFERENCE = re.compile(f"{_OPEN}([a-z][a-z0-9_]*){_CLOSE}")


def ref(field: str) -> str:
    """A reference to the input `field` inside a message, spelled when the message is shown."""
    return f"{_OPEN}{field}{_CLOSE}"


def option_name(field: str) -> str:
    """`mg_per_kg` -> `--mg-per-kg`: how the command line spells a field."""
    return "--" + field.replace("_", "-")


def column_name(field: str) -> str:
    """`mg_per_kg` -> `column mg_per_kg`: how a roster spells a field."""
    return f"column {field}"


class KetplanError(Exception):
    """Base class for every refusal ketplan makes on purpose."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.template = message
        self.field = field

    def spelled(self, spell: Callable[[str], str] = option_name) -> str:
        """The message with every input reference spelled by `spell`."""
        return _REFERENCE.sub(lambda match: spell(match.group(1)), self.template)

    @property
    def message(self) -> str:
        """The message as the command line shows it."""
        return self.spelled(option_name)

    def __str__(self) -> str:
        return self.message


class InputError(KetplanError):
    """An input value that is malformed, implausible or outside what ketplan accepts."""


class UnsafeDoseError(InputError):
    """A dose outside the limits of its drug or protocol. Never clamped: always refused."""


class ProtocolError(KetplanError):
    """A protocol file that does not describe a valid protocol."""


class OutputError(InputError):
    """An output that cannot be written: a refused --output path, or a write that failed."""


def _scrub(text: str) -> str:
    return text.replace(_OPEN, "?").replace(_CLOSE, "?")


def quoted(value: object, limit: int = 40) -> str:
    """A value quoted for a one-line message: control characters escaped, long values cut."""
    text = _scrub(repr(value))
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def printable(value: object, limit: int = 40) -> str:
    """A value shown unquoted in a one-line message: non-printable characters as '?', long values cut."""
    text = "".join(ch if ch.isprintable() else "?" for ch in _scrub(str(value)))
    return text if len(text) <= limit else text[: limit - 1] + "…"
