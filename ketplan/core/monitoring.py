"""Session monitoring: vital signs and observations recorded with a session, and the alerts that follow.

Pure: text from the command line is checked here and turned into a `Monitoring` (kept in the
record as the `monitoring` object of a `given` entry, or of a later `monitoring` entry for the
same session that adds to it). The alerts name their source; thresholds that come from the
label's clinical-trial tables are called exactly that, never treatment limits.

Plausibility bounds (systolic 60-260, diastolic 30-160 mmHg, SpO2 50-100 %) only catch typing
errors; they are ketplan's input checks, not clinical thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from ketplan.core.course import GIVEN, effective, extra_roots, given_sessions, key_of, planned_number, session_name
from ketplan.core.errors import InputError, quoted, ref
from ketplan.core.references import Reference

MONITORING = "monitoring"  # entry kind: monitoring data added to an already given session
READINGS = ("bp_pre", "bp_40", "bp_discharge")
READING_NAMES = {
    "bp_pre": "before administration",
    "bp_40": "about 40 min after administration",
    "bp_discharge": "before the session ended",
}
SYSTOLIC_RANGE = (60, 260)
DIASTOLIC_RANGE = (30, 160)
SPO2_RANGE = (50, 100)
MAX_MONITORING_MINUTES = 24 * 60
REMS_MINUTES = 120
PRE_DOSE_LIMIT = (140, 90)  # "e.g. >140 mmHg systolic, >90 mmHg diastolic" (label, as a general guide)
RISE_LIMIT = (40, 25)  # label Table 6 outlier definitions: SBP rise >= 40, DBP rise >= 25 mmHg
ABSOLUTE_LIMIT = (180, 110)  # label Table 6 outlier definitions: SBP >= 180, DBP >= 110 mmHg
CONCOMITANT = {
    "benzodiazepine": "Benzodiazepines",
    "sedative-hypnotic": "Non-benzodiazepine sedative hypnotics",
    "opioid": "Opioids",
    "psychostimulant": "Psychostimulants",
    "maoi": "Monoamine oxidase inhibitors (MAOIs)",
}
EFFECTS = ("sedation", "dissociation", "respiratory_depression")
EFFECT_NAMES = {
    "sedation": "sedation",
    "dissociation": "dissociation",
    "respiratory_depression": "respiratory depression",
}
LOT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{0,19}")
MAX_AE = 200

SPRAVATO_BP = Reference(
    key="spravato-pi-bp",
    citation="SPRAVATO US prescribing information, section 5 (increase in blood pressure): before dosing, if BP is "
    "elevated (as a general guide >140/90 mmHg) weigh the risk of a short-term rise; the >140/90 wording is read in "
    "J&J medical information and ex-US label copies (secondary)",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
    supports="Assess BP before dosing; about 40 min after and as clinically warranted; >140/90 as a general guide",
)
SPRAVATO_TABLE6 = Reference(
    key="spravato-pi-table6",
    citation="SPRAVATO US prescribing information, section 6, Table 6: blood pressure outliers in the short-term "
    "TRD trials (SBP >= 180 or rise >= 40 mmHg; DBP >= 110 or rise >= 25 mmHg): clinical-trial outlier thresholds",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
    supports="Proportions of patients with BP outliers, SPRAVATO+AD vs placebo+AD",
)
FDA_REMS = Reference(
    key="fda-rems",
    citation="FDA REMS@FDA: SPRAVATO (esketamine) REMS, last update 12/31/2024",
    url="https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails.page&REMS=386",
    supports="Patients are monitored for at least two hours and until resolution of sedation, dissociation and "
    "respiratory depression",
)
REMS_FORM = Reference(
    key="rems-form",
    citation="J&J Medical Connect: SPRAVATO REMS Patient Monitoring Form overview",
    url="https://jnjmedicalconnect.com/products/spravato/video-spravato-rems-patient-monitoring-form-overview",
    supports="Form completed after every session for enrolled outpatients and submitted within 7 days",
)


@dataclass(eq=False, repr=False)
class BloodPressure:
    systolic: int
    diastolic: int

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic}"


def parse_bp(text: str, field: str) -> BloodPressure:
    """'128/82' -> BloodPressure(128, 82); implausible values and systolic <= diastolic are refused."""
    cleaned = str(text).strip().replace(" ", "")
    match = re.fullmatch(r"(\d{1,3})/(\d{1,3})", cleaned)
    if match is None:
        raise InputError(
            f"{ref(field)} {quoted(text)} is not a blood pressure; use SYSTOLIC/DIASTOLIC in mmHg, e.g. 128/82", field
        )
    systolic, diastolic = int(match[1]), int(match[2])
    if not SYSTOLIC_RANGE[0] <= systolic <= SYSTOLIC_RANGE[1]:
        raise InputError(
            f"{ref(field)} {cleaned}: systolic {systolic} mmHg is not plausible "
            f"({SYSTOLIC_RANGE[0]}-{SYSTOLIC_RANGE[1]}); check the reading",
            field,
        )
    if not DIASTOLIC_RANGE[0] <= diastolic <= DIASTOLIC_RANGE[1]:
        raise InputError(
            f"{ref(field)} {cleaned}: diastolic {diastolic} mmHg is not plausible "
            f"({DIASTOLIC_RANGE[0]}-{DIASTOLIC_RANGE[1]}); check the reading",
            field,
        )
    if systolic <= diastolic:
        raise InputError(
            f"{ref(field)} {cleaned}: systolic must be above diastolic (SYSTOLIC/DIASTOLIC, e.g. 128/82)", field
        )
    return BloodPressure(systolic, diastolic)


@dataclass(eq=False, repr=False)
class Monitoring:
    """What was observed at one session. None means not recorded (a form field left for the clinic)."""

    bp_pre: BloodPressure | None = None
    bp_40: BloodPressure | None = None
    bp_discharge: BloodPressure | None = None
    pulse_ox: int | None = None
    minutes: int | None = None
    start: str | None = None
    end: str | None = None
    sedation: bool | None = None
    dissociation: bool | None = None
    respiratory_depression: bool | None = None
    resolved: bool | None = None
    adverse_events: tuple[str, ...] = ()
    lot: str | None = None
    concomitant: tuple[str, ...] | None = None  # () = none of the categories; None = not asked

    def is_empty(self) -> bool:
        return not self.to_payload()

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in READINGS:
            reading = getattr(self, name)
            if reading is not None:
                out[name] = {"systolic": reading.systolic, "diastolic": reading.diastolic}
        for name in ("pulse_ox", "minutes", "start", "end", "lot", *EFFECTS, "resolved"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.adverse_events:
            out["adverse_events"] = list(self.adverse_events)
        if self.concomitant is not None:
            out["concomitant"] = list(self.concomitant)
        return out

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> Monitoring:
        payload = payload or {}
        kwargs: dict[str, Any] = {}
        for name in READINGS:
            reading = payload.get(name)
            if isinstance(reading, dict):
                kwargs[name] = BloodPressure(int(reading["systolic"]), int(reading["diastolic"]))
        for name in ("pulse_ox", "minutes", "start", "end", "lot", *EFFECTS, "resolved"):
            if payload.get(name) is not None:
                kwargs[name] = payload[name]
        kwargs["adverse_events"] = tuple(payload.get("adverse_events") or ())
        if payload.get("concomitant") is not None:
            kwargs["concomitant"] = tuple(payload["concomitant"])
        return cls(**kwargs)

    def updated(self, later: Monitoring) -> Monitoring:
        """This monitoring with a later entry's fields laid over it (adverse events add up)."""
        merged = Monitoring.from_payload({**self.to_payload(), **later.to_payload()})
        events = list(self.adverse_events) + [e for e in later.adverse_events if e not in self.adverse_events]
        merged.adverse_events = tuple(events)
        return merged

    @property
    def observed(self) -> list[str]:
        return [EFFECT_NAMES[name] for name in EFFECTS if getattr(self, name)]


