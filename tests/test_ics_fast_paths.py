"""The calendar writer's shortcuts give the bytes the exact computation gives.

A roster writes thousands of calendars, so `plan_to_ics` does wall-clock arithmetic where the
zone keeps one UTC offset around a session (ketplan.core.zones.SteadyOffset), shares text
between sessions at the same time of day and between patients on the same protocol, and makes
UIDs from a key encoded once. Each shortcut is checked here against the slow, obvious way:
every local time through the zone, every text cleaned and escaped on its own.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketplan.core import zones
from ketplan.core.identity import CourseIdentity
from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.reminders import parse_reminders
from ketplan.core.schedule import ClinicCalendar
from ketplan.export.ics import export, text
from ketplan.io.catalog import load_protocol

STAMP = datetime(2026, 11, 1, tzinfo=UTC)
OPEN = ClinicCalendar(closed_weekdays=frozenset())
# Zones with every kind of clock change: US and EU rules, a 30-minute change (Lord Howe), a
# negative "DST" (Dublin), Ramadan suspensions (Casablanca), a 2-hour change (Troll), the
# southern hemisphere (Santiago, Chatham), none (Kolkata) and UTC.
ZONES = [
    "America/New_York",
    "Europe/Brussels",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Antarctica/Troll",
    "America/Santiago",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "UTC",
]
# Two session days at least two days apart, as the scheduler requires.
WEEKDAY_PAIRS = [(a, b) for a in range(7) for b in range(a + 2, 7) if b - a <= 5]
PROTOCOLS = ["esketamine-trd", "iv-racemic-twice-weekly", "im-racemic", "oral-racemic"]


class NeverSteady:
    """A SteadyOffset that never vouches for an offset: every time goes through the zone."""

    def __init__(self, *_args) -> None:
        pass

    def between(self, begin: datetime, end: datetime) -> bool:
        return False


def plan_for(protocol_id: str, start: date, at: time, zone: str, label: str | None, weeks: int, weekdays=(0, 3)):
    return build_plan(
        PlanRequest(
            protocol=load_protocol(protocol_id),
            start=start,
            timezone=zone,
            time=at,
            weekdays=weekdays,
            weeks=weeks,
            calendar=OPEN,
            label=label,
            weight_kg=None if protocol_id.startswith("esketamine") else 70.0,
        )
    )


def change_days(zone: str) -> list[date]:
    """The local days of the zone's clock changes in 2026-2028 (or a plain day without any)."""
    changes = zones.offset_changes(zones.zone(zone), 2026, 2028)
    return [c.instant.astimezone(zones.zone(zone)).date() for c in changes] or [date(2027, 3, 28)]


