"""Finding and reading the clinic profile (`clinic.toml`).

Where it is found, first match wins:
  1. `--clinic FILE` (`--clinic none`: no profile at all),
  2. the `KETPLAN_CLINIC` environment variable (a path; `none` as above),
  3. `$XDG_CONFIG_HOME/ketplan/clinic.toml` (`~/.config/ketplan/clinic.toml` when XDG_CONFIG_HOME
     is unset), used only when it exists.

A profile named by 1 or 2 must exist. A bad profile is one line naming the file, the line and
the key: `clinic.toml:7: open_days: 'mon,xyz': 'xyz' is not a weekday ...`. tomllib gives no
line numbers for values, so the line is found by locating the key in the text.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketplan.core.errors import InputError, KetplanError

ENV_VARIABLE = "KETPLAN_CLINIC"
PROFILE_NAME = "clinic.toml"
MAX_PROFILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile, where it came from, and the line of each key (for `clinic show`)."""

    path: Path
    found_by: str  # "--clinic", "KETPLAN_CLINIC" or "default location"
    profile: Any  # ketplan.core.clinic_profile.ClinicProfile
    lines: Mapping[str, int] = field(default_factory=dict)
    closure_lines: tuple[int, ...] = ()

    def where(self, key: str, index: int | None = None) -> str:
        if key == "closed_dates" and index is not None and index < len(self.closure_lines):
            return f"{self.path}:{self.closure_lines[index]}"
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and os.path.isabs(base) else Path(environ.get("HOME") or Path.home()) / ".config"
    return root / "ketplan" / PROFILE_NAME


def locate(option: str | None, environ: Mapping[str, str] = os.environ) -> tuple[Path | None, str]:
    """The profile to read and how it was found; (None, reason) when there is none."""
    for value, how in ((option, "--clinic"), (environ.get(ENV_VARIABLE), ENV_VARIABLE)):
        if value is None or (how == ENV_VARIABLE and not value.strip()):
            continue
        if not value.strip() or "\x00" in value:
            raise InputError(f"{how} is empty or not a usable file name; give a clinic.toml file or 'none'", "clinic")
        if value.strip().lower() == "none":
            return None, f"{how} none"
        return Path(value), how
    path = default_path(environ)
    return (path, "default location") if path.is_file() else (None, f"no {path}")


def load(option: str | None = None, environ: Mapping[str, str] = os.environ) -> LoadedProfile | None:
    """The clinic profile in effect, validated; None when there is none."""
    path, how = locate(option, environ)
    if path is None:
        return None
    return read_profile(path, how)


def read_profile(path: Path, found_by: str = "--clinic") -> LoadedProfile:
    import tomllib

    from ketplan.core.errors import printable

    shown = printable(str(path), 200)
    try:
        if path.is_dir():
            raise InputError(f"clinic profile {shown} ({found_by}): is a folder, not a TOML file", "clinic")
        raw = path.read_bytes()[: MAX_PROFILE_BYTES + 1]
    except FileNotFoundError:
        raise InputError(f"clinic profile {shown} ({found_by}): no such file", "clinic") from None
    except PermissionError:
        raise InputError(f"clinic profile {shown} ({found_by}): cannot be read (permission denied)", "clinic") from None
    except OSError as error:
        raise InputError(f"clinic profile {shown} ({found_by}): cannot be read ({error.strerror})", "clinic") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise InputError(f"clinic profile {shown}: larger than {MAX_PROFILE_BYTES // 1024} KiB", "clinic")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"clinic profile {shown}: not UTF-8 text", "clinic") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = f":{match[1]}" if match else ""
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) if match else message
        raise InputError(f"{shown}{line}: not valid TOML ({detail})", "clinic") from None
    profile = _validate(data, text, shown)
    lines = {key: _key_line(text, key) for key in data}
    loaded = LoadedProfile(
        path=path,
        found_by=found_by,
        profile=profile,
        lines={k: v for k, v in lines.items() if v},
        closure_lines=tuple(_closure_lines(text, len(profile.closed_dates))),
    )
    if profile.holidays is not None:
        _check_holidays(profile.holidays, loaded, shown)
    return loaded