@dataclass(eq=False, repr=False)
class MonitoringText:
    """The monitoring options as typed on the command line."""

    bp_pre: str | None = None
    bp_40: str | None = None
    bp_discharge: str | None = None
    pulse_ox: int | None = None
    monitoring_minutes: int | None = None
    monitoring_start: str | None = None
    monitoring_end: str | None = None
    sedation: bool = False
    dissociation: bool = False
    respiratory_depression: bool = False
    resolved: bool = False
    ae: Sequence[str] = field(default_factory=tuple)
    lot: str | None = None
    concomitant: str | None = None

    def given(self) -> bool:
        return any(
            (
                self.bp_pre,
                self.bp_40,
                self.bp_discharge,
                self.pulse_ox is not None,
                self.monitoring_minutes is not None,
                self.monitoring_start,
                self.monitoring_end,
                self.sedation,
                self.dissociation,
                self.respiratory_depression,
                self.resolved,
                list(self.ae or ()),
                self.lot,
                self.concomitant,
            )
        )


def _clock(text: str, field: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InputError(f"{ref(field)} {quoted(text)} is not a time; use 24-hour HH:MM, e.g. 09:05", field)
    return time(int(match[1]), int(match[2]))


def check_monitoring(text: MonitoringText) -> Monitoring:
    """Check every monitoring option; the first bad one is refused with the reason."""
    out = Monitoring()
    for name in READINGS:
        value = getattr(text, name)
        if value is not None:
            setattr(out, name, parse_bp(value, name))
    if text.pulse_ox is not None:
        if isinstance(text.pulse_ox, bool) or not SPO2_RANGE[0] <= int(text.pulse_ox) <= SPO2_RANGE[1]:
            raise InputError(
                f"{ref('pulse_ox')} {text.pulse_ox}: oxygen saturation is a percentage, "
                f"{SPO2_RANGE[0]}-{SPO2_RANGE[1]}",
                "pulse_ox",
            )
        out.pulse_ox = int(text.pulse_ox)
    if text.monitoring_minutes is not None and (text.monitoring_start or text.monitoring_end):
        raise InputError(
            f"give {ref('monitoring_minutes')} or {ref('monitoring_start')} and {ref('monitoring_end')}, not both",
            "monitoring_minutes",
        )
    if text.monitoring_minutes is not None:
        minutes = text.monitoring_minutes
        if isinstance(minutes, bool) or not 1 <= int(minutes) <= MAX_MONITORING_MINUTES:
            raise InputError(
                f"{ref('monitoring_minutes')} {minutes}: give the minutes from the first device to the end of "
                f"monitoring, 1-{MAX_MONITORING_MINUTES}",
                "monitoring_minutes",
            )
        out.minutes = int(minutes)
    elif text.monitoring_start or text.monitoring_end:
        if not (text.monitoring_start and text.monitoring_end):
            missing = "monitoring_end" if text.monitoring_start else "monitoring_start"
            raise InputError(
                f"{ref('monitoring_start')} and {ref('monitoring_end')} go together; {ref(missing)} is missing", missing
            )
        start = _clock(text.monitoring_start, "monitoring_start")
        end = _clock(text.monitoring_end, "monitoring_end")
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes <= 0:
            raise InputError(
                f"{ref('monitoring_end')} {end.strftime('%H:%M')} is not after {ref('monitoring_start')} "
                f"{start.strftime('%H:%M')} (same day)",
                "monitoring_end",
            )
        out.minutes, out.start, out.end = minutes, start.strftime("%H:%M"), end.strftime("%H:%M")
    for name in EFFECTS:
        if getattr(text, name):
            setattr(out, name, True)
    if text.resolved:
        if not any(getattr(text, name) for name in EFFECTS):
            raise InputError(
                f"{ref('resolved')} says observed effects resolved: give {ref('sedation')}, {ref('dissociation')} "
                f"or {ref('respiratory_depression')} with it",
                "resolved",
            )
        out.resolved = True
    events = []
    for event in text.ae or ():
        cleaned = " ".join(str(event).split())
        if not cleaned or len(cleaned) > MAX_AE or any(not ch.isprintable() for ch in cleaned):
            raise InputError(
                f"{ref('ae')} {quoted(event)}: describe the adverse event in 1-{MAX_AE} printable characters "
                "(no names or other identifiers)",
                "ae",
            )
        events.append(cleaned)
    out.adverse_events = tuple(events)
    if text.lot is not None:
        lot = str(text.lot).strip()
        if not LOT_PATTERN.fullmatch(lot):
            raise InputError(
                f"{ref('lot')} {quoted(text.lot)} is not a lot number (1-20 letters, digits or '-')", "lot"
            )
        out.lot = lot
    if text.concomitant is not None:
        out.concomitant = parse_concomitant(text.concomitant)
    return out


def parse_concomitant(text: str) -> tuple[str, ...]:
    items = [part.strip().lower() for part in str(text).split(",") if part.strip()]
    if items == ["none"]:
        return ()
    unknown = [item for item in items if item not in CONCOMITANT]
    if not items or unknown:
        raise InputError(
            f"{ref('concomitant')} {quoted(unknown[0] if unknown else text)} is not a category the form asks about; "
            f"use a comma list of {', '.join(CONCOMITANT)}, or none",
            "concomitant",
        )
    if len(set(items)) != len(items):
        raise InputError(f"{ref('concomitant')} names a category twice", "concomitant")
    return tuple(sorted(items, key=list(CONCOMITANT).index))


# --------------------------------------------------------------------------- alerts


@dataclass(eq=False, repr=False)
class SessionAlert:
    """An alert about one session's monitoring, with the sources of its rule."""

    id: str
    text: str
    sources: tuple[Reference, ...]
    session: str  # "session 3" or "extra session x7"
    date: date


def monitoring_alerts(
    monitoring: Monitoring,
    *,
    esketamine: bool,
    observation_minutes: int,
    protocol_id: str,
    where: str,
    day: date,
) -> list[SessionAlert]:
    """The alerts one session's monitoring raises (the rule and its source in each)."""
    out: list[SessionAlert] = []

    def add(id_: str, text: str, *sources: Reference) -> None:
        out.append(SessionAlert(id_, f"{where} ({day.isoformat()}): {text}", tuple(sources), where, day))

    racemic_note = (
        ""
        if esketamine
        else " (the SPRAVATO label's threshold, used by ketplan for racemic ketamine: no "
        "racemic-specific threshold was found)"
    )
    pre = monitoring.bp_pre
    if pre is not None and (pre.systolic > PRE_DOSE_LIMIT[0] or pre.diastolic > PRE_DOSE_LIMIT[1]):
        add(
            "bp-pre-high",
            f"blood pressure before dosing {pre} mmHg is above about 140/90 mmHg: weigh the risk of a short-term "
            f"rise in blood pressure against the benefit before dosing{racemic_note}.",
            SPRAVATO_BP,
        )
    outliers = []
    for name in ("bp_40", "bp_discharge"):
        reading = getattr(monitoring, name)
        if reading is None:
            continue
        if pre is not None:
            rise_s, rise_d = reading.systolic - pre.systolic, reading.diastolic - pre.diastolic
            if rise_s >= RISE_LIMIT[0]:
                outliers.append(f"systolic rise of {rise_s} mmHg {READING_NAMES[name]} ({pre} -> {reading})")
            if rise_d >= RISE_LIMIT[1]:
                outliers.append(f"diastolic rise of {rise_d} mmHg {READING_NAMES[name]} ({pre} -> {reading})")
        if reading.systolic >= ABSOLUTE_LIMIT[0]:
            outliers.append(f"systolic {reading.systolic} mmHg {READING_NAMES[name]}")
        if reading.diastolic >= ABSOLUTE_LIMIT[1]:
            outliers.append(f"diastolic {reading.diastolic} mmHg {READING_NAMES[name]}")
    if outliers:
        add(
            "bp-outlier",
            "; ".join(outliers) + ": beyond the label's clinical-trial outlier thresholds (rise >= 40 systolic or "
            ">= 25 diastolic, or >= 180/110 mmHg; Table 6). Keep monitoring until values are consistent at a safe "
            f"level and review before the next session{racemic_note}.",
            SPRAVATO_TABLE6,
        )
    if monitoring.minutes is not None:
        if esketamine and monitoring.minutes < REMS_MINUTES:
            add(
                "monitoring-short",
                f"monitoring lasted {monitoring.minutes} min, less than the 120 min the REMS requires (at least "
                "2 hours and until sedation, dissociation and respiratory depression resolve).",
                FDA_REMS,
            )
        elif not esketamine and observation_minutes and monitoring.minutes < observation_minutes:
            add(
                "monitoring-short",
                f"observation lasted {monitoring.minutes} min, less than the {observation_minutes} min of the "
                f"protocol's own observation time ({protocol_id}).",
                Reference(
                    key=f"protocol-{protocol_id}",
                    citation=f"ketplan protocol {protocol_id}: session observation time "
                    f"{observation_minutes} min (see 'ketplan protocols {protocol_id}')",
                ),
            )
    observed = monitoring.observed
    if observed and not monitoring.resolved:
        add(
            "effects-observed",
            f"{', '.join(observed)} observed: confirm it resolved before discharge, and record it "
            "(--resolved on a monitoring entry for this session).",
            FDA_REMS,
        )
    return out


def alerts_text(alerts: Iterable[SessionAlert]) -> list[str]:
    lines = []
    for alert in alerts:
        lines.append(f"Alert: {alert.text}")
        lines += [f"    source: {s.citation} {s.link}".rstrip() for s in alert.sources]
    return lines


# --------------------------------------------------------------------------- monitoring of the record


def session_monitoring(entries: Sequence[Any]) -> dict[str, tuple[Monitoring, tuple[int, ...]]]:
    """Each given session's key ("3", "x7": core.course.key_of) -> its monitoring (the standing `given`
    entry's, with later `monitoring` entries for the session laid over it) and the seqs of the entries
    it comes from."""
    roots = extra_roots(entries)
    standing = effective(entries)
    out: dict[str, tuple[Monitoring, tuple[int, ...]]] = {}
    given: set[str] = set()
    for entry in standing:
        key = key_of(entry, roots) if entry.kind == GIVEN else None
        if key is None:
            continue
        given.add(key)
        payload = entry.payload.get("monitoring")
        if payload:
            out[key] = (Monitoring.from_payload(payload), (entry.seq,))
    for entry in standing:
        key = key_of(entry, roots) if entry.kind == MONITORING else None
        if key is None or key not in given:
            continue
        before, seqs = out.get(key, (Monitoring(), ()))
        out[key] = (before.updated(Monitoring.from_payload(entry.payload.get("monitoring"))), (*seqs, entry.seq))
    return out


def alerts_for_session(plan: Any, entries: Sequence[Any], key: str) -> list[SessionAlert]:
    """The monitoring alerts of the given session `key` ("3" or "x7") as the record stands."""
    found = session_monitoring(entries).get(key)
    given = given_sessions(entries).get(key)
    if found is None or given is None:
        return []
    n = planned_number(key)
    session = plan.session(n) if n is not None else None
    if n is not None and session is None:
        return []
    # An extra session is observed as the protocol's sessions are (the same time in each planned session).
    template = session or next(iter(plan.sessions), None) or next(iter(plan.cancelled), None)
    return monitoring_alerts(
        found[0],
        esketamine=plan.is_esketamine,
        observation_minutes=template.observation_minutes if template is not None else 0,
        protocol_id=plan.protocol_id,
        where=session_name(key),
        day=given.session_date or (session.date if session is not None else given.recorded_at.date()),
    )


def last_session_alerts(plan: Any, entries: Sequence[Any], views: Sequence[Any]) -> list[SessionAlert]:
    """The monitoring alerts of the last given session, planned or extra (what `course status` and
    `clinic today` show)."""
    given = [v for v in views if v.status == "given"]
    if not given:
        return []
    return alerts_for_session(plan, entries, given[-1].session_key)
