"""Treatment courses: between the `course` commands and the core and store.

Text options in, results out. Every command is one store transaction. The clock is read here
(never in the core): `now()` is UTC, and "today" is the date in the course's own time zone.
KETPLAN_NOW (an ISO 8601 time with a zone, e.g. 2026-12-15T10:00:00Z) fixes the clock for
reproducible examples and tests.

`record` and `status` never rebuild the plan: they read the stored plan revision (sessions and
the dose limits it was planned under), so they stay fast and import nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ketplan.core.course import (
    CREATED,
    REPLAN,
    CoursePlan,
    CourseStatus,
    Entry,
    NewEntry,
    RecordRequest,
    course_status,
    record_entry,
    summarize,
)
from ketplan.core.errors import InputError, quoted, ref
from ketplan.io.store.base import EXPORT_FORMAT, EXPORT_VERSION, CourseRecord, Revision, Store, StoreError

if TYPE_CHECKING:
    from ketplan.app.planning import PlanOptions

# Start-up: `record` and `status` run many times a day. What only `new`, `replan` or bad input
# needs (the planning layer, date parsing, secrets) is imported where it is used.


def check_label(label: str | None) -> str | None:
    from ketplan.app.planning import check_label as check

    return check(label)


def parse_iso_date(text: str, field: str):
    from ketplan.core.dates import parse_iso_date as parse

    return parse(text, field)


def parse_clock(text: str, field: str):
    from ketplan.core.dates import parse_clock as parse

    return parse(text, field)


def now(environ: Mapping[str, str] = os.environ) -> datetime:
    fixed = environ.get("KETPLAN_NOW", "").strip()
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"KETPLAN_NOW {quoted(fixed)} is not an ISO 8601 time such as 2026-12-15T10:00:00Z"
            ) from None
        if moment.tzinfo is None:
            raise InputError(f"KETPLAN_NOW {quoted(fixed)} has no time zone; add Z or an offset")
        return moment.astimezone(UTC)
    return datetime.now(UTC)


def today_in(zone: str, moment: datetime) -> date:
    if zone in ("UTC", "Etc/UTC"):
        return moment.astimezone(UTC).date()
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).date()


@dataclass(eq=False, repr=False)
class Loaded:
    course: CourseRecord
    revision: Revision
    plan: CoursePlan
    entries: list[Entry]


def _load(store: Store, label: str) -> Loaded:
    course = store.get_course(label.strip())  # a stored label passed check_label when it was created
    cleaned = label.strip()
    if course is None:
        cleaned = check_label(label) or ""
        course = store.get_course(cleaned)
    if course is None:
        raise InputError(f"no course {quoted(cleaned)} in the store (see 'ketplan course list')", "label")
    revision = store.latest_revision(course.id)
    if revision is None:
        raise StoreError(f"course {cleaned!r} has no plan revision: the store is damaged")
    return Loaded(course, revision, CoursePlan.from_dict(revision.plan), store.entries_for(course.id))


def _save_summary(store: Store, course_id: str, plan: CoursePlan, entries: Sequence[Entry]) -> None:
    store.put_summary(course_id, summarize(plan, entries))


# --------------------------------------------------------------------------- new


def snapshot(plan: Any) -> CoursePlan:
    """The stored form of a freshly built core Plan."""
    from ketplan.core.course import CourseSession, DoseRule, PhaseRule
    from ketplan.core.protocol import FixedDose

    protocol = plan.protocol
    rule = protocol.dose
    if isinstance(rule, FixedDose):
        dose = DoseRule(
            kind="fixed",
            route=protocol.route.value,
            first_dose_mg=plan.sessions[0].dose_mg and int(plan.sessions[0].dose_mg),
            allowed_mg=tuple(rule.allowed_mg),
            older_adult_first_dose_mg=rule.older_adult_first_dose_mg,
            escalate_only_after_first=rule.escalate_only_after_first,
        )
    else:
        dose = DoseRule(
            kind="weight",
            route=protocol.route.value,
            min_mg_per_kg=rule.min_mg_per_kg,
            max_mg_per_kg=rule.max_mg_per_kg,
            dosing_weight_kg=plan.dose.dosing_weight_kg if plan.dose is not None else None,
        )
    return CoursePlan(
        protocol_id=protocol.id,
        protocol_title=protocol.title,
        drug=protocol.drug.value,
        route=protocol.route.value,
        timezone=plan.timezone,
        time=plan.time,
        weekdays=tuple(plan.weekdays),
        first_day=plan.first_day,
        horizon_end=plan.end,
        every_weeks=plan.every_weeks,
        phases=tuple(
            PhaseRule(
                name=p.name,
                sessions_per_week=p.sessions_per_week,
                interval_weeks=p.interval_weeks,
                weeks=p.weeks,
                open_ended=p.open_ended,
                min_gap_days=p.min_gap_days,
                interval_weeks_allowed=tuple(p.interval_weeks_allowed or ()),
            )
            for p in protocol.phases
        ),
        dose=dose,
        sessions=tuple(
            CourseSession(
                n=s.n,
                phase=s.phase,
                phase_session=s.phase_session,
                phase_sessions=s.phase_sessions,
                date=s.date,
                start=s.start,
                end=s.end,
                dose_mg=s.dose_mg,
                devices=s.devices,
                mg_per_kg=s.mg_per_kg,
                drug_volume_ml=s.drug_volume_ml,
                administration_minutes=s.administration_minutes,
                observation_minutes=s.observation_minutes,
                moved_from=s.moved_from,
                reason=s.reason,
                notes=s.notes,
            )
            for s in plan.sessions
        ),
        age=getattr(plan, "age", None),
    )


def options_document(options: PlanOptions) -> dict[str, Any]:
    return {k: v for k, v in asdict(options).items() if v not in (None, [])}


def options_from_document(document: Mapping[str, Any]) -> PlanOptions:
    from ketplan.app.planning import PlanOptions

    known = {f.name for f in fields(PlanOptions)}
    return PlanOptions(**{k: v for k, v in document.items() if k in known})


def new_course(
    store: Store,
    label: str,
    options: PlanOptions,
    *,
    default_zone: str,
    moment: datetime,
    profile=None,
    settings: dict[str, Any] | None = None,
):
    """Plan exactly like `ketplan plan` and store the course; returns (course, core Plan).

    The options stored are the effective ones: the clinic profile's values in effect (zone,
    days, closures, IV preparation, setting) are frozen into them, so a later change of the
    profile does not move the course's sessions and a replan keeps its clinic calendar.
    `settings` (issue 14: setting, measure interval, MADRS remission) is stored as a settings entry."""
    import secrets
    from dataclasses import replace

    from ketplan.app.planning import plan_from_text

    cleaned = check_label(label)
    assert cleaned is not None
    if options.label is not None:
        raise InputError(f"the course label is the LABEL argument; do not give {ref('label')} as well", "label")
    options = replace(options, label=cleaned)
    if profile is not None:
        from ketplan.app.planning import frozen_options

        plan = plan_from_text(options, default_zone=default_zone, profile=profile)
        options = frozen_options(options, default_zone=default_zone, profile=profile)
    else:
        plan = plan_from_text(options, default_zone=default_zone)
    stored_plan = replace(snapshot(plan), age=options.age)
    # The zone is frozen at creation: the course keeps its clinic's zone on any machine.
    stored_options = options_document(replace(options, tz=plan.timezone))
    with store.transaction(write=True):
        if store.get_course(cleaned) is not None:
            raise InputError(
                f"a course with label {quoted(cleaned)} exists already (see 'ketplan course list')", "label"
            )
        course = CourseRecord(
            id=secrets.token_hex(8),
            label=cleaned,
            protocol_id=plan.protocol.id,
            options=stored_options,
            created_at=moment,
        )
        store.create_course(course)
        entry = store.append_entry(course.id, NewEntry(CREATED, {"options": stored_options}), moment)
        store.add_revision(course.id, Revision(1, entry.seq, moment, stored_plan.to_dict()))
        if getattr(plan, "setting", "outpatient") == "inpatient" and not (settings or {}).get("setting"):
            settings = {**(settings or {}), "setting": "inpatient"}  # the plan's setting (PlanOptions.setting)
        if settings:
            from ketplan.core.outcomes import SETTINGS

            store.append_entry(course.id, NewEntry(SETTINGS, dict(settings)), moment)
        _save_summary(store, course.id, stored_plan, [entry])
    return course, plan


# --------------------------------------------------------------------------- record


@dataclass(eq=False, repr=False)
class RecordOptions:
    given: bool = False
    missed: bool = False
    session: int | str | None = None  # a planned session's number, or "x7": an extra session's key
    date: str | None = None
    dose: float | None = None
    mg_per_kg: float | None = None
    time: str | None = None
    note: str | None = None
    by: str | None = None
    corrects: int | None = None
    sessions: str | None = None  # "1-8" or "1,2,5": several sessions at their planned doses
    monitoring: Any = None  # a core.monitoring.MonitoringText (issue 14)


def parse_sessions(text: str) -> list[int]:
    """'1-8' or '1,3,5-7' -> [1, 2, ...]: session numbers, ascending, each once."""
    numbers: list[int] = []
    for part in str(text).split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last) if dash else int(first)
        except ValueError:
            raise InputError(
                f"{ref('sessions')} {quoted(text)} is not a list of sessions such as 1-8 or 1,2,5", "sessions"
            ) from None
        if low < 1 or high < low or high - low > 500:
            raise InputError(f"{ref('sessions')} {quoted(text)}: give ranges such as 1-8, low to high", "sessions")
        numbers.extend(range(low, high + 1))
    if len(set(numbers)) != len(numbers):
        raise InputError(f"{ref('sessions')} {quoted(text)} names a session twice", "sessions")
    return sorted(numbers)


def record_many(store: Store, label: str, options: RecordOptions, *, moment: datetime):
    """`--sessions 1-8 --given`: each session at its planned dose, one entry each, all or nothing."""
    if options.session is not None or options.date is not None or options.corrects is not None:
        raise InputError(
            f"{ref('sessions')} cannot be combined with {ref('session')}, {ref('date')} or {ref('corrects')}",
            "sessions",
        )
    if options.dose is not None or options.mg_per_kg is not None or options.time is not None:
        raise InputError(
            f"{ref('sessions')} records the planned doses; record a different dose with {ref('session')} N", "sessions"
        )
    if options.given == options.missed:
        raise InputError(f"give exactly one of {ref('given')} or {ref('missed')}", "given")
    numbers = parse_sessions(options.sessions or "")
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        entries = list(loaded.entries)
        added = []
        for n in numbers:
            request = RecordRequest(given=options.given, session_n=n, note=options.note, by=options.by)
            new = record_entry(loaded.plan, entries, request, today)
            entry = store.append_entry(loaded.course.id, new, moment)
            entries.append(entry)
            added.append(entry)
        _save_summary(store, loaded.course.id, loaded.plan, entries)
        status = course_status(loaded.course.label, loaded.plan, entries, today)
    kind = "given" if options.given else "missed"
    message = f"entries {added[0].seq}-{added[-1].seq}: recorded sessions {options.sessions} as {kind}"
    return added, message, status


def record(store: Store, label: str, options: RecordOptions, *, moment: datetime) -> tuple[Entry, str, CourseStatus]:
    key = None
    if options.session is not None:
        from ketplan.core.course import parse_session_key

        key = parse_session_key(options.session)  # "3", or "x7": an extra session (monitoring data only)
        if key.startswith("x") and (options.given or options.missed):
            raise InputError(
                f"{ref('session')} {key} names an extra session: monitoring options alone add to it; to change the "
                f"session itself, record it again with {ref('date')} YYYY-MM-DD {ref('given')} {ref('corrects')} "
                "ENTRY",
                "session",
            )
        options = replace(options, session=key)
    monitoring = None
    if options.monitoring is not None and options.monitoring.given():
        from ketplan.app.rems import check_record_monitoring, record_monitoring

        monitoring = check_record_monitoring(options)
        if not options.given and not options.missed:
            return record_monitoring(store, label, options, monitoring, moment=moment)
    if options.sessions is not None:
        added, message, status = record_many(store, label, options, moment=moment)
        return added[-1], message, status
    if key is not None and key.startswith("x"):
        raise InputError(
            f"{ref('session')} {key} names an extra session: give monitoring options to add to it", "session"
        )
    if options.given == options.missed:
        raise InputError(f"give exactly one of {ref('given')} or {ref('missed')}", "given")
    day = parse_iso_date(options.date, "date") if options.date is not None else None
    clock = parse_clock(options.time, "time") if options.time is not None else None
    request = RecordRequest(
        given=options.given,
        session_n=int(key) if key is not None else None,
        day=day,
        dose_mg=options.dose,
        mg_per_kg=options.mg_per_kg,
        time=clock,
        note=options.note,
        by=options.by,
        corrects=options.corrects,
    )
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        new = record_entry(loaded.plan, loaded.entries, request, today)
        if monitoring is not None:
            new.payload["monitoring"] = monitoring.to_payload()
        entry = store.append_entry(loaded.course.id, new, moment)
        entries = [*loaded.entries, entry]
        _save_summary(store, loaded.course.id, loaded.plan, entries)
        status = course_status(loaded.course.label, loaded.plan, entries, today)
    message = f"entry {entry.seq}: {new.message}"
    if entry.corrects is not None:
        message += f" (supersedes entry {entry.corrects})"
    return entry, message, status


# --------------------------------------------------------------------------- status, list, log


def status(store: Store, label: str, *, moment: datetime) -> CourseStatus:
    with store.transaction(write=False):
        loaded = _load(store, label)
    return course_status(loaded.course.label, loaded.plan, loaded.entries, today_in(loaded.plan.timezone, moment))


@dataclass(eq=False, repr=False)
class ListRow:
    label: str
    protocol: str
    first_session: date | None
    last_session: date | None
    given: int
    missed: int
    remaining: int
    unrecorded: int
    next_due: date | None


def list_courses(store: Store, *, moment: datetime) -> list[ListRow]:
    with store.transaction(write=False):
        rows = store.list_courses()
        out = []
        zones: dict[str, date] = {}
        for row in rows:
            summary = row.summary
            zone = str(row.timezone or "UTC")
            if zone not in zones:
                zones[zone] = today_in(zone, moment)
            today = zones[zone]
            if summary is None:  # a course whose summary is missing: computed (slowly) from its record
                loaded = _load(store, row.label)
                summary = summarize(loaded.plan, loaded.entries)
            out.append(
                ListRow(
                    label=row.label,
                    protocol=row.protocol_id,
                    first_session=summary.first_session,
                    last_session=summary.last_session,
                    given=summary.given,
                    missed=summary.missed,
                    remaining=summary.remaining(today),
                    unrecorded=summary.unrecorded(today),
                    next_due=summary.next_due(today),
                )
            )
    return out


def log(store: Store, label: str) -> tuple[CourseRecord, list[Entry]]:
    with store.transaction(write=False):
        loaded = _load(store, label)
    return loaded.course, loaded.entries


def show(store: Store, label: str, *, moment: datetime) -> tuple[Loaded, list[Revision], CourseStatus]:
    with store.transaction(write=False):
        loaded = _load(store, label)
        revisions = store.revisions_for(loaded.course.id)
    today = today_in(loaded.plan.timezone, moment)
    return loaded, revisions, course_status(loaded.course.label, loaded.plan, loaded.entries, today)


def session_sheet(store: Store, label: str, session_n: int):
    """Session `session_n` of the course's current plan (its latest revision, so a replan counts)
    with its dose worked out for the nurse's preparation sheet (ketplan.core.session_sheet).

    The dose comes from the course's stored options (weight, height, basis, vial strength,
    final volume, infusion time: the clinic profile's values were frozen into them at `course
    new`) through the planning path, at the session's own mg/kg. The record keeps no weight
    update, so the weight is the course's, dated by the course's creation."""
    from ketplan.app.planning import plan_request_from_text
    from ketplan.core.session_sheet import find_session, prepare_session

    with store.transaction(write=False):
        loaded = _load(store, label)
    find_session(loaded.plan, session_n)  # a wrong number is refused before any protocol is read
    request = plan_request_from_text(options_from_document(loaded.course.options), default_zone=loaded.plan.timezone)
    return prepare_session(
        loaded.course.label,
        loaded.plan,
        loaded.entries,
        session_n,
        request,
        weight_recorded_on=today_in(loaded.plan.timezone, loaded.course.created_at),
        plan_revision=loaded.revision.revision,
    )


# --------------------------------------------------------------------------- replan


@dataclass(eq=False, repr=False)
class ReplanOptions:
    from_date: str | None = None
    step_back: bool = False
    every: int | None = None
    dose: int | None = None
    days: str | None = None
    make_up: bool = False


def replan(store: Store, label: str, options: ReplanOptions, *, default_zone: str, moment: datetime):
    from ketplan.app.planning import plan_request_from_text
    from ketplan.core.replan import ReplanRequest, replan_course
    from ketplan.core.schedule import parse_weekdays

    start = parse_iso_date(options.from_date, "from") if options.from_date is not None else None
    weekdays = parse_weekdays(options.days, "days") if options.days is not None else None
    request = ReplanRequest(
        from_date=start,
        step_back=options.step_back,
        every=options.every,
        dose_mg=options.dose,
        weekdays=weekdays,
        make_up=options.make_up,
    )
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        stored = options_from_document(loaded.course.options)
        calendar = plan_request_from_text(stored, default_zone=default_zone).calendar
        result = replan_course(loaded.plan, loaded.entries, request, calendar, today)
        payload: dict[str, Any] = {
            "from": result.start.isoformat(),
            "step_back": options.step_back,
            "every": options.every,
            "dose": options.dose,
            "days": options.days,
            "make_up": options.make_up,
            "made_up": [result.made_up] if result.made_up is not None else [],
            "applied": [a.id for a in result.applied],
            "moved": result.moved,
            "added": result.added,
            "cancelled": result.cancelled,
        }
        entry = store.append_entry(loaded.course.id, NewEntry(REPLAN, payload), moment)
        plan = loaded.plan
        if result.changed or result.plan.to_dict() != loaded.plan.to_dict():
            plan = result.plan
            store.add_revision(
                loaded.course.id, Revision(loaded.revision.revision + 1, entry.seq, moment, plan.to_dict())
            )
        entries = [*loaded.entries, entry]
        _save_summary(store, loaded.course.id, plan, entries)
        after = course_status(loaded.course.label, plan, entries, today)
    return result, entry, after


# --------------------------------------------------------------------------- export / import


def export(store: Store, labels: Sequence[str] | None, *, moment: datetime) -> dict[str, Any]:
    from ketplan import __version__

    with store.transaction(write=False):
        version = store.schema_version()
        courses = list(store.export_courses([check_label(x) or x for x in labels] if labels is not None else None))
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "schema_version": version,
        "ketplan_version": __version__,
        "exported_at": moment.isoformat().replace("+00:00", "Z"),
        "courses": courses,
    }


def import_courses(store: Store, document: Any, *, replace_existing: bool) -> list[str]:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InputError(f'the file is not a ketplan course export (no "format": "{EXPORT_FORMAT}")', "file")
    version = document.get("version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise InputError(
            f"the export is version {version!r}; this ketplan reads versions up to {EXPORT_VERSION}: upgrade ketplan",
            "file",
        )
    courses = document.get("courses")
    if not isinstance(courses, list):
        raise InputError("the export has no list of courses", "file")
    imported = []
    with store.transaction(write=True):
        for item in courses:
            if not isinstance(item, dict):
                raise InputError("a course in the export is not an object", "file")
            label = check_label(str(item.get("label", "")))
            existing = store.get_course(label or "")
            if existing is not None:
                if not replace_existing:
                    raise InputError(
                        f"a course with label {quoted(label)} exists already; nothing was imported "
                        f"(use {ref('replace')} to replace it)",
                        "replace",
                    )
                store.delete_course(existing.id)
            course = store.import_course(item)
            latest = store.latest_revision(course.id)
            assert latest is not None
            try:
                plan = CoursePlan.from_dict(latest.plan)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise InputError(
                    f"course {quoted(course.label)} in the file has an unreadable plan; nothing was imported", "file"
                ) from None
            _save_summary(store, course.id, plan, store.entries_for(course.id))
            imported.append(course.label)
    return imported
