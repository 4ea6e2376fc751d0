"""Outcome scores, measures due and the end-of-induction statement as JSON values and plain text
(for `course status`; issue 14). JSON keys are a contract: add keys, never rename."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketplan.core.outcomes import Benefit, Measure, Outcome


def outcome_document(outcome: Outcome) -> dict[str, Any]:
    from ketplan.core.outcomes import band

    scale = outcome.scale
    return {
        "scale": scale.key,
        "name": scale.name,
        "range": [scale.low, scale.high],
        "baseline": {"date": outcome.baseline.day.isoformat(), "total": outcome.baseline.total},
        "baseline_before_treatment": outcome.baseline_before_treatment,
        "latest": {
            "date": outcome.latest.day.isoformat(),
            "total": outcome.latest.total,
            "severity": band(scale, outcome.latest.total),
        },
        "change_pct": outcome.change_pct,
        "response": outcome.response,
        "response_rule": ">= 50 % reduction from baseline" if scale.response_sources else None,
        "remission": outcome.remission,
        "threshold": outcome.threshold,
        "values": [{"date": p.day.isoformat(), "total": p.total, "entry": p.entry} for p in outcome.points],
        "notes": list(outcome.notes),
        "sources": [{"key": s.key, "citation": s.citation, "url": s.link} for s in outcome.sources],
    }


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int], low: int, high: int) -> str:
    span = max(high - low, 1)
    return "".join(SPARKS[min(len(SPARKS) - 1, int((v - low) * (len(SPARKS) - 1) / span + 0.5))] for v in values)


def outcomes_text(status: Any) -> list[str]:
    lines: list[str] = []
    if status.outcomes:
        lines += ["", "Outcomes (baseline -> latest; response >= 50 % reduction)"]
        for o in status.outcomes:
            values = [p.total for p in o.points]
            change = "" if o.change_pct is None else f" ({o.change_pct:+g} %)"
            flags = []
            if o.response is not None:
                flags.append("response" if o.response else "no response")
            if o.remission is not None:
                flags.append(("remission" if o.remission else "no remission") + f" [{o.threshold}]")
            lines.append(
                f"- {o.scale.name:<9} {sparkline(values, o.scale.low, o.scale.high)}  "
                f"{o.baseline.total} -> {o.latest.total}{change}"
                + (f"; {', '.join(flags)}" if flags else "")
                + f"  ({', '.join(f'{p.day.isoformat()[5:]}: {p.total}' for p in o.points)})"
            )
            lines += [f"    note: {n}" for n in o.notes]
            lines += [f"    source: {s.citation} {s.link}".rstrip() for s in o.sources]
    open_measures = [m for m in status.measures if m.status in ("due", "overdue", "upcoming")][:3]
    if status.measures:
        lines += ["", "Measures (depression score checkpoints)"]
        for m in [x for x in status.measures if x.status == "done"][-2:] + open_measures:
            done = f" on {m.done_on.isoformat()}" if m.done_on else ""
            lines.append(
                f"- {m.due.isoformat()}  {m.status + done:<18} {m.title}"
                + (" (ketplan default)" if m.ketplan_default else "")
            )
    if status.benefit is not None:
        lines += ["", "End of induction", f"- {status.benefit.text}"]
        lines += [f"    source: {s.citation} {s.link}".rstrip() for s in status.benefit.sources]
    return lines


def measure_document(m: Measure) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "due": m.due.isoformat(),
        "status": m.status,
        "done_on": None if m.done_on is None else m.done_on.isoformat(),
        "ketplan_default": m.ketplan_default,
        "why": m.why,
    }


def benefit_document(b: Benefit | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "date": b.day.isoformat(),
        "benefit": b.benefit,
        "text": b.text,
        "sources": [{"key": s.key, "citation": s.citation, "url": s.link} for s in b.sources],
    }


def entry_details(e: Any) -> list[str]:
    out: list[str] = []
    m = e.payload.get("monitoring")
    if m:
        for key, name in (("bp_pre", "BP pre"), ("bp_40", "BP 40 min"), ("bp_discharge", "BP discharge")):
            if key in m:
                out.append(f"{name} {m[key]['systolic']}/{m[key]['diastolic']}")
        if "pulse_ox" in m:
            out.append(f"SpO2 {m['pulse_ox']} %")
        if "minutes" in m:
            out.append(f"monitored {m['minutes']} min")
        observed = [k.replace("_", " ") for k in ("sedation", "dissociation", "respiratory_depression") if m.get(k)]
        if observed:
            out.append(", ".join(observed) + (" (resolved)" if m.get("resolved") else ""))
        if m.get("adverse_events"):
            out.append("AE: " + "; ".join(m["adverse_events"]))
        if m.get("lot"):
            out.append(f"lot {m['lot']}")
        if "concomitant" in m:
            out.append("concomitant: " + (", ".join(m["concomitant"]) or "none"))
    if e.kind == "score":
        out.append(f"{e.payload.get('scale')} {e.payload.get('total')}")
        if e.payload.get("items"):
            out.append("items " + ",".join(str(i) for i in e.payload["items"]))
    if e.kind == "settings":
        out += [f"{k} {v}" for k, v in e.payload.items() if k != "note"]
    if e.kind == "rems-submitted":
        out.append(f"form submitted on {e.payload.get('submitted_on')}")
    return out
