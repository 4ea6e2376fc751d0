"""Which value wins: command line > roster cell > clinic profile > built-in defaults.

One place decides it, for `ketplan plan`, `--roster` and `ketplan clinic show`:
- a value given on the command line wins;
- else the roster row's cell (with `--roster`);
- else the clinic profile (`clinic.toml`: see ketplan.io.profile);
- else ketplan's built-in default (the protocol's own value for the IV preparation).
Closed dates add up instead: the profile's `closed_dates`, a roster row's `skip` and the
command line's `--skip` all close the clinic. The time zone falls back to this machine's
zone (the `TZ` variable, else /etc/localtime) only when nothing else sets one, and the plan
then says so in its warnings.

The clinic profile's IV preparation (concentration, final_volume, infusion_minutes) applies
to IV plans only; on the command line or in a roster they are refused for other routes
(as `ketplan dose` would).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

COMMAND_LINE = "command line"
DEFAULT = "built-in default"

# Options that describe the clinic rather than the patient: accepted on the command line with
# --roster (they apply to every row, over the row's cells).
CLINIC_WIDE = (
    "tz",
    "days",
    "closed",
    "skip",
    "holidays",
    "time",
    "setting",
    "concentration",
    "final_volume",
    "minutes",
)
# Option field -> clinic profile key.
PROFILE_KEY = {
    "tz": "timezone",
    "closed": "open_days",
    "holidays": "holidays",
    "time": "time",
    "setting": "setting",
    "concentration": "concentration",
    "final_volume": "final_volume",
    "minutes": "infusion_minutes",
}
IV_ONLY = frozenset({"concentration", "final_volume", "minutes"})
BUILT_IN = {"closed": "sat,sun", "time": "09:00", "holidays": None, "setting": "outpatient"}


@dataclass(frozen=True)
class Setting:
    """One effective setting: its value as text and where it came from."""

    key: str
    value: str | None
    origin: str


@dataclass
class Effective:
    options: Any  # PlanOptions with every clinic-wide value filled in
    closures: dict[date, str] = field(default_factory=dict)  # profile closed dates -> reason
    settings: dict[str, Setting] = field(default_factory=dict)
    zone_from_machine: bool = False

    def warnings(self) -> list[str]:
        if not self.zone_from_machine:
            return []
        zone = self.settings["tz"]
        return [
            f"Time zone {zone.value} is {zone.origin}: nothing else set one. Give --tz, set timezone in "
            "the clinic profile (ketplan clinic init), or set TZ."
        ]


def machine_zone_origin(environ: Mapping[str, str] = os.environ) -> str:
    if environ.get("TZ", "").strip():
        return "this machine's zone (TZ)"
    return "this machine's zone (/etc/localtime)"


def overlay(row, command_line) -> Any:
    """A roster row's options with the command line's clinic-wide options over them
    (command line > roster cell); closed dates add up."""
    if command_line is None:
        return row
    changes: dict[str, Any] = {}
    for name in CLINIC_WIDE:
        value = getattr(command_line, name)
        if name == "skip":
            if value:
                changes["skip"] = [*row.skip, *value]
        elif value is not None:
            changes[name] = value
    return replace(row, **changes) if changes else row


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def resolve(
    options,
    loaded=None,
    *,
    machine_zone: str,
    iv: bool = True,
    origins: Mapping[str, str] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Effective:
    """The effective options: `options` (command line, or a roster row with the command line
    over it) filled in from the clinic profile `loaded` (a LoadedProfile or None), then the
    built-in defaults. `origins` names where each value in `options` came from (default: the
    command line)."""
    origins = origins or {}
    profile = loaded.profile if loaded is not None else None
    changes: dict[str, Any] = {}
    settings: dict[str, Setting] = {}
    for name, key in PROFILE_KEY.items():
        given = getattr(options, name)
        if given is not None:
            settings[name] = Setting(name, _shown(given), origins.get(name, COMMAND_LINE))
            continue
        value = None
        if profile is not None and not (name in IV_ONLY and not iv):
            value = profile.closed_weekdays_text if name == "closed" else getattr(profile, key)
        if value is not None:
            changes[name] = value
            settings[name] = Setting(name, _shown(value), f"{loaded.where(key)} ({key})")
        elif name == "tz":
            changes["tz"] = machine_zone
            settings["tz"] = Setting("tz", machine_zone, machine_zone_origin(environ))
        elif name in BUILT_IN:
            settings[name] = Setting(name, _shown(BUILT_IN[name]), DEFAULT)
        else:
            settings[name] = Setting(name, None, "the protocol's default" if iv else "not used (not IV)")
    closures: dict[date, str] = {}
    if profile is not None:
        closures = profile.closures()
    if options.skip:
        settings["skip"] = Setting("skip", ", ".join(options.skip), origins.get("skip", COMMAND_LINE))
    if options.days is not None:
        settings["days"] = Setting("days", options.days, origins.get("days", COMMAND_LINE))
    effective = replace(options, **changes) if changes else options
    return Effective(
        options=effective,
        closures=closures,
        settings=settings,
        zone_from_machine=settings["tz"].origin.startswith("this machine"),
    )


def clinic_settings(loaded, *, machine_zone: str, options=None, environ: Mapping[str, str] = os.environ):
    """Every clinic setting in effect and its origin, for `ketplan clinic show`: the planning
    settings (as `resolve`), the profile-only ones (name, chairs, ...) and each closed date."""
    from ketplan.app.planning import PlanOptions

    effective = resolve(options or PlanOptions(), loaded, machine_zone=machine_zone, environ=environ)
    rows: list[Setting] = []
    names = {
        "tz": "timezone",
        "closed": "closed weekdays",
        "holidays": "holidays",
        "time": "time",
        "setting": "setting",
        "concentration": "concentration (IV)",
        "final_volume": "final_volume (IV)",
        "minutes": "infusion_minutes (IV)",
    }
    profile = loaded.profile if loaded is not None else None
    for name, label in names.items():
        setting = effective.settings[name]
        value = setting.value
        if name == "closed" and value is not None:
            from ketplan.core.schedule import WEEKDAY_NAMES

            shut = set() if value == "none" else set(value.split(","))
            value = f"{value} (open {','.join(d for d in WEEKDAY_NAMES if d not in shut)})"
        unit = {"concentration": "mg/mL", "final_volume": "mL", "minutes": "min"}.get(name)
        if value is None and name in IV_ONLY:
            value = {"concentration": "10", "final_volume": "100", "minutes": "40"}[name]
        if unit and value is not None:
            value = f"{value} {unit}"
        rows.append(Setting(label, value, setting.origin))
    for key in ("chairs", "name", "phone", "address", "opens", "closes"):
        value = getattr(profile, key) if profile is not None else None
        rows.append(Setting(key, _shown(value), loaded.where(key) if value is not None else "not set"))
    if profile is not None:
        for index, item in enumerate(profile.closed_dates):
            span = item.date.isoformat() + (f"..{item.until.isoformat()}" if item.until else "")
            rows.append(Setting("closed date", f"{span}: {item.reason}", loaded.where("closed_dates", index)))
    if effective.options.skip:
        rows.append(Setting("closed date", ", ".join(effective.options.skip), COMMAND_LINE))
    return rows, effective


def option_fields(options) -> dict[str, Any]:
    return {f.name: getattr(options, f.name) for f in fields(options)}