@st.composite
def plans_near_clock_changes(draw):
    """Plans whose sessions fall on, just after or near a clock change, at any time of day."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(change_days(zone))) - timedelta(days=draw(st.integers(0, 3)))
    minute_of_day = draw(st.one_of(st.integers(0, 1439), st.sampled_from([0, 60, 90, 120, 150, 180, 1410])))
    weekdays = draw(st.sampled_from(WEEKDAY_PAIRS))
    protocol_id = draw(st.sampled_from(PROTOCOLS))
    label = draw(st.sampled_from([None, "P1", "Q,1;x", "Ünïcode-ß"]))
    at = time(minute_of_day // 60, minute_of_day % 60)
    return plan_for(protocol_id, start, at, zone, label, 2, weekdays=weekdays)


@settings(max_examples=120, deadline=None)
@given(
    plan=plans_near_clock_changes(),
    reminders=st.sampled_from(["default", "none", "evening,2h,30m", "1d,45m", "90m"]),
)
def test_a_calendar_is_the_same_bytes_with_and_without_the_shortcuts(plan, reminders):
    chosen = parse_reminders(reminders)
    fast = export.plan_to_ics(plan, stamp=STAMP, reminders=chosen)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(export, "SteadyOffset", NeverSteady)
        patched.setattr(text, "_PROTOCOL_TEXTS", {})
        exact = export.plan_to_ics(plan, stamp=STAMP, reminders=chosen)
    assert fast == exact


@settings(max_examples=30, deadline=None)
@given(
    protocol_id=st.sampled_from(PROTOCOLS),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    zone=st.sampled_from(ZONES),
)
def test_a_long_plan_is_the_same_bytes_with_and_without_the_shortcuts(protocol_id, start, zone):
    plan = plan_for(protocol_id, start, time(9), zone, "P1", 26)
    fast = export.plan_to_ics(plan, stamp=STAMP, reminders=parse_reminders("default"))
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(export, "SteadyOffset", NeverSteady)
        exact = export.plan_to_ics(plan, stamp=STAMP, reminders=parse_reminders("default"))
    assert fast == exact


def test_sessions_on_clock_change_nights_take_the_exact_path_and_agree(monkeypatch):
    # 01:30 on the New York fall-back night occurs twice: written in UTC either way.
    plan = plan_for("esketamine-trd", date(2026, 10, 29), time(1, 30), "America/New_York", "P1", 2, weekdays=(6, 2))
    steady = zones.SteadyOffset(zones.zone("America/New_York"), 2025, 2027)
    words = text.PlanText(plan, steady.between)
    night = next(s for s in plan.sessions if s.date == date(2026, 11, 1))
    assert not words.steady(night)
    assert words.steady(next(s for s in plan.sessions if s.date == date(2026, 11, 4)))
    fast = export.plan_to_ics(plan, stamp=STAMP, reminders=parse_reminders("default"))
    assert b"DTSTART:20261101T053000Z" in fast
    monkeypatch.setattr(export, "SteadyOffset", NeverSteady)
    assert export.plan_to_ics(plan, stamp=STAMP, reminders=parse_reminders("default")) == fast


def brute_force_changes(zone_name: str, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """Offset changes found minute by minute over the year, the slow obvious way."""
    zone = zones.zone(zone_name)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = moment.astimezone(zone).utcoffset()
    found = []
    step = timedelta(minutes=15)  # every offset change of these zones falls on a quarter hour
    while moment < end:
        moment += step
        after = moment.astimezone(zone).utcoffset()
        if after != before:
            found.append((moment, before, after))
            before = after
    return found


@pytest.mark.parametrize(
    ("zone_name", "year"),
    [
        ("America/New_York", 2026),
        ("Australia/Lord_Howe", 2027),
        ("Europe/Dublin", 2026),
        ("Africa/Casablanca", 2027),
        ("Antarctica/Troll", 2026),
        ("Asia/Kolkata", 2026),
    ],
)
def test_offset_changes_are_every_change_of_the_year(zone_name, year):
    changes = zones.offset_changes(zones.zone(zone_name), year, year)
    assert [(c.instant, c.offset_before, c.offset_after) for c in changes] == brute_force_changes(zone_name, year)
    assert all(c.forward == (c.offset_after > c.offset_before) for c in changes)


def test_steady_offset_says_no_across_a_change_and_outside_its_years():
    new_york = zones.zone("America/New_York")
    steady = zones.SteadyOffset(new_york, 2026, 2026)
    change = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 02:00 EDT -> 01:00 EST
    second = timedelta(seconds=1)
    assert steady.between(change - timedelta(hours=5), change - second)
    assert not steady.between(change - timedelta(hours=5), change)
    assert steady.between(change, change + timedelta(hours=5))  # from the new offset on
    assert not steady.between(change - second, change + second)
    assert not steady.between(datetime(2025, 12, 31, 12, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    assert not steady.between(datetime(2026, 12, 31, 12, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))
    assert zones.SteadyOffset(zones.zone("UTC"), 2026, 2026).between(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instant=st.datetimes(min_value=datetime(2026, 1, 3), max_value=datetime(2027, 12, 28)),
    minutes=st.integers(min_value=-2880, max_value=720),
)
def test_where_the_offset_is_steady_minute_arithmetic_is_the_zone_s_answer(zone, instant, minutes):
    start = instant.replace(tzinfo=UTC).astimezone(zones.zone(zone))
    steady = zones.SteadyOffset(zones.zone(zone), 2025, 2028)
    moments = [start, start + timedelta(minutes=minutes)]
    if not steady.between(min(moments) - timedelta(days=1), max(moments) + timedelta(days=1)):
        return  # the exact path is used there
    assert text._minute_clock(start)(minutes) == text._zone_clock(start)(minutes)
    session = type("S", (), {"date": start.date(), "start": start})()
    if steady.between(start - timedelta(days=2), start + timedelta(days=1)):
        assert text.evening_trigger(session, True) == text.evening_trigger(session, False)


def test_shared_protocol_text_is_per_protocol_object_and_bounded(monkeypatch):
    trd = load_protocol("esketamine-trd")
    assert text.protocol_text(trd) is text.protocol_text(trd)
    renamed = trd.model_copy(update={"title": "Another title"})
    assert text.protocol_text(renamed).protocol_part != text.protocol_text(trd).protocol_part
    monkeypatch.setattr(text, "_PROTOCOL_TEXTS", {})
    copies = [trd.model_copy(update={"title": f"Copy {i}"}) for i in range(text._MAX_PROTOCOLS * 2)]
    for copy in copies:
        assert "Copy" in text.protocol_text(copy).protocol_part
        assert len(text._PROTOCOL_TEXTS) <= text._MAX_PROTOCOLS


def test_two_patients_on_one_protocol_keep_their_own_labels_and_doses():
    light = plan_for("iv-racemic-twice-weekly", date(2027, 2, 1), time(9), "Europe/Brussels", "P1", weeks=2)
    heavy = build_plan(
        PlanRequest(
            protocol=light.protocol,
            start=date(2027, 2, 1),
            timezone="Europe/Brussels",
            time=time(9),
            weekdays=(0, 3),
            weeks=2,
            calendar=OPEN,
            label="P2",
            weight_kg=110.0,
        )
    )
    first = export.plan_to_ics(light, stamp=STAMP, reminders=()).decode()
    second = export.plan_to_ics(heavy, stamp=STAMP, reminders=()).decode()
    assert "SUMMARY:P1: " in first and "P2" not in first
    assert "SUMMARY:P2: " in second and "P1" not in second
    assert "35 mg" in first.replace("\r\n ", "") and "55 mg" in second.replace("\r\n ", "")


@pytest.mark.parametrize(
    "parts", [("session", 3), ("checkpoint", "rems", 2), ("checkpoint", "screen", "session-4"), ("extra", "x7"), ()]
)
@pytest.mark.parametrize(
    "identity",
    [
        CourseIdentity("esketamine-trd", "P1"),
        CourseIdentity("iv-racemic-twice-weekly", None),
        CourseIdentity("esketamine-trd", "P1", course_id="c0ffee"),
    ],
)
def test_uids_follow_the_documented_scheme(identity, parts):
    # scheme: sha256 of "key|part|part..." (the key alone without parts), first 32 hex digits.
    text_key = "|".join([identity.key(), *map(str, parts)])
    expected = hashlib.sha256(text_key.encode("utf-8")).hexdigest()[:32] + "@ketplan"
    assert identity.uid(*parts) == expected
    assert identity.uid(*parts) == expected  # the cached key gives the same the second time
