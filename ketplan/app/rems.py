"""Session monitoring, REMS forms and course settings: between the commands and the core and store (issue 14).

Text options in, results out; every command one store transaction; nothing is written when
anything is refused. The clock is read by the caller (`moment`); "today" is the course's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ketplan.app.course import Loaded, RecordOptions, _load, _save_summary, parse_iso_date, today_in
from ketplan.core.course import GIVEN, Entry, NewEntry, check_by, course_status, effective
from ketplan.core.errors import InputError, ref
from ketplan.core.monitoring import MONITORING, Monitoring, check_monitoring
from ketplan.io.store.base import Store

# --------------------------------------------------------------------------- monitoring


def check_record_monitoring(options: RecordOptions) -> Monitoring:
    """Monitoring options checked before anything is read or written."""
    if options.sessions is not None:
        raise InputError(
            f"monitoring data belong to one session: use {ref('session')} N, not {ref('sessions')}", "sessions"
        )
    if options.missed:
        raise InputError(
            f"monitoring data ({ref('bp_pre')}, {ref('monitoring_minutes')} ...) go with {ref('given')}: a missed "
            "session has none",
            "missed",
        )
    return check_monitoring(options.monitoring)


def record_monitoring(store: Store, label: str, options: RecordOptions, monitoring: Monitoring, *, moment: datetime):
    """Monitoring data added to a session already recorded as given (a `monitoring` entry); `options.session`
    is the session's key ("3", or "x7" for an extra session)."""
    from ketplan.core.course import EXTRA_ENTRY, extra_roots, key_of, no_extra_session, planned_number, session_name

    if options.session is None:
        raise InputError(
            f"give {ref('session')} N (or xE for an extra session) to add monitoring data to a given session, or "
            f"record the session with {ref('given')} and the monitoring options together",
            "session",
        )
    key = str(options.session)
    name = session_name(key)
    for option in ("dose", "mg_per_kg", "time", "date"):
        if getattr(options, option) is not None:
            raise InputError(
                f"{ref(option)} goes with {ref('given')}; monitoring data alone add to {name} as recorded",
                option,
            )
    from ketplan.core.course import check_note

    n = planned_number(key)
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        roots = extra_roots(loaded.entries)
        standing = [e for e in effective(loaded.entries) if key_of(e, roots) == key]
        given = next((e for e in standing if e.kind == GIVEN), None)
        if n is not None:
            session = loaded.plan.session(n)
            if session is None:
                last = loaded.plan.sessions[-1].n if loaded.plan.sessions else 0
                raise InputError(f"{ref('session')} {n}: the course has sessions 1-{last}", "session")
            if given is None:
                state = "missed" if any(e.kind == "missed" for e in standing) else "not recorded as given"
                raise InputError(
                    f"session {n} ({session.date.isoformat()}) is {state}: monitoring data follow a given "
                    f"session (record it with {ref('given')} and the monitoring options)",
                    "session",
                )
        elif given is None:
            raise no_extra_session(key, loaded.entries)
        corrects = options.corrects
        if corrects is not None:
            target = next((e for e in loaded.entries if e.seq == corrects), None)
            if target is None or target.kind != MONITORING or key_of(target, roots) != key:
                raise InputError(
                    f"{ref('corrects')} {corrects}: not a monitoring entry of {name} (see ketplan course log)",
                    "corrects",
                )
        payload: dict[str, Any] = {"monitoring": monitoring.to_payload()}
        if n is None:
            payload[EXTRA_ENTRY] = int(key[1:])
        note = check_note(options.note)
        if note is not None:
            payload["note"] = note
        new = NewEntry(
            MONITORING,
            payload,
            session_n=n,
            session_date=given.session_date,
            by=check_by(options.by),
            corrects=corrects,
        )
        entry = store.append_entry(loaded.course.id, new, moment)
        entries = [*loaded.entries, entry]
        _save_summary(store, loaded.course.id, loaded.plan, entries)
        status = course_status(loaded.course.label, loaded.plan, entries, today)
    message = f"entry {entry.seq}: recorded monitoring data for {name}"
    if corrects is not None:
        message += f" (supersedes entry {corrects})"
    return entry, message, status


def session_alerts(store: Store, label: str, entry: Entry) -> list:
    """The monitoring alerts of the session an entry just recorded is about, as the record now stands."""
    from ketplan.core.course import extra_roots, key_of
    from ketplan.core.monitoring import alerts_for_session

    with store.transaction(write=False):
        loaded = _load(store, label)
    key = key_of(entry, extra_roots(loaded.entries))
    if key is None:
        return []
    return alerts_for_session(loaded.plan, loaded.entries, key)


