"""Text that may reach a terminal, a CSV cell or an iCalendar property: what is not allowed in it.

Refused (labels, protocol-file text) or removed (exporters, as a second line of defence): every
character of Unicode category Cc (C0 and C1 controls, ESC and so OSC 8 links and terminal
escapes, U+0085 NEL, U+009B CSI) except tab and line feed where a text may span lines, every
character of category Cf (bidi overrides and isolates such as U+202E and U+2067, zero-width
characters, the BOM), and the separators U+2028 and U+2029. Pure; standard library only.
"""

from __future__ import annotations

import re

# Category Cf as of Unicode 15.1, written out (a scan of every code point at start-up costs ~0.3 s).
_CF = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_CF}]")
FORBIDDEN_IN_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_CF}]")


def find_forbidden(text: str, multiline: bool = False) -> tuple[int, str] | None:
    """(index, character) of the first character not allowed, or None."""
    match = (FORBIDDEN_IN_MULTILINE if multiline else FORBIDDEN).search(text)
    return (match.start(), match.group()) if match else None


def describe(char: str) -> str:
    """U+202E for a message (never the character itself)."""
    return f"U+{ord(char):04X}"


def strip_forbidden(text: str, replacement: str = " ") -> str:
    return FORBIDDEN.sub(replacement, text)
