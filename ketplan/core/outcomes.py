"""Outcome scores: PHQ-9, MADRS, QIDS-SR16 and GAD-7 entered with a course, and what follows from them.

Pure. A score is an entry of kind `score` (payload: scale, total, items when given). Baseline is
the earliest-dated score of the scale (flagged when it is not before session 1); for each scale:
change from baseline, response (>= 50 % reduction) and remission, each with its source. MADRS
remission has two published thresholds: <= 10 (ESCAPE-TRD, KADS) and <= 12 (SPRAVATO TRANSFORM
programme); the course chooses (default 10) and the threshold shown names its source.

Measures are due at baseline, at the end of induction (the end of the protocol's first phase) and
every N weeks after it (N = 4, a ketplan default, set per course); a score within 7 days of a due
date (also a ketplan default) satisfies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ketplan.core.errors import InputError, quoted, ref
from ketplan.core.references import Reference

SCORE = "score"  # entry kind
SETTINGS = "settings"  # entry kind: course settings (setting, measure interval, MADRS remission threshold)
MEASURE_EVERY_WEEKS = 4  # ketplan default
MEASURE_WINDOW_DAYS = 7  # ketplan default
MADRS_THRESHOLDS = (10, 12)

NQF_1885 = Reference(
    key="nqf-1885",
    citation="NQF 1885 (ACP performance measure): depression response, >= 50 % reduction in PHQ-9 from baseline",
    url="https://www.acponline.org/clinical-information/performance-measures/depression-response-at-twelve-months-progress-towards-remission",
)
NQF_0710 = Reference(
    key="nqf-0710",
    citation="CMS159 / NQF 0710: depression remission, PHQ-9 < 5",
    url="https://qpp.cms.gov/docs/ecqm-specs/2017/EC_CMS159v5_NQF0710_Dep_Rem_12/CMS159v5.html",
)
KROENKE_2001 = Reference(
    key="kroenke2001",
    citation="Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613 "
    "(severity 5/10/15/20: mild/moderate/moderately severe/severe)",
    doi="10.1046/j.1525-1497.2001.016009606.x",
)
SPITZER_2006 = Reference(
    key="spitzer2006",
    citation="Spitzer RL et al. A brief measure for assessing generalized anxiety disorder: the GAD-7. "
    "Arch Intern Med 2006;166:1092-1097 (cut points 5/10/15: mild/moderate/severe)",
    doi="10.1001/archinte.166.10.1092",
)
ESCAPE_TRD = Reference(
    key="escape-trd",
    citation="Reif A et al. ESCAPE-TRD, N Engl J Med 2023: remission MADRS <= 10",
    doi="10.1056/NEJMoa2304145",
)
KADS = Reference(
    key="kads",
    citation="Loo C et al. KADS, Br J Psychiatry 2023: remission MADRS <= 10 at week 4",
    doi="10.1192/bjp.2023.79",
)
TRANSFORM = Reference(
    key="transform",
    citation="SPRAVATO TRANSFORM programme (benefit-risk, Clin Pharmacol Ther 2020): response >= 50 % MADRS "
    "reduction, remission MADRS <= 12",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC7894501/table/cpt2024-tbl-0002",
)
ELEKT_D = Reference(
    key="elekt-d",
    citation="Anand A et al. ELEKT-D, N Engl J Med 2023: response >= 50 % reduction in QIDS-SR16",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
)
BOXED_WARNING = Reference(
    key="spravato-pi-boxed",
    citation="SPRAVATO US prescribing information, boxed warning: suicidal thoughts and behaviours; monitor for "
    "worsening and emergence of suicidal thoughts and behaviours",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
)
EVALUATE_BENEFIT = Reference(
    key="spravato-pi-induction",
    citation="SPRAVATO US prescribing information, section 2: evaluate therapeutic benefit at the end of the "
    "induction phase to determine the need for continued treatment",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
)


@dataclass(eq=False, repr=False)
class Scale:
    key: str
    name: str
    low: int
    high: int
    items: int | None  # number of items when entered item by item (0-3 each)
    depression: bool
    response_sources: tuple[Reference, ...]
    bands: tuple[tuple[int, str], ...] = ()
    band_source: Reference | None = None


SCALES: dict[str, Scale] = {
    "phq9": Scale(
        "phq9",
        "PHQ-9",
        0,
        27,
        9,
        True,
        (NQF_1885,),
        ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
        KROENKE_2001,
    ),
    "madrs": Scale("madrs", "MADRS", 0, 60, None, True, (TRANSFORM,)),
    "qids": Scale("qids", "QIDS-SR16", 0, 27, None, True, (ELEKT_D,)),
    "gad7": Scale(
        "gad7",
        "GAD-7",
        0,
        21,
        7,
        False,
        (),
        ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
        SPITZER_2006,
    ),
}


def band(scale: Scale, total: int) -> str | None:
    found = None
    for low, name in scale.bands:
        if total >= low:
            found = name
    return found


@dataclass(eq=False, repr=False)
class ScoreText:
    """`course score` options as typed."""

    phq9: str | None = None
    phq9_total: int | None = None
    madrs: int | None = None
    qids: int | None = None
    gad7: str | None = None
    gad7_total: int | None = None


def check_scores(text: ScoreText) -> list[dict[str, Any]]:
    """Each scale given -> {scale, total, items?}; wrong item counts and out-of-range values refused."""
    out: list[dict[str, Any]] = []
    if text.phq9 is not None and text.phq9_total is not None:
        raise InputError(f"give {ref('phq9')} items or {ref('phq9_total')}, not both", "phq9")
    if text.gad7 is not None and text.gad7_total is not None:
        raise InputError(f"give {ref('gad7')} items or {ref('gad7_total')}, not both", "gad7")
    for key, field_ in (("phq9", "phq9"), ("gad7", "gad7")):
        items_text = getattr(text, field_)
        if items_text is not None:
            scale = SCALES[key]
            items = _items(items_text, scale, field_)
            out.append({"scale": key, "total": sum(items), "items": items})
    for key, field_ in (("phq9", "phq9_total"), ("madrs", "madrs"), ("qids", "qids"), ("gad7", "gad7_total")):
        value = getattr(text, field_)
        if value is not None:
            scale = SCALES[key]
            if isinstance(value, bool) or not scale.low <= int(value) <= scale.high:
                raise InputError(f"{ref(field_)} {value}: a {scale.name} total runs {scale.low}-{scale.high}", field_)
            out.append({"scale": key, "total": int(value)})
    if not out:
        raise InputError(
            f"give a score: {ref('phq9')} ITEMS, {ref('phq9_total')} N, {ref('madrs')} N, {ref('qids')} N, "
            f"{ref('gad7')} ITEMS or {ref('gad7_total')} N",
            "phq9",
        )
    return out


def _items(text: str, scale: Scale, field_: str) -> list[int]:
    parts = [p.strip() for p in str(text).replace(" ", ",").split(",") if p.strip()]
    if len(parts) != scale.items:
        raise InputError(
            f"{ref(field_)} {quoted(text)}: {scale.name} has {scale.items} items, {len(parts)} given; "
            f"give each item 0-3 in order, e.g. {','.join(['1'] * (scale.items or 0))}",
            field_,
        )
    items = []
    for i, part in enumerate(parts, 1):
        if part not in ("0", "1", "2", "3"):
            raise InputError(f"{ref(field_)}: item {i} is {quoted(part)}; each {scale.name} item is 0-3", field_)
        items.append(int(part))
    return items


# --------------------------------------------------------------------------- course settings


@dataclass(eq=False, repr=False)
class CourseSettings:
    setting_changes: tuple[tuple[date, str], ...] = ()  # (from, outpatient|inpatient), in order
    measure_every_weeks: int = MEASURE_EVERY_WEEKS
    measure_every_default: bool = True
    madrs_remission: int = MADRS_THRESHOLDS[0]
    madrs_default: bool = True

    def setting_on(self, day: date) -> str:
        current = "outpatient"
        for start, value in self.setting_changes:
            if start <= day:
                current = value
        return current


def settings_from(entries: Sequence[Any]) -> CourseSettings:
    from ketplan.core.course import effective

    out = CourseSettings()
    changes: list[tuple[date, str]] = []
    for entry in effective(entries):
        if entry.kind != SETTINGS:
            continue
        payload = entry.payload
        if payload.get("setting"):
            start = date.fromisoformat(payload["from"]) if payload.get("from") else date.min
            changes.append((start, payload["setting"]))
        if payload.get("measure_every_weeks"):
            out.measure_every_weeks, out.measure_every_default = int(payload["measure_every_weeks"]), False
        if payload.get("madrs_remission"):
            out.madrs_remission, out.madrs_default = int(payload["madrs_remission"]), False
    changes.sort(key=lambda c: c[0])
    out.setting_changes = tuple(changes)
    return out


def check_settings(
    setting: str | None, measure_every: int | None, madrs_remission: int | None, start: date | None
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if setting is not None:
        cleaned = setting.strip().lower()
        if cleaned not in ("outpatient", "inpatient"):
            raise InputError(f"{ref('setting')} {quoted(setting)}: use outpatient or inpatient", "setting")
        payload["setting"] = cleaned
        if start is not None:
            payload["from"] = start.isoformat()
    elif start is not None:
        raise InputError(f"{ref('from')} says from when {ref('setting')} applies; give {ref('setting')}", "from")
    if measure_every is not None:
        if isinstance(measure_every, bool) or not 1 <= measure_every <= 26:
            raise InputError(
                f"{ref('measure_every')} {measure_every}: give weeks between measures, 1-26", "measure_every"
            )
        payload["measure_every_weeks"] = int(measure_every)
    if madrs_remission is not None:
        if madrs_remission not in MADRS_THRESHOLDS:
            raise InputError(
                f"{ref('madrs_remission')} {madrs_remission}: use 10 (ESCAPE-TRD, KADS) or 12 (SPRAVATO TRANSFORM)",
                "madrs_remission",
            )
        payload["madrs_remission"] = int(madrs_remission)
    return payload


# --------------------------------------------------------------------------- outcomes


@dataclass(eq=False, repr=False)
class Point:
    day: date
    total: int
    entry: int
    items: tuple[int, ...] | None = None


@dataclass(eq=False, repr=False)
class Outcome:
    scale: Scale
    points: tuple[Point, ...]
    baseline: Point
    baseline_before_treatment: bool
    latest: Point
    change_pct: float | None
    response: bool | None
    remission: bool | None
    threshold: str | None
    sources: tuple[Reference, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def score_points(entries: Sequence[Any]) -> dict[str, list[Point]]:
    from ketplan.core.course import effective

    out: dict[str, list[Point]] = {}
    for entry in effective(entries):
        if entry.kind != SCORE or entry.session_date is None:
            continue
        payload = entry.payload
        items = tuple(payload["items"]) if payload.get("items") else None
        out.setdefault(payload["scale"], []).append(Point(entry.session_date, int(payload["total"]), entry.seq, items))
    for points in out.values():
        points.sort(key=lambda p: (p.day, p.entry))
    return out


def remission_rule(scale: Scale, settings: CourseSettings) -> tuple[str | None, tuple[Reference, ...], Any]:
    """(threshold text, sources, predicate on the latest total) for a scale's remission."""
    if scale.key == "phq9":
        return "PHQ-9 < 5", (NQF_0710,), lambda total: total < 5
    if scale.key == "madrs":
        limit = settings.madrs_remission
        sources = (ESCAPE_TRD, KADS) if limit == 10 else (TRANSFORM,)
        named = "ESCAPE-TRD, KADS" if limit == 10 else "SPRAVATO TRANSFORM"
        chosen = "ketplan default" if settings.madrs_default else "chosen for this course"
        return f"MADRS <= {limit} ({named}; {chosen})", sources, lambda total: total <= limit
    return None, (), None


