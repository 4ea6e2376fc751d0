"""iCalendar export: round trip through icalendar, RFC 5545 form, DST, injection, stability."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from ketplan.core import zones
from ketplan.core.errors import InputError, ProtocolError
from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.protocol import parse_protocol
from ketplan.core.schedule import ClinicCalendar
from ketplan.export.ics import (
    CATEGORY_CHECKPOINT,
    CATEGORY_SESSION,
    DEFAULT_REMINDERS,
    PRODID,
    Reminder,
    parse_reminders,
    plan_to_ics,
    stamp_from,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEDULES = ROOT / "protocols"
STAMP = datetime(2026, 11, 1, tzinfo=UTC)


def protocol(name: str = "esketamine-trd", replace: tuple[str, str] | None = None):
    path = SCHEDULES / f"{name}.toml"
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    text = path.read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    return parse_protocol(text, path.name)


def esk_plan(**overrides):
    request = {
        "protocol": protocol(),
        "start": date(2026, 12, 1),
        "timezone": "Europe/Brussels",
        "weekdays": (1, 4),
        "label": "P01",
    }
    request.update(overrides)
    return build_plan(PlanRequest(**request))


def export(plan, reminders=DEFAULT_REMINDERS, stamp=STAMP) -> bytes:
    return plan_to_ics(plan, stamp=stamp, reminders=reminders)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def cats(event) -> list[str]:
    return [str(c) for c in event.get("CATEGORIES").cats]


def sessions_of(cal) -> list:
    return [e for e in cal.walk("VEVENT") if CATEGORY_SESSION in cats(e)]


def checkpoints_of(cal) -> list:
    return [e for e in cal.walk("VEVENT") if CATEGORY_CHECKPOINT in cats(e)]


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def top_level_properties(data: bytes, component: str) -> list[list[str]]:
    """For every `component`, the property lines that belong to it directly (not to a sub-component)."""
    out: list[list[str]] = []
    stack: list[str] = []
    for line in unfolded_lines(data):
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
            if stack[-1] == component:
                out.append([])
        elif line.startswith("END:"):
            stack.pop()
        elif stack and stack[-1] == component:
            out[-1].append(line)
    return out


# --------------------------------------------------------------------------- structure


def test_calendar_header():
    data = export(esk_plan())
    cal = parse(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == PRODID
    assert re.fullmatch(r"-//ketplan//.+//EN", PRODID)
    assert "UID" not in cal
    name = unescape(str(cal["X-WR-CALNAME"]))
    assert name.startswith("P01 – ") and "Esketamine" in name
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Brussels"]
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert data.count(b"BEGIN:VCALENDAR") == 1


def test_round_trip_sessions_equal_the_plan():
    plan = esk_plan()
    cal = parse(export(plan))
    events = sessions_of(cal)
    assert len(events) == len(plan.sessions)
    for event, session in zip(events, plan.sessions, strict=False):
        assert event.start == session.start
        assert event.end == session.end
        assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
        assert event["DTEND"].params["TZID"] == "Europe/Brussels"
        assert event.start.tzinfo.key == "Europe/Brussels"
        assert event.start.time() == time(9, 0)
        assert f"{session.phase} {session.phase_session}/{session.phase_sessions}" in str(event["SUMMARY"])
        assert f"{session.dose_mg:g} mg" in str(event["SUMMARY"])
        assert str(event["STATUS"]) == "CONFIRMED"


def test_round_trip_matches_the_json_plan():
    import json

    jsonout = pytest.importorskip("ketplan.export.jsonout")
    if not hasattr(jsonout, "plan_document"):
        pytest.skip("no JSON plan document yet")
    plan = esk_plan(dose_mg=84, calendar=ClinicCalendar(closed_dates={date(2026, 12, 25): "closed"}))
    document = json.loads(jsonout.dumps(jsonout.plan_document(plan)))
    cal = parse(export(plan))
    events = sessions_of(cal)
    assert len(events) == len(document["sessions"])
    for event, doc in zip(events, document["sessions"], strict=False):
        assert event.start.isoformat() == doc["start"]
        assert event.end.isoformat() == doc["end"]
        assert f"{doc['phase']} {doc['phase_session']}/{doc['phase_sessions']}" in str(event["SUMMARY"])
        assert f"{doc['dose_mg']:g} mg" in str(event["SUMMARY"])
        if doc["moved_from"]:
            assert f"Moved from {date.fromisoformat(doc['moved_from']).strftime('%a')} {doc['moved_from']}" in str(
                event["DESCRIPTION"]
            )
    checkpoints = checkpoints_of(cal)
    assert [(e.start.isoformat(), str(e["SUMMARY"])) for e in checkpoints] == [
        (doc["date"], f"P01: {doc['title']}") for doc in document["checkpoints"]
    ]


def test_summary_reads_like_the_issue():
    plan = esk_plan(label=None)
    events = sessions_of(parse(export(plan)))
    assert str(events[2]["SUMMARY"]) == "Esketamine 56 mg (2 devices) – induction 3/8"


def test_every_vevent_has_exactly_one_uid_and_dtstamp():
    data = export(esk_plan())
    events = top_level_properties(data, "VEVENT")
    assert events
    for props in events:
        names = [re.split(r"[;:]", p, maxsplit=1)[0] for p in props]
        assert names.count("UID") == 1
        assert names.count("DTSTAMP") == 1
        assert names.count("DTSTART") == 1
        assert names.count("DTEND") == 1
    uids = [str(e["UID"]) for e in parse(data).walk("VEVENT")]
    assert len(uids) == len(set(uids))
    assert all(u.endswith("@ketplan") for u in uids)


def test_lines_folded_at_75_octets_with_crlf():
    plan = esk_plan(label="Pätient-Ωmega – " + "é" * 80)
    data = export(plan)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert max(len(line) for line in lines) <= 75
    assert any(len(line) == 75 for line in lines)  # long lines are folded, not just short ones
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-octet character


def test_events_in_date_order():
    plan = esk_plan()
    cal = parse(export(plan))
    days = [
        e.start if isinstance(e.start, date) and not isinstance(e.start, datetime) else e.start.date()
        for e in cal.walk("VEVENT")
    ]
    assert days == sorted(days)
    assert len(days) == len(plan.sessions) + len(plan.checkpoints)


# --------------------------------------------------------------------------- content


def test_84_mg_session_lasts_2h10():
    plan = esk_plan(dose_mg=84)
    events = sessions_of(parse(export(plan)))
    assert plan.sessions[0].dose_mg == 56 and plan.sessions[1].dose_mg == 84
    assert events[0].end - events[0].start == timedelta(hours=2, minutes=5)
    assert events[1].end - events[1].start == timedelta(hours=2, minutes=10)
    assert "Esketamine 84 mg (3 devices)" in str(events[1]["SUMMARY"])


def test_description_holds_preparation_monitoring_warnings_references():
    plan = esk_plan()
    event = sessions_of(parse(export(plan)))[0]
    text = str(event["DESCRIPTION"])
    assert "07:00 No food for at least 2 hours before dosing." in text
    assert "08:30 No liquids for at least 30 minutes" in text
    assert "08:00 Take any nasal corticosteroid" in text
    assert "Arrange a ride home" in text
    assert "09:40 (+40 min) Blood pressure about 40 minutes after dosing" in text
    assert "Boxed warning" in text
    # Leaner events (issue 12): a short source line per event, the full references once per calendar.
    url = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed"
    assert url not in text
    assert "Sources: " in text
    calendar = str(parse(export(plan))["DESCRIPTION"])
    assert url in calendar
    assert "Evidence: label" in text
    assert "administration 5 min + observation 120 min" in text
    assert "Clinical decision support only" in text


def test_moved_session_says_from_when_and_why():
    closure = {date(2026, 12, 25): "staff training"}
    plan = esk_plan(calendar=ClinicCalendar(closed_dates=closure))
    moved = [s for s in plan.sessions if s.moved_from == date(2026, 12, 25)]
    assert moved
    event = sessions_of(parse(export(plan)))[moved[0].n - 1]
    assert "Moved from Fri 2026-12-25 because: staff training." in str(event["DESCRIPTION"])


def test_preliminary_evidence_warning_in_every_session():
    from pathlib import Path

    sc = parse_protocol(Path("protocols/sc-racemic.toml").read_text(encoding="utf-8"), "sc-racemic.toml")
    plan = build_plan(PlanRequest(protocol=sc, start=date(2026, 12, 1), timezone="UTC", weight_kg=70.0))
    events = sessions_of(parse(export(plan)))
    assert len(events) == len(plan.sessions) == 8
    for event in events:
        assert "PRELIMINARY evidence" in str(event["DESCRIPTION"])


def test_a_preliminary_protocol_without_its_warning_is_refused():
    with pytest.raises(ProtocolError) as error:
        protocol(replace=('evidence = "label"', 'evidence = "preliminary"'))
    assert "PRELIMINARY" in str(error.value)


def test_no_label_no_name_leak():
    plan = esk_plan(label=None)
    data = export(plan)
    assert b"Plan:" not in data
    assert unescape(str(parse(data)["X-WR-CALNAME"])) == plan.protocol.title


# --------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize(
    "zone", ["Europe/Brussels", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "UTC"]
)
def test_checkpoints_all_day_on_their_dates_in_every_zone(zone):
    plan = esk_plan(timezone=zone)
    cal = parse(export(plan))
    events = checkpoints_of(cal)
    assert len(events) == len(plan.checkpoints)
    assert {c.id for c in plan.checkpoints} >= {"rems-enrolment", "rems-form", "end-of-induction", "luts-screen"}
    for event, checkpoint in zip(events, plan.checkpoints, strict=False):
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert type(event.start) is date and event.start == checkpoint.date
        assert event.end == checkpoint.date + timedelta(days=1)
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert not event.walk("VALARM")
    # session times stay local in every zone
    for event, session in zip(sessions_of(cal), plan.sessions, strict=False):
        assert event.start == session.start and event.start.astimezone(ZoneInfo(zone)).time() == time(9, 0)


def test_checkpoint_text():
    plan = esk_plan()
    events = checkpoints_of(parse(export(plan)))
    form = next(e for e in events if "REMS Patient Monitoring Form due (session 1)" in str(e["SUMMARY"]))
    assert form.start == plan.sessions[0].date + timedelta(days=7)
    assert "within 7 days" in str(form["DESCRIPTION"])
    assert "Session 1" in str(form["DESCRIPTION"])
    luts = next(e for e in events if "urinary" in str(e["SUMMARY"]))
    assert "ketplan default" in str(luts["DESCRIPTION"])


# --------------------------------------------------------------------------- DST


def test_dst_week_brussels_keeps_local_time():
    plan = esk_plan(start=date(2027, 3, 15), weekdays=(0, 3), weeks=4)
    events = sessions_of(parse(export(plan)))
    before = [e for e in events if e.start.date() < date(2027, 3, 28)]
    after = [e for e in events if e.start.date() > date(2027, 3, 28)]
    assert before and after
    for e in events:
        assert e.start.time() == time(9, 0)
        assert e["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert {e.start.utcoffset() for e in before} == {timedelta(hours=1)}
    assert {e.start.utcoffset() for e in after} == {timedelta(hours=2)}
    assert {e.start.astimezone(UTC).hour for e in before} == {8}
    assert {e.start.astimezone(UTC).hour for e in after} == {7}


def test_dst_week_new_york_keeps_local_time():
    plan = esk_plan(start=date(2027, 3, 8), weekdays=(0, 3), weeks=3, timezone="America/New_York")
    data = export(plan)
    cal = parse(data)
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["America/New_York"]
    events = sessions_of(cal)
    assert {e.start.time() for e in events} == {time(9, 0)}
    offsets = {e.start.date() < date(2027, 3, 14): e.start.utcoffset() for e in events}
    assert offsets == {True: timedelta(hours=-5), False: timedelta(hours=-4)}
    assert b"DTSTART;TZID=America/New_York:20270315T090000" in data


def test_evening_alarm_is_18h_local_the_day_before_even_across_dst():
    # Thursday and Sunday sessions: Sunday 2027-03-28 is the day the clocks go forward.
    plan = esk_plan(
        start=date(2027, 3, 15), weekdays=(3, 6), weeks=3, calendar=ClinicCalendar(closed_weekdays=frozenset())
    )
    assert any(s.date == date(2027, 3, 28) for s in plan.sessions)
    zone = ZoneInfo("Europe/Brussels")
    events = sessions_of(parse(export(plan, reminders=(Reminder(evening_before=True),))))
    triggers = set()
    for event in events:
        (alarm,) = event.walk("VALARM")
        trigger = alarm["TRIGGER"].dt
        assert trigger < timedelta(0)
        fires = (event.start.astimezone(UTC) + trigger).astimezone(zone)
        assert fires.date() == event.start.date() - timedelta(days=1)
        assert fires.time() == time(18, 0)
        triggers.add(trigger)
    assert triggers == {-timedelta(hours=15), -timedelta(hours=14)}


# --------------------------------------------------------------------------- reminders


def test_default_reminders():
    data = export(esk_plan())
    for event in sessions_of(parse(data)):
        alarms = event.walk("VALARM")
        assert len(alarms) == 2
        for alarm in alarms:
            assert str(alarm["ACTION"]) == "DISPLAY"
            assert str(alarm["DESCRIPTION"]).strip()
            assert alarm["TRIGGER"].dt < timedelta(0)
        assert sorted(a["TRIGGER"].dt for a in alarms) == [-timedelta(hours=15), -timedelta(hours=1)]
        evening = next(a for a in alarms if a["TRIGGER"].dt == -timedelta(hours=15))
        # Leaner alarms (issue 12): one line each; the preparation is in the event, once.
        assert str(evening["DESCRIPTION"]).startswith("Tomorrow ")
        assert "Preparation: see the event." in str(evening["DESCRIPTION"])
        assert "No food" not in str(evening["DESCRIPTION"])
        assert "No food" in str(event["DESCRIPTION"])
    for props in top_level_properties(data, "VALARM"):
        names = [re.split(r"[;:]", p, maxsplit=1)[0] for p in props]
        assert names.count("ACTION") == names.count("TRIGGER") == names.count("DESCRIPTION") == 1
    assert b"TRIGGER:P\r\n" not in data and b"TRIGGER:-P\r\n" not in data and b"PT0S" not in data


def test_no_reminders():
    data = export(esk_plan(), reminders=())
    assert b"VALARM" not in data


def test_custom_reminders():
    data = export(esk_plan(), reminders=parse_reminders("90m,1d"))
    assert b"TRIGGER:-PT1H30M\r\n" in data and b"TRIGGER:-P1D\r\n" in data
    event = sessions_of(parse(data))[0]
    assert len(event.walk("VALARM")) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default", (Reminder(evening_before=True), Reminder(minutes_before=60))),
        (" Default ", (Reminder(evening_before=True), Reminder(minutes_before=60))),
        ("none", ()),
        ("evening", (Reminder(evening_before=True),)),
        ("90m", (Reminder(minutes_before=90),)),
        ("2h", (Reminder(minutes_before=120),)),
        ("1h30m", (Reminder(minutes_before=90),)),
        ("1d", (Reminder(minutes_before=1440),)),
        ("7d", (Reminder(minutes_before=7 * 1440),)),
        ("evening, 30m", (Reminder(evening_before=True), Reminder(minutes_before=30))),
    ],
)
def test_parse_reminders_accepts(text, expected):
    assert parse_reminders(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "0m",
        "0h0m",
        "-5m",
        "8d",
        "7d1m",
        "evening,evening",
        "60m,1h",
        "default,90m",
        "none,evening",
        "90",
        "1.5h",
        "90m,",
        "m",
        "1x",
        "h1",
    ],
)
def test_parse_reminders_refuses(text):
    with pytest.raises(InputError) as caught:
        parse_reminders(text)
    assert caught.value.field == "remind"
    assert "\n" not in caught.value.message
    assert "--remind" in caught.value.message


def test_reminder_needs_one_kind():
    with pytest.raises(ValueError):
        Reminder()
    with pytest.raises(ValueError):
        Reminder(minutes_before=0)


# --------------------------------------------------------------------------- stamp


NOW = datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def test_stamp_from_iso():
    assert stamp_from("2026-11-01T00:00:00Z", {}, NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert stamp_from("2026-11-01T01:00:00+01:00", {}, NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert stamp_from("2026-11-01T00:00:00.999Z", {}, NOW).microsecond == 0
    assert stamp_from("2026-11-01T00:00:00Z", {}, NOW).tzinfo is UTC
    # --stamp wins over SOURCE_DATE_EPOCH
    assert stamp_from("2026-11-01T00:00:00Z", {"SOURCE_DATE_EPOCH": "0"}, NOW).year == 2026


def test_stamp_from_source_date_epoch_and_now():
    assert stamp_from(None, {"SOURCE_DATE_EPOCH": "1793491200"}, NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert stamp_from(None, {}, NOW) == NOW.replace(microsecond=0)
    assert stamp_from(None, {"SOURCE_DATE_EPOCH": ""}, NOW) == NOW.replace(microsecond=0)
    with pytest.raises(ValueError):
        stamp_from(None, {}, datetime(2030, 1, 1))


@pytest.mark.parametrize("value", ["2026-11-01T00:00:00", "2026-11-01", "yesterday", "", "2026-13-01T00:00:00Z"])
def test_stamp_from_refuses(value):
    with pytest.raises(InputError) as caught:
        stamp_from(value, {}, NOW)
    assert caught.value.field == "stamp"
    assert "\n" not in caught.value.message


def test_stamp_naive_says_add_z():
    with pytest.raises(InputError, match="add Z"):
        stamp_from("2026-11-01T00:00:00", {}, NOW)


@pytest.mark.parametrize("epoch", ["abc", "-1", "1.5", "99999999999999"])
def test_source_date_epoch_refused(epoch):
    with pytest.raises(InputError) as caught:
        stamp_from(None, {"SOURCE_DATE_EPOCH": epoch}, NOW)
    assert caught.value.field == "stamp" and "SOURCE_DATE_EPOCH" in caught.value.message


# --------------------------------------------------------------------------- stability


def test_same_stamp_byte_identical():
    assert export(esk_plan()) == export(esk_plan())


def test_uids_stable_across_stamps_and_dtstamp_is_the_stamp():
    plan = esk_plan()
    first = parse(export(plan, stamp=STAMP))
    second = parse(export(plan, stamp=STAMP + timedelta(days=30)))
    assert [str(e["UID"]) for e in first.walk("VEVENT")] == [str(e["UID"]) for e in second.walk("VEVENT")]
    assert {e["DTSTAMP"].dt for e in first.walk("VEVENT")} == {STAMP}
    assert {e["DTSTAMP"].dt for e in second.walk("VEVENT")} == {STAMP + timedelta(days=30)}


def test_uids_depend_on_label_not_on_start_and_survive_a_moved_session():
    base = esk_plan()
    uids = [str(e["UID"]) for e in sessions_of(parse(export(base)))]
    moved = esk_plan(calendar=ClinicCalendar(closed_dates={date(2026, 12, 4): "closed"}))
    assert moved.sessions[1].moved_from == date(2026, 12, 4)
    assert [str(e["UID"]) for e in sessions_of(parse(export(moved)))] == uids
    other_label = [str(e["UID"]) for e in sessions_of(parse(export(esk_plan(label="P02"))))]
    assert not set(other_label) & set(uids)
    # Issue 12: a plan without a course is keyed by label + protocol + session place, so a
    # --start that gives the same course keeps every UID (a re-import updates, never doubles).
    other_start = [str(e["UID"]) for e in sessions_of(parse(export(esk_plan(start=date(2026, 11, 30)))))]
    assert other_start == uids


# --------------------------------------------------------------------------- injection


INJECTIONS = [
    "P01\r\nBEGIN:VEVENT\r\nSUMMARY:pwned",
    "P01\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nSUMMARY:pwned",
    "P01\u2028END:VEVENT\u2028BEGIN:VALARM\u2028ACTION:DISPLAY",
    "P01\x85BEGIN:VEVENT\x0bX\x00Y\x1b[31m",
    'P;01,a\\b:"c"',
]


@pytest.mark.parametrize("label", INJECTIONS)
def test_label_cannot_inject(label):
    plain = esk_plan(label="P01")
    plan = esk_plan(label=label)
    data = export(plan)
    cal = parse(data)
    expected = len(plain.sessions) + len(plain.checkpoints)
    assert len(cal.walk("VEVENT")) == expected
    assert data.count(b"BEGIN:VEVENT\r\n") == expected
    assert data.count(b"BEGIN:VALARM\r\n") == 2 * len(plain.sessions)
    assert b"\r\nUID:evil" not in data and b"\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil" not in data
    assert all(not line.startswith("SUMMARY:pwned") for line in unfolded_lines(data))
    for byte in range(32):
        if byte not in (10, 13):
            assert bytes([byte]) not in data
    assert "\u2028".encode() not in data and "\x85".encode() not in data
    name = unescape(str(cal["X-WR-CALNAME"]))
    expected_label = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", label).split())
    assert name == " ".join(re.sub(r"[,;\\]", " ", f"{expected_label} – {plan.protocol.title}").split())
    assert str(sessions_of(cal)[0]["SUMMARY"]).startswith(expected_label + ": ")


def test_special_characters_in_label_survive_intact():
    label = 'P;01,a\\b:"c"'
    cal = parse(export(esk_plan(label=label)))
    # The calendar name avoids ',', ';' and '\\' (readers disagree on their escaping there).
    assert str(cal["X-WR-CALNAME"]).startswith('P 01 a b:"c" – ')
    assert str(sessions_of(cal)[0]["SUMMARY"]).startswith(label + ": ")
    assert f"Plan: {label}." in str(sessions_of(cal)[0]["DESCRIPTION"])


def test_closure_reason_cannot_inject():
    reason = "party\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil;x,y\\"
    plan = esk_plan(calendar=ClinicCalendar(closed_dates={date(2026, 12, 4): reason}))
    data = export(plan)
    cal = parse(data)
    assert len(cal.walk("VEVENT")) == len(plan.sessions) + len(plan.checkpoints)
    assert b"\r\nUID:evil" not in data
    event = sessions_of(cal)[1]
    assert "because: party\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil;x,y\\." in str(event["DESCRIPTION"])


# --------------------------------------------------------------------------- whole plans


def test_26_week_esketamine_plan():
    plan = esk_plan(weeks=26)
    data = export(plan)
    cal = parse(data)
    assert len(sessions_of(cal)) == len(plan.sessions) >= 20
    assert len(checkpoints_of(cal)) == len(plan.checkpoints)
    assert {e.start.time() for e in sessions_of(cal)} == {time(9, 0)}


def test_4_week_iv_plan():
    p = protocol("iv-racemic-twice-weekly")
    plan = build_plan(
        PlanRequest(
            protocol=p,
            start=date(2026, 12, 1),
            timezone="America/New_York",
            weekdays=(1, 4),
            weeks=4,
            weight_kg=70.0,
            label="P02",
        )
    )
    cal = parse(export(plan))
    events = sessions_of(cal)
    assert len(events) == len(plan.sessions) == 8
    for event, session in zip(events, plan.sessions, strict=False):
        assert event.start == session.start and event.end == session.end
        assert event.end - event.start == timedelta(
            minutes=session.administration_minutes + session.observation_minutes
        )
        assert "mg/kg" in str(event["SUMMARY"]) and "IV" in str(event["SUMMARY"])
        assert "Off-label" in str(event["DESCRIPTION"])
    assert "draw up" in str(events[0]["DESCRIPTION"])


# --------------------------------------------------------------------------- VTIMEZONE


def test_vtimezone_uses_yearly_rules_outlook_can_read():
    data = export(esk_plan())
    (zone,) = parse(data).walk("VTIMEZONE")
    assert b"RDATE" not in data
    rules = sorted(str(sub["RRULE"].to_ical(), "ascii") for sub in zone.subcomponents)
    assert rules == ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"]
    daylight = zone.walk("DAYLIGHT")[0]
    # onset in local time before the change (RFC 5545 3.6.5): 02:00 CET
    assert daylight["DTSTART"].dt.time() == time(2, 0)
    assert daylight["TZOFFSETTO"].td == timedelta(hours=2)
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


@pytest.mark.parametrize(
    "name",
    [
        "Europe/Brussels",
        "America/New_York",
        "Australia/Sydney",
        "Europe/Dublin",
        "Africa/Casablanca",
        "Asia/Tokyo",
        "America/Santiago",
        "Pacific/Chatham",
        "Asia/Kolkata",
        "Pacific/Kiritimati",
        "America/St_Johns",
    ],
)
def test_vtimezone_matches_the_zone_database(name):
    plan = esk_plan(timezone=name, start=date(2026, 12, 1))
    cal = parse(export(plan))
    (vtz,) = cal.walk("VTIMEZONE")
    assert str(vtz["TZID"]) == name
    defined = vtz.to_tz(lookup_tzid=False)  # built from the VTIMEZONE text alone
    zone = zones.zone(name)  # the tzdata package's data, as ketplan uses it
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2029, 1, 1, tzinfo=UTC):
        assert moment.astimezone(defined).utcoffset() == moment.astimezone(zone).utcoffset(), moment
        moment += timedelta(hours=7)
    for event, session in zip(sessions_of(cal), plan.sessions, strict=False):
        # icalendar resolves a TZID with the machine's zone data, not the VTIMEZONE: compare the
        # wall clock and the instant through the VTIMEZONE ketplan wrote.
        assert event.start.replace(tzinfo=None) == session.start.replace(tzinfo=None)
        assert event.start.replace(tzinfo=defined) == session.start


def test_utc_plan_has_no_vtimezone():
    data = export(esk_plan(timezone="UTC"))
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20261201T090000Z" in data