def _validate(data: dict, text: str, shown: str):
    from pydantic import ValidationError

    from ketplan.core.clinic_profile import PROFILE_KEYS, parse_profile

    try:
        return parse_profile(data)
    except ValidationError as error:
        problem = error.errors()[0]
        loc = [part for part in problem["loc"] if part != "__root__"]
        key = ".".join(str(p) for p in loc) or "profile"
        line = _error_line(text, loc)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            name = str(loc[-1]) if loc else key
            choices = PROFILE_KEYS if len(loc) == 1 else ("date", "until", "reason")
            close = difflib.get_close_matches(name, choices, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; known keys: {', '.join(choices)}"
            message = f"unknown key{hint}"
        elif problem["type"] == "missing":
            message = 'is required (e.g. reason = "staff training")' if loc[-1:] == ["reason"] else "is required"
        where = f"{shown}:{line}" if line else shown
        raise InputError(f"{where}: {key}: {message}", "clinic") from None


def _key_line(text: str, key: str, start: int = 0, stop: int | None = None) -> int | None:
    """The 1-based line of `key = ...` between lines start and stop (0-based, stop exclusive)."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    lines = text.splitlines()
    for number in range(start, len(lines) if stop is None else min(stop, len(lines))):
        if pattern.match(lines[number]):
            return number + 1
    # An inline table: `{ date = ..., reason = ... }` holds the key mid-line.
    inline = re.compile(rf"[{{,]\s*{re.escape(key)}\s*=")
    for number in range(start, len(lines) if stop is None else min(stop, len(lines))):
        if inline.search(lines[number]):
            return number + 1
    return None


def _closure_lines(text: str, count: int) -> list[int]:
    """The line where each closed_dates entry starts: `[[closed_dates]]` headers, else the
    lines of `{` in an inline array."""
    lines = text.splitlines()
    headers = [n + 1 for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*closed_dates\s*\]\]", line)]
    if headers:
        return headers[:count]
    start = _key_line(text, "closed_dates")
    found: list[int] = []
    if start is None:
        return found
    for number in range(start - 1, len(lines)):
        found.extend([number + 1] * lines[number].count("{"))
        if len(found) >= count:
            break
    return found[:count]


def _error_line(text: str, loc: list) -> int | None:
    if not loc:
        return None
    if loc[0] == "closed_dates" and len(loc) >= 2 and isinstance(loc[1], int):
        starts = _closure_lines(text, loc[1] + 2)
        if loc[1] < len(starts):
            begin = starts[loc[1]] - 1
            end = starts[loc[1] + 1] - 1 if loc[1] + 1 < len(starts) else None
            if len(loc) >= 3:
                found = _key_line(text, str(loc[2]), begin, end)
                if found:
                    return found
            return starts[loc[1]]
    return _key_line(text, str(loc[0]))


def _check_holidays(code: str, loaded: LoadedProfile, shown: str) -> None:
    from ketplan.io.clinic_calendar import holiday_lookup

    try:
        holiday_lookup(code, 2026, 2026)
    except KetplanError as error:
        message = error.spelled(lambda field: field).removeprefix("holidays ")
        raise InputError(f"{loaded.where('holidays')}: holidays: {message}", "clinic") from None


STARTER = """\
# ketplan clinic profile: the clinic's defaults, used by every `ketplan plan` (and roster).
# Precedence: command line > roster cell > this file > ketplan's built-in defaults.
# Check what is in effect, and where each value comes from: ketplan clinic show
# Every key is optional; delete or comment out what you do not need.

# Shown on patient handouts.
# name = "Example Ketamine Clinic"
# phone = "+1 212 555 0100"
# address = "1 Example Street, New York, NY"
# opens = "08:00"
# closes = "18:00"

# IANA time zone of the clinic (--tz). Without it ketplan uses this machine's zone (TZ).
timezone = "{timezone}"

# The clinic's days; the other weekdays are closed (--closed). --days must be among them.
open_days = "mon,tue,wed,thu,fri"

# Public holidays the clinic closes on (--holidays): see `ketplan clinic holidays US-NY --year 2027`.
# holidays = "US-NY"

# Dates the clinic is closed (--skip), each with a reason; `until` makes a range (inclusive).
# [[closed_dates]]
# date = 2026-12-24
# reason = "Christmas Eve"
#
# [[closed_dates]]
# date = 2026-12-28
# until = 2027-01-01
# reason = "year-end closure"

# Usual session start, 24-hour HH:MM (--time).
time = "09:00"

# outpatient or inpatient.
# setting = "outpatient"

# IV racemic ketamine preparation (--concentration, --final-volume, --minutes). Local policy:
# ketplan's defaults are 10 mg/mL, 100 mL and 40 min.
# concentration = 10
# final_volume = 100
# infusion_minutes = 40

# Treatment chairs, for capacity (chair load).
# chairs = 4
"""


def starter_text(timezone: str) -> str:
    return STARTER.replace("{timezone}", timezone)