def outcomes(entries: Sequence[Any], first_session: date | None, settings: CourseSettings) -> list[Outcome]:
    out = []
    for key, points in score_points(entries).items():
        scale = SCALES[key]
        baseline, latest = points[0], points[-1]
        before = first_session is None or baseline.day <= first_session
        notes = []
        if not before:
            notes.append(f"baseline {baseline.day.isoformat()} is after session 1: the first recorded score is used")
        change = None
        if baseline.total > 0 and len(points) > 1:
            change = round(100.0 * (latest.total - baseline.total) / baseline.total, 1)
        response = None
        sources: list[Reference] = []
        if len(points) > 1 and scale.response_sources and baseline.total > 0:
            response = latest.total <= baseline.total * 0.5
            sources += scale.response_sources
        threshold, remission_sources, predicate = remission_rule(scale, settings)
        remission = predicate(latest.total) if predicate is not None and len(points) > 1 else None
        sources += [s for s in remission_sources if s not in sources]
        if scale.band_source is not None:
            sources.append(scale.band_source)
        if not scale.response_sources:
            notes.append(f"no response or remission definition for {scale.name} in ketplan's sources: change only")
        out.append(
            Outcome(
                scale=scale,
                points=tuple(points),
                baseline=baseline,
                baseline_before_treatment=before,
                latest=latest,
                change_pct=change,
                response=response,
                remission=remission,
                threshold=threshold,
                sources=tuple(sources),
                notes=tuple(notes),
            )
        )
    order = list(SCALES)
    out.sort(key=lambda o: order.index(o.scale.key))
    return out


