"""Words and numbers every exporter shows the same way: the disclaimer, quantities, the session title.

Clinical wording (evidence levels, warnings) comes from the core or the protocol file; this module
only formats what it is given.
"""

from __future__ import annotations

DISCLAIMER = "Clinical decision support only: not a substitute for clinical judgement or the product label."


# Table dates: ISO 8601 unless the user asks for a local style; JSON, CSV and ics stay ISO 8601.
DATE_STYLES = {"iso": "%Y-%m-%d", "us": "%m/%d/%Y", "eu": "%d/%m/%Y"}


def day(value, style: str = "iso") -> str:
    """A date as tables show it: 2026-12-01 (iso), 12/01/2026 (us) or 01/12/2026 (eu)."""
    return value.strftime(DATE_STYLES[style])


def weekday_and_day(value, style: str = "iso") -> str:
    return f"{value.strftime('%a')} {day(value, style)}"


def number(value: float | None, unit: str = "", digits: int | None = None, missing: str = "-") -> str:
    """35.0 -> '35', with a unit '35 mg', with digits=1 '35.0 mg'; None -> `missing`."""
    if value is None:
        return missing
    text = f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return f"{text} {unit}".strip()


def volume(ml: float | None, missing: str = "-") -> str:
    """A volume to draw up, at the precision it was rounded to: 0.70 mL below 1 mL, 3.5 mL above."""
    if ml is None:
        return missing
    return f"{ml:.2f} mL" if ml < 1 else f"{ml:.1f} mL"


def devices(count: int) -> str:
    return f"{count} device" + ("s" if count != 1 else "")


def elapsed(minutes: float) -> str:
    """A duration for people: 90 -> '1 h 30 min', 120 -> '2 h', 1500 -> '1 d 1 h', 0 -> '0 min'."""
    days, rest = divmod(int(minutes), 1440)
    hours, whole_minutes = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{whole_minutes} min" if whole_minutes else "",
    ]
    return " ".join(part for part in parts if part) or "0 min"


def drug_name(plan) -> str:
    return "Esketamine" if plan.protocol.drug.value == "esketamine" else "Ketamine"


def session_title(plan, session) -> str:
    """e.g. 'Esketamine 56 mg (2 devices) – induction 3/8' or 'Ketamine IV 35 mg (0.5 mg/kg) – series 3/8'."""
    position = f"{session.phase} {session.phase_session}/{session.phase_sessions}"
    if session.devices is not None:
        return f"{drug_name(plan)} {number(session.dose_mg)} mg ({devices(session.devices)}) – {position}"
    route = plan.protocol.route.value.upper()
    per_kg = f" ({number(session.mg_per_kg)} mg/kg)" if session.mg_per_kg is not None else ""
    return f"{drug_name(plan)} {route} {number(session.dose_mg)} mg{per_kg} – {position}"
