"""Issue 14 through the CLI (CliRunner) and its pure rules: session monitoring and its alerts, REMS forms,
outcome scores with response and remission, measures due, course settings and `clinic today`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers import assert_refused

from ketplan.cli import app
from ketplan.core.errors import InputError
from ketplan.core.monitoring import BloodPressure, Monitoring, monitoring_alerts, parse_bp
from ketplan.core.outcomes import CourseSettings, ScoreText, check_scores

NEW = ["--route", "intranasal", "--start", "2026-12-01", "--days", "tue,fri", "--tz", "UTC", "--weeks", "16"]
IV = ["--route", "iv", "--start", "2026-12-01", "--weight", "70kg", "--tz", "UTC", "--weeks", "4"]


class Store:
    def __init__(self, runner, tmp_path, now="2026-12-20T20:00:00Z"):
        self.runner, self.db, self.now = runner, tmp_path / "k.db", now

    def __call__(self, *args, now=None):
        env = {"KETPLAN_DB": str(self.db), "KETPLAN_NOW": now or self.now, "TZ": "UTC", "NO_COLOR": "1"}
        return self.runner.invoke(app, list(args), env=env)

    def ok(self, *args, now=None):
        result = self(*args, now=now)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args, now=None):
        return json.loads(self.ok(*args, "--format", "json", now=now))

    def entries(self, label="P01"):
        return len(self.json("course", "log", label)["entries"])

    def refused(self, *args, now=None):
        before = self.entries()
        message = assert_refused(self(*args, now=now))
        assert self.entries() == before, "a refusal wrote an entry"
        return message


@pytest.fixture
def s(runner, tmp_path):
    store = Store(runner, tmp_path)
    store.ok("course", "new", "P01", *NEW, "--quiet")
    return store


# --------------------------------------------------------------------------- monitoring


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--bp-pre", "80/120"], "--bp-pre 80/120: systolic must be above diastolic"),
        (["--bp-40", "120/120"], "systolic must be above diastolic"),
        (["--bp-discharge", "261/90"], "systolic 261 mmHg is not plausible"),
        (["--bp-pre", "120/29"], "diastolic 29 mmHg is not plausible"),
        (["--bp-pre", "120-80"], "is not a blood pressure"),
        (["--pulse-ox", "49"], "--pulse-ox 49"),
        (["--monitoring-minutes", "1441"], "1-1440"),
        (["--monitoring-minutes", "90", "--monitoring-start", "09:00"], "not both"),
        (["--monitoring-end", "11:00"], "--monitoring-start is missing"),
        (["--monitoring-start", "25:00", "--monitoring-end", "11:00"], "is not a time"),
        (["--concomitant", "benzodiazepine,benzodiazepine"], "names a category twice"),
        (["--concomitant", "alcohol"], "not a category the form asks about"),
        (["--ae", ""], "--ae"),
        (["--lot", "x" * 21], "--lot"),
        (["--resolved"], "--resolved says observed effects resolved"),
    ],
)
def test_monitoring_refusals_write_nothing(s, args, expected):
    message = s.refused("course", "record", "P01", "--session", "1", "--given", *args)
    assert expected in message


def test_monitoring_goes_with_a_given_session(s):
    assert "go with --given" in s.refused("course", "record", "P01", "--session", "1", "--missed", "--bp-pre", "120/80")
    assert "not --sessions" in s.refused(
        "course", "record", "P01", "--sessions", "1-2", "--given", "--bp-pre", "120/80"
    )
    assert "not recorded as given" in s.refused("course", "record", "P01", "--session", "1", "--bp-pre", "120/80")
    s.ok("course", "record", "P01", "--session", "1", "--missed")
    assert "is missed" in s.refused("course", "record", "P01", "--session", "1", "--lot", "A1")
    s.ok("course", "record", "P01", "--session", "2", "--given")
    assert "--dose goes with --given" in s.refused(
        "course", "record", "P01", "--session", "2", "--dose", "56", "--lot", "A1"
    )


def test_monitoring_entries_add_up_and_the_record_keeps_both(s):
    out = s.json(
        "course",
        "record",
        "P01",
        "--session",
        "1",
        "--given",
        "--bp-pre",
        "150/95",
        "--monitoring-minutes",
        "100",
        "--dissociation",
        "--ae",
        "headache",
    )
    assert {a["id"] for a in out["alerts"]} == {"bp-pre-high", "monitoring-short", "effects-observed"}
    assert out["entry"]["payload"]["monitoring"]["bp_pre"] == {"systolic": 150, "diastolic": 95}
    later = s.json(
        "course",
        "record",
        "P01",
        "--session",
        "1",
        "--dissociation",
        "--resolved",
        "--monitoring-minutes",
        "130",
        "--ae",
        "nausea",
    )
    assert {a["id"] for a in later["alerts"]} == {"bp-pre-high"}
    assert later["entry"]["kind"] == "monitoring"
    sheet = s.json("rems", "form", "P01", "--session", "1")
    fields = {f["name"]: f["value"] for sec in sheet["sections"] for f in sec["fields"]}
    assert fields["Adverse events"] == "headache; nausea"
    assert fields["Dissociation"] == "Yes" and fields["Resolved before discharge"] == "Yes"
    log = s.ok("course", "log", "P01")
    assert "BP pre 150/95" in log and "dissociation (resolved)" in log


def test_a_monitoring_correction_supersedes(s):
    s.ok("course", "record", "P01", "--session", "1", "--given")
    first = s.json("course", "record", "P01", "--session", "1", "--bp-40", "190/100")
    assert [a["id"] for a in first["alerts"]] == ["bp-outlier"]
    seq = first["entry"]["entry"]
    fixed = s.json("course", "record", "P01", "--session", "1", "--bp-40", "130/80", "--corrects", str(seq))
    assert fixed["alerts"] == [] and fixed["entry"]["corrects"] == seq
    assert "not a monitoring entry" in s.refused(
        "course", "record", "P01", "--session", "1", "--lot", "A", "--corrects", "1"
    )


@pytest.mark.parametrize(
    ("pre", "after", "ids"),
    [
        ((140, 90), (179, 109), set()),
        ((141, 90), (150, 90), {"bp-pre-high"}),
        ((140, 91), (150, 91), {"bp-pre-high"}),
        ((120, 80), (159, 104), set()),  # rises of 39 and 24
        ((120, 80), (160, 80), {"bp-outlier"}),  # systolic rise of 40
        ((120, 80), (130, 105), {"bp-outlier"}),  # diastolic rise of 25
        ((130, 85), (180, 100), {"bp-outlier"}),  # SBP >= 180
        ((130, 95), (150, 110), {"bp-pre-high", "bp-outlier"}),  # DBP >= 110
    ],
)
def test_blood_pressure_thresholds(pre, after, ids):
    monitoring = Monitoring(bp_pre=BloodPressure(*pre), bp_40=BloodPressure(*after))
    alerts = monitoring_alerts(
        monitoring,
        esketamine=True,
        observation_minutes=120,
        protocol_id="esketamine-trd",
        where="session 1",
        day=date(2026, 12, 1),
    )
    assert {a.id for a in alerts} == ids
    for alert in alerts:
        assert alert.sources and all(src.link for src in alert.sources)
    outlier = next((a for a in alerts if a.id == "bp-outlier"), None)
    if outlier is not None:
        assert "clinical-trial outlier thresholds" in outlier.text


def test_racemic_sessions_use_the_protocols_observation_time(runner, tmp_path):
    s = Store(runner, tmp_path)
    s.ok("course", "new", "R01", *IV, "--quiet")
    out = s.json(
        "course", "record", "R01", "--session", "1", "--given", "--monitoring-minutes", "45", "--bp-pre", "150/85"
    )
    ids = {a["id"]: a for a in out["alerts"]}
    assert "60 min of the protocol's own observation time" in ids["monitoring-short"]["text"]
    assert "bp-pre-high" in ids and "no racemic-specific threshold" in ids["bp-pre-high"]["text"]
    ok = s.json("course", "record", "R01", "--session", "2", "--given", "--monitoring-minutes", "70")
    assert ok["alerts"] == []  # 70 min: under the REMS's 120 but above the IV protocol's 60
    assert "REMS Patient Monitoring Forms are for SPRAVATO" in assert_refused(
        s("rems", "form", "R01", "--session", "1")
    )
    assert s.json("rems", "due")["forms"] == []


def test_parse_bp_accepts_spaces():
    assert str(parse_bp(" 128 / 82 ", "bp_pre")) == "128/82"


# --------------------------------------------------------------------------- REMS forms


def test_forms_due_submitted_and_refusals(s):
    s.ok("course", "record", "P01", "--sessions", "1-3", "--given", now="2026-12-08T20:00:00Z")
    due = s.json("rems", "due", now="2026-12-10T20:00:00Z")["forms"]
    assert [(f["session"], f["due"], f["days_left"], f["overdue"]) for f in due] == [
        (1, "2026-12-08", -2, True),
        (2, "2026-12-11", 1, False),
        (3, "2026-12-15", 5, False),
    ]
    assert due[0]["missing"][:3] == [
        "BP before administration",
        "BP about 40 min after administration",
        "BP before the session ended",
    ]
    assert [f["session"] for f in s.json("rems", "due", "--within", "2", now="2026-12-10T20:00:00Z")["forms"]] == [1, 2]
    status = s.json("course", "status", "P01", now="2026-12-10T20:00:00Z")
    assert "rems-form-overdue" in {a["id"] for a in status["alerts"]}
    now = "2026-12-10T20:00:00Z"
    assert "before session 1 was given" in s.refused(
        "rems", "submitted", "P01", "--session", "1", "--date", "2026-11-30", now=now
    )
    assert "after today" in s.refused("rems", "submitted", "P01", "--session", "1", "--date", "2026-12-11", now=now)
    assert "has not been recorded as given" in s.refused("rems", "submitted", "P01", "--session", "4", now=now)
    assert "sessions 1-" in s.refused("rems", "form", "P01", "--session", "99", now=now)
    assert "--within" in s.refused("rems", "due", "--within", "-1", now=now)
    s.ok("rems", "submitted", "P01", "--session", "1", "--date", "2026-12-09", "--by", "AB", now=now)
    seq = s.json("course", "log", "P01", now=now)["entries"][-1]["entry"]
    s.ok("rems", "submitted", "P01", "--session", "1", "--date", "2026-12-10", "--corrects", str(seq), now=now)
    assert [f["session"] for f in s.json("rems", "due", now=now)["forms"]] == [2, 3]
    sheet = s.json("rems", "form", "P01", "--session", "1", now=now)
    assert sheet["submitted_on"] == "2026-12-10"


def test_inpatient_setting_needs_no_forms(s):
    s.ok("course", "settings", "P01", "--setting", "inpatient", "--from", "2026-12-04")
    s.ok("course", "record", "P01", "--sessions", "1-2", "--given", now="2026-12-05T20:00:00Z")
    assert [f["session"] for f in s.json("rems", "due", now="2026-12-05T20:00:00Z")["forms"]] == [1]
    assert "inpatient" in s.refused("rems", "form", "P01", "--session", "2", now="2026-12-05T20:00:00Z")
    settings = s.json("course", "settings", "P01")
    assert settings["setting"] == [{"from": "2026-12-04", "setting": "inpatient"}]
    assert "use outpatient or inpatient" in s.refused("course", "settings", "P01", "--setting", "home")
    assert "give --setting" in s.refused("course", "settings", "P01", "--from", "2026-12-04")


def test_form_worksheet_formats(s, tmp_path):
    s.ok(
        "course",
        "record",
        "P01",
        "--session",
        "1",
        "--given",
        "--bp-pre",
        "130/80",
        "--lot",
        "Q1",
        "--concomitant",
        "opioid,benzodiazepine",
    )
    text = s.ok("rems", "form", "P01", "--session", "1")
    assert "Benzodiazepines: Yes" in text and "Opioids: Yes" in text and "Psychostimulants: No" in text
    assert "First name, MI, last name: ________" in text and "does not submit" in text
    assert "Not in the record yet: BP about 40 min after administration" in text
    html = s.ok("rems", "form", "P01", "--session", "1", "--format", "html")
    assert "<style>" in html and "Q1" in html and 'class="blank"' in html
    target = tmp_path / "form.html"
    s.ok("rems", "form", "P01", "--session", "1", "--format", "html", "--output", str(target))
    assert target.read_text(encoding="utf-8") == html
    assert "--force" in assert_refused(s("rems", "form", "P01", "--session", "1", "--output", str(target)))


# --------------------------------------------------------------------------- scores


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ScoreText(phq9="1,1,1,1,1,1,1,1"), "9 items, 8 given"),
        (ScoreText(phq9="1,1,1,1,1,1,1,1,4"), "item 9 is '4'"),
        (ScoreText(phq9="1,1,1,1,1,1,1,1,1", phq9_total=9), "not both"),
        (ScoreText(phq9_total=28), "0-27"),
        (ScoreText(madrs=-1), "0-60"),
        (ScoreText(qids=28), "QIDS-SR16 total runs 0-27"),
        (ScoreText(gad7="1,1,1"), "GAD-7 has 7 items"),
        (ScoreText(gad7_total=22), "0-21"),
        (ScoreText(), "give a score"),
    ],
)
def test_score_refusals(text, expected):
    with pytest.raises(InputError) as error:
        check_scores(text)
    assert expected in error.value.message


def test_scores_baseline_response_remission_and_item9(s):
    assert "9 items" in s.refused("course", "score", "P01", "--date", "2026-11-30", "--phq9", "1,2")
    assert "in the future" in s.refused("course", "score", "P01", "--date", "2026-12-21", "--madrs", "20")
    assert "give --date" in s.refused("course", "score", "P01", "--madrs", "20")
    s.ok(
        "course",
        "score",
        "P01",
        "--date",
        "2026-11-30",
        "--phq9-total",
        "20",
        "--madrs",
        "30",
        "--qids",
        "18",
        "--gad7-total",
        "12",
    )
    s.ok(
        "course",
        "score",
        "P01",
        "--date",
        "2026-12-18",
        "--phq9-total",
        "10",
        "--madrs",
        "11",
        "--qids",
        "9",
        "--gad7-total",
        "6",
    )
    outcomes = {o["scale"]: o for o in s.json("course", "status", "P01")["outcomes"]}
    assert outcomes["phq9"]["change_pct"] == -50.0 and outcomes["phq9"]["response"] is True  # exactly 50 %
    assert outcomes["phq9"]["remission"] is False  # 10 is not < 5
    assert outcomes["phq9"]["latest"]["severity"] == "moderate"
    assert outcomes["madrs"]["remission"] is False and "<= 10" in outcomes["madrs"]["threshold"]
    assert outcomes["qids"]["response"] is True and outcomes["qids"]["remission"] is None
    assert outcomes["gad7"]["response"] is None and outcomes["gad7"]["latest"]["severity"] == "mild"
    assert outcomes["phq9"]["baseline_before_treatment"] is True
    # A correction supersedes: MADRS 11 was a typo for 10.
    madrs_entry = [e for e in s.json("course", "log", "P01")["entries"] if e["payload"].get("scale") == "madrs"][-1]
    assert "is a madrs score, not qids" in s.refused(
        "course", "score", "P01", "--date", "2026-12-18", "--qids", "9", "--corrects", str(madrs_entry["entry"])
    )
    s.ok("course", "score", "P01", "--date", "2026-12-18", "--madrs", "10", "--corrects", str(madrs_entry["entry"]))
    outcomes = {o["scale"]: o for o in s.json("course", "status", "P01")["outcomes"]}
    assert outcomes["madrs"]["latest"]["total"] == 10 and outcomes["madrs"]["remission"] is True
    assert [v["total"] for v in outcomes["madrs"]["values"]] == [30, 10]
    # Item 9 above 0: an alert in status, with the boxed warning as its source.
    s.ok("course", "score", "P01", "--date", "2026-12-20", "--phq9", "0,0,0,0,0,0,0,0,1")
    alerts = {a["id"]: a for a in s.json("course", "status", "P01")["alerts"]}
    assert "2026-12-20" in alerts["phq9-item9"]["text"]
    assert alerts["phq9-item9"]["sources"][0]["key"] == "spravato-pi-boxed"
    s.ok("course", "score", "P01", "--date", "2026-12-20", "--phq9", "0,0,0,0,0,0,0,0,0")
    assert "phq9-item9" not in {a["id"] for a in s.json("course", "status", "P01")["alerts"]}


def test_baseline_after_session_1_is_flagged(s):
    s.ok("course", "score", "P01", "--date", "2026-12-04", "--phq9-total", "15")
    outcome = s.json("course", "status", "P01")["outcomes"][0]
    assert outcome["baseline_before_treatment"] is False and "after session 1" in outcome["notes"][0]


def test_measures_due_are_checkpoints_with_the_ketplan_default_labelled(s):
    measures = s.json("course", "status", "P01", now="2026-12-03T20:00:00Z")["measures"]
    assert measures[0]["id"] == "measure-baseline" and measures[0]["status"] == "overdue"
    eoi = measures[1]
    assert eoi["id"] == "measure-end-of-induction" and eoi["due"] == "2026-12-25"
    periodic = [m for m in measures if m["id"] == "measure-periodic"]
    assert periodic[0]["due"] == "2027-01-22" and all(m["ketplan_default"] for m in periodic)
    s.ok("course", "settings", "P01", "--measure-every", "2")
    periodic2 = [m for m in s.json("course", "status", "P01")["measures"] if m["id"] == "measure-periodic"]
    assert periodic2[0]["due"] == "2027-01-08" and not periodic2[0]["ketplan_default"]
    assert "1-26" in s.refused("course", "settings", "P01", "--measure-every", "0")
    assert "use 10" in s.refused("course", "settings", "P01", "--madrs-remission", "11")


def test_course_new_takes_the_settings(runner, tmp_path):
    s = Store(runner, tmp_path)
    s.ok("course", "new", "P09", *NEW, "--quiet", "--setting", "inpatient", "--madrs-remission", "12")
    settings = s.json("course", "settings", "P09")
    assert settings["setting"][0]["setting"] == "inpatient" and settings["madrs_remission"] == 12
    assert "use outpatient or inpatient" in assert_refused(s("course", "new", "P10", *NEW, "--setting", "ward"))
    assert s.json("course", "list")["courses"][0]["label"] == "P09"  # P10 was not created


def test_settings_defaults():
    assert CourseSettings().setting_on(date(2026, 1, 1)) == "outpatient"


# --------------------------------------------------------------------------- clinic today


def test_clinic_today_lists_the_day(s):
    s.ok("course", "new", "P02", *NEW, "--quiet", "--time", "13:30")
    empty_day = s.json("clinic", "today", "--date", "2026-12-02")
    assert empty_day["sessions"] == []
    s.ok("course", "record", "P01", "--session", "1", "--given", "--bp-pre", "150/95", now="2026-12-01T20:00:00Z")
    day = s.json("clinic", "today", "--date", "2026-12-04", now="2026-12-04T08:00:00Z")
    assert [(x["time"], x["label"], x["session"]) for x in day["sessions"]] == [
        ("09:00", "P01", 2),
        ("13:30", "P02", 2),
    ]
    alerts = {(a["label"], a["id"]) for a in day["alerts"]}
    assert ("P01", "bp-pre-high") in alerts and ("P02", "not-recorded") in alerts
    assert [(f["label"], f["session"]) for f in day["rems_forms"]] == [("P01", 1)]
    first = s.json("clinic", "today", "--date", "2026-12-01", now="2026-12-01T08:00:00Z")
    assert any("enrolled" in x["text"] for x in first["screens"])
    text = s.ok("clinic", "today", "--date", "2026-12-04", now="2026-12-04T08:00:00Z")
    assert "09:00  P01" in text and "13:30  P02" in text and "2 devices" in text
    assert "there is no month 13" in assert_refused(s("clinic", "today", "--date", "2026-13-01"))


def test_clinic_today_shows_step_back_suggestions(s):
    s.ok("course", "record", "P01", "--sessions", "1-10", "--given", now="2027-01-20T20:00:00Z")
    s.ok("course", "record", "P01", "--session", "11", "--missed", now="2027-01-20T20:00:00Z")
    s.ok("course", "score", "P01", "--date", "2027-01-20", "--phq9-total", "15", now="2027-01-20T20:00:00Z")
    status = s.json("course", "status", "P01", now="2027-01-20T20:00:00Z")
    day = s.json("clinic", "today", "--date", "2027-01-20", now="2027-01-20T20:00:00Z")
    assert [x["id"] for x in day["suggestions"]] == [x["id"] for x in status["suggestions"]]


def test_export_and_import_keep_monitoring_scores_settings_and_form_marks(s, runner, tmp_path):
    s.ok("course", "settings", "P01", "--madrs-remission", "12")
    s.ok("course", "score", "P01", "--date", "2026-11-30", "--madrs", "30")
    s.ok("course", "record", "P01", "--session", "1", "--given", "--bp-pre", "150/95", "--lot", "L1")
    s.ok("course", "record", "P01", "--session", "2", "--given")
    s.ok("rems", "submitted", "P01", "--session", "1")
    s.ok("course", "score", "P01", "--date", "2026-12-18", "--madrs", "12")
    dump = tmp_path / "dump.json"
    s.ok("course", "export", "P01", "--output", str(dump))
    other = Store(runner, tmp_path / "other")
    other.ok("course", "import", str(dump))
    for store in (s, other):
        status = store.json("course", "status", "P01")
        assert "bp-pre-high" not in {a["id"] for a in status["alerts"]}  # alerts are the last session's (2)
        madrs = status["outcomes"][0]
        assert madrs["remission"] is True and "TRANSFORM" in madrs["threshold"]
        assert [f["session"] for f in store.json("rems", "due")["forms"]] == [2]
        sheet = store.json("rems", "form", "P01", "--session", "1")
        fields = {f["name"]: f["value"] for sec in sheet["sections"] for f in sec["fields"]}
        assert sheet["submitted_on"] == "2026-12-20" and fields["Lot number"] == "L1"
        assert fields["Blood pressure before administration (mmHg)"] == "150/95"