def item9_alerts(entries: Sequence[Any]) -> list[tuple[date, int, int]]:
    """(day, item 9 answer, entry) of the latest PHQ-9 entered item by item, when item 9 is above 0."""
    points = [p for p in score_points(entries).get("phq9", []) if p.items]
    if not points:
        return []
    latest = points[-1]
    assert latest.items is not None
    return [(latest.day, latest.items[8], latest.entry)] if latest.items[8] > 0 else []


def item9_text(day: date, answer: int) -> str:
    return (
        f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered {answer} on {day.isoformat()}: "
        "assess suicidal ideation and behaviour now, the same day."
    )


# --------------------------------------------------------------------------- measures due


@dataclass(eq=False, repr=False)
class Measure:
    id: str
    title: str
    due: date
    status: str  # done, due, overdue, upcoming
    done_on: date | None
    ketplan_default: bool
    why: str


def induction_end(plan: Any) -> tuple[date | None, str | None]:
    """The date of the last session of the protocol's first phase (the end of induction)."""
    if not plan.phases:
        return None, None
    first = plan.phases[0].name
    sessions = [s for s in plan.sessions if s.phase == first]
    if not sessions or (len(plan.phases) == 1 and plan.phases[0].open_ended):
        return None, first
    return sessions[-1].date, first