# --------------------------------------------------------------------------- settings


def settings_payload(setting: str | None, measure_every: int | None, madrs_remission: int | None, start: str | None):
    from ketplan.core.outcomes import check_settings

    day = parse_iso_date(start, "from") if start is not None else None
    return check_settings(setting, measure_every, madrs_remission, day)


def change_settings(store: Store, label: str, payload: dict[str, Any], *, by: str | None, moment: datetime):
    from ketplan.core.outcomes import SETTINGS, settings_from

    if not payload:
        raise InputError(
            f"give {ref('setting')}, {ref('measure_every')} or {ref('madrs_remission')} to change", "setting"
        )
    with store.transaction(write=True):
        loaded = _load(store, label)
        entry = store.append_entry(loaded.course.id, NewEntry(SETTINGS, payload, by=check_by(by)), moment)
        entries = [*loaded.entries, entry]
    return entry, settings_from(entries)


def current_settings(store: Store, label: str):
    from ketplan.core.outcomes import settings_from

    with store.transaction(write=False):
        loaded = _load(store, label)
    return loaded.course.label, settings_from(loaded.entries)


# --------------------------------------------------------------------------- REMS forms


def forms_due(store: Store, *, within: int | None, moment: datetime, on: date | None = None) -> list[Any]:
    """Every course's given outpatient esketamine sessions whose form is not marked submitted:
    overdue first, then by due date; `within` keeps forms due within that many days (and all overdue)."""
    from ketplan.core.outcomes import settings_from
    from ketplan.core.rems import forms

    if within is not None and (isinstance(within, bool) or not 0 <= within <= 365):
        raise InputError(f"{ref('within')} {within}: give days, 0-365", "within")
    out = []
    with store.transaction(write=False):
        for row in store.list_courses():
            loaded = _load(store, row.label)
            if not loaded.plan.is_esketamine:
                continue
            today = on or today_in(loaded.plan.timezone, moment)
            for form in forms(loaded.course.label, loaded.plan, loaded.entries, settings_from(loaded.entries), today):
                if form.submitted_on is not None:
                    continue
                if within is not None and form.days_left > within:
                    continue
                out.append(form)
    out.sort(key=lambda f: (not f.overdue, *f.order))
    return out


def mark_submitted(
    store: Store,
    label: str,
    session: int | str,
    *,
    on: str | None,
    by: str | None,
    corrects: int | None,
    moment: datetime,
):
    """`session`: a planned session's number, or an extra session's key ("x7")."""
    from ketplan.core.course import parse_session_key, planned_number, session_name
    from ketplan.core.outcomes import settings_from
    from ketplan.core.rems import SUBMITTED, check_submission, form_session

    key = parse_session_key(session)
    day = parse_iso_date(on, "date") if on is not None else None
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        when = day or today
        settings = settings_from(loaded.entries)
        payload = check_submission(loaded.plan, loaded.entries, settings, key, when, today, corrects)
        given = form_session(loaded.plan, loaded.entries, settings, key)
        entry = store.append_entry(
            loaded.course.id,
            NewEntry(
                SUBMITTED,
                payload,
                session_n=planned_number(key),
                session_date=given.session_date,
                by=check_by(by),
                corrects=corrects,
            ),
            moment,
        )
    message = (
        f"entry {entry.seq}: REMS Patient Monitoring Form of {session_name(key)} marked submitted on {when.isoformat()}"
    )
    if corrects is not None:
        message += f" (supersedes entry {corrects})"
    return loaded.course.label, entry, message


def form(store: Store, label: str, session: int | str, *, moment: datetime) -> dict[str, Any]:
    """The worksheet of a planned session's number or an extra session's key ("x7")."""
    from ketplan.core.course import parse_session_key
    from ketplan.core.outcomes import settings_from
    from ketplan.core.rems import worksheet

    key = parse_session_key(session)
    with store.transaction(write=False):
        loaded = _load(store, label)
    today = today_in(loaded.plan.timezone, moment)
    return worksheet(loaded.course.label, loaded.plan, loaded.entries, settings_from(loaded.entries), key, today)


def loaded_courses(store: Store) -> Sequence[Loaded]:
    with store.transaction(write=False):
        return [_load(store, row.label) for row in store.list_courses()]