def measures(plan: Any, entries: Sequence[Any], settings: CourseSettings, today: date) -> list[Measure]:
    days = sorted({p.day for key, pts in score_points(entries).items() if SCALES[key].depression for p in pts})
    window = timedelta(days=MEASURE_WINDOW_DAYS)
    out: list[Measure] = []

    def state(due: date, *, before_only: bool = False) -> tuple[str, date | None]:
        if before_only:
            found = [d for d in days if d <= due]
        else:
            found = [d for d in days if due - window <= d <= due + window]
        if found:
            return "done", found[-1] if before_only else found[0]
        if today > due + (timedelta(0) if before_only else window):
            return "overdue", None
        if today >= due - window:
            return "due", None
        return "upcoming", None

    if plan.sessions:
        first = plan.sessions[0].date
        status, done = state(first, before_only=True)
        out.append(
            Measure(
                "measure-baseline",
                "Depression score at baseline (before session 1)",
                first,
                status,
                done,
                False,
                "Baseline for response and remission",
            )
        )
    end, phase = induction_end(plan)
    if end is not None:
        status, done = state(end)
        out.append(
            Measure(
                "measure-end-of-induction",
                f"Depression score at the end of induction ({phase})",
                end,
                status,
                done,
                False,
                "Input to the label's 'evaluate benefit at the end of induction'",
            )
        )
        step = timedelta(weeks=settings.measure_every_weeks)
        due = end + step
        horizon = plan.sessions[-1].date
        while due <= horizon:
            status, done = state(due)
            out.append(
                Measure(
                    "measure-periodic",
                    f"Depression score every {settings.measure_every_weeks} weeks",
                    due,
                    status,
                    done,
                    settings.measure_every_default,
                    f"every {settings.measure_every_weeks} weeks after induction: "
                    + (
                        "a ketplan default (course settings --measure-every)"
                        if settings.measure_every_default
                        else "set for this course"
                    ),
                )
            )
            due += step
    return out


@dataclass(eq=False, repr=False)
class Benefit:
    day: date
    text: str
    benefit: str  # "response", "none", "no scores"
    sources: tuple[Reference, ...] = (EVALUATE_BENEFIT,)


def benefit_statement(plan: Any, results: Sequence[Outcome], today: date) -> Benefit | None:
    """At or after the end of induction: what the record shows, as input to the label's checkpoint."""
    end, phase = induction_end(plan)
    if end is None or today < end:
        return None
    window = timedelta(days=MEASURE_WINDOW_DAYS)
    parts, verdicts = [], []
    for outcome in results:
        if not outcome.scale.depression:
            continue
        near = [p for p in outcome.points if p.day <= end + window]
        if len(near) < 2:
            continue
        last = near[-1]
        base = outcome.baseline
        pct = round(100.0 * (last.total - base.total) / base.total, 1) if base.total else None
        responded = base.total > 0 and last.total <= base.total * 0.5
        verdicts.append("response" if responded else "none")
        parts.append(
            f"{outcome.scale.name} {base.total} -> {last.total} ({pct:+g} %)"
            if pct is not None
            else f"{outcome.scale.name} {base.total} -> {last.total}"
        )
    if not parts:
        return Benefit(
            end,
            f"End of induction ({phase}) on {end.isoformat()}: the record has no depression scores before and at "
            "the end of induction; enter them (ketplan course score) to evaluate benefit.",
            "no scores",
        )
    verdict = "response" if "response" in verdicts else "none"
    words = {
        "response": "shows a response (>= 50 % reduction from baseline) on at least one scale",
        "none": "shows no response (less than a 50 % reduction from baseline) on any scale",
    }
    return Benefit(
        end,
        f"End of induction ({phase}) on {end.isoformat()}: {'; '.join(parts)}; the record {words[verdict]}. "
        "Input to the label's checkpoint (evaluate evidence of therapeutic benefit to decide whether to continue), "
        "not a decision.",
        verdict,
    )
