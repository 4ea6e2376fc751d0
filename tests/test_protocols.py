"""Protocol files (protocols/*.toml), the catalog that reads them, and `ketplan protocols`.

Contract: every shipped file validates, is named after its id, and traces every rule to a
reference (or says it is a ketplan default and why); bad user files are refused with one line
that names the file and the field; `protocols check` prints `ok: FILE (id)` or exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import assert_refused
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core.dosing import RACEMIC_MG_PER_KG_LIMITS
from ketplan.core.errors import InputError, KetplanError, ProtocolError
from ketplan.core.protocol import CheckpointWhen, FixedDose, Protocol, Route, WeightDose
from ketplan.io import catalog

SHIPPED_DIR = catalog.shipped_dir()
SHIPPED_FILES = sorted(SHIPPED_DIR.glob("*.toml"))
EXPECTED_IDS = {
    "esketamine-trd",
    "esketamine-mdsi",
    "iv-racemic-twice-weekly",
    "iv-racemic-thrice-weekly",
    "iv-racemic-elektd",
    "im-racemic",
    "sc-racemic",
    "oral-racemic",
}
EXPECTED_DEFAULTS = {
    "intranasal": "esketamine-trd",
    "iv": "iv-racemic-twice-weekly",
    "im": "im-racemic",
    "sc": "sc-racemic",
    "oral": "oral-racemic",
}
CANMAT_DOI = "10.1177/0706743720970860"
NARROW = {"COLUMNS": "80", "NO_COLOR": "1"}
WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture(autouse=True)
def _fresh_catalog():
    catalog.clear_caches()
    yield
    catalog.clear_caches()


def by_id(protocol_id: str) -> Protocol:
    return catalog.load_protocol(protocol_id)


def shipped_text(protocol_id: str) -> str:
    return (SHIPPED_DIR / f"{protocol_id}.toml").read_text(encoding="utf-8")


def mutate(text: str, old: str, new: str) -> str:
    assert old in text, f"test fixture out of date: {old!r} not in the protocol file"
    return text.replace(old, new, 1)


def write(tmp_path: Path, text: str | bytes, name: str = "custom.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, error_type: type[KetplanError] = KetplanError) -> str:
    with pytest.raises(error_type) as caught:
        catalog.load_protocol(str(path))
    error = caught.value
    assert error.field == "protocol"
    assert "\n" not in error.message
    assert str(path) in error.message, error.message  # the message names the file
    return error.message


def sourced_items(protocol: Protocol):
    return list(protocol._sourced_items())


# --- the shipped files ------------------------------------------------------------------------------


def test_shipped_dir_holds_the_expected_protocols():
    assert SHIPPED_DIR.is_dir()
    assert {p.stem for p in SHIPPED_FILES} == EXPECTED_IDS


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_shipped_file_validates_and_is_named_after_its_id(path: Path):
    protocol = catalog.read_protocol_file(path)
    assert protocol.id == path.stem


def test_shipped_protocols_are_sorted_unique_and_cached():
    protocols = catalog.shipped_protocols()
    ids = [p.id for p in protocols]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == len(EXPECTED_IDS)
    assert catalog._shipped() is catalog._shipped()  # read once per process
    protocols.clear()  # the caller's list is a copy
    assert len(catalog.shipped_protocols()) == len(EXPECTED_IDS)


def test_exactly_one_default_per_route():
    protocols = catalog.shipped_protocols()
    for route in Route:
        defaults = [p.id for p in protocols if p.route is route and p.default_for_route]
        assert defaults == [EXPECTED_DEFAULTS[route.value]], (route, defaults)
        assert catalog.default_protocol(route.value).id == EXPECTED_DEFAULTS[route.value]
        assert catalog.default_protocol(route).id == EXPECTED_DEFAULTS[route.value]


@pytest.mark.parametrize("protocol_id", sorted(EXPECTED_IDS))
def test_every_source_resolves_and_every_reference_is_cited(protocol_id: str):
    protocol = by_id(protocol_id)
    cited = set()
    for where, item in sourced_items(protocol):
        assert item.sources or (item.ketplan_default and item.why), where
        for key in item.sources:
            assert key in protocol.references, (where, key)
        cited.update(item.sources)
    assert cited == set(protocol.references), "references that no rule cites"
    for key, reference in protocol.references.items():
        assert reference.link.startswith("https://") or reference.link.startswith("http://"), key


@pytest.mark.parametrize("protocol_id", sorted(EXPECTED_IDS))
def test_ketplan_defaults_say_why(protocol_id: str):
    for where, item in sourced_items(by_id(protocol_id)):
        if item.ketplan_default:
            assert item.why and len(item.why) > 20, where


def test_evidence_levels_and_label_status():
    expected = {
        "esketamine-trd": ("label", False),
        "esketamine-mdsi": ("label", False),
        "iv-racemic-twice-weekly": ("rct", True),
        "iv-racemic-thrice-weekly": ("rct", True),
        "iv-racemic-elektd": ("rct", True),
        "im-racemic": ("preliminary", True),
        "sc-racemic": ("preliminary", True),
        "oral-racemic": ("preliminary", True),
    }
    for protocol_id, (evidence, off_label) in expected.items():
        protocol = by_id(protocol_id)
        assert (protocol.evidence.value, protocol.off_label) == (evidence, off_label), protocol_id


@pytest.mark.parametrize("protocol_id", ["im-racemic", "sc-racemic", "oral-racemic"])
def test_preliminary_protocols_say_so_plainly(protocol_id: str):
    protocol = by_id(protocol_id)
    assert "PRELIMINARY" in protocol.evidence_note and "off-label" in protocol.evidence_note
    assert "3-4" in protocol.evidence_note
    plain = [
        w for w in protocol.warnings if "preliminary" in w.text.lower() and "off-label" in w.text and "3-4" in w.text
    ]
    assert plain, "needs a warning that says the evidence is preliminary and off-label"
    assert any(protocol.references[k].doi == CANMAT_DOI for w in plain for k in w.sources)


@pytest.mark.parametrize("protocol_id", sorted(EXPECTED_IDS - {"esketamine-trd", "esketamine-mdsi"}))
def test_racemic_protocols_stay_inside_the_hard_limits(protocol_id: str):
    protocol = by_id(protocol_id)
    assert isinstance(protocol.dose, WeightDose)
    low, high = RACEMIC_MG_PER_KG_LIMITS[protocol.route.value]
    assert low <= protocol.dose.min_mg_per_kg <= protocol.dose.default_mg_per_kg <= protocol.dose.max_mg_per_kg <= high


@pytest.mark.parametrize("protocol_id", ["iv-racemic-twice-weekly", "iv-racemic-thrice-weekly", "iv-racemic-elektd"])
def test_iv_protocols(protocol_id: str):
    protocol = by_id(protocol_id)
    dose = protocol.dose
    assert (dose.default_mg_per_kg, dose.min_mg_per_kg, dose.max_mg_per_kg) == (0.5, 0.1, 1.0)
    assert (dose.infusion_minutes, dose.concentration_mg_per_ml, dose.final_volume_ml) == (40, 10, 100)
    assert protocol.session.administration_minutes == 40
    # The final volume and the observation period are not sourced: both must be labelled defaults.
    assert dose.ketplan_default and "final volume" in dose.why and "local policy" in dose.why
    assert protocol.session.ketplan_default and "observation" in protocol.session.why
    assert any("local policy" in w.text and w.ketplan_default for w in protocol.warnings)
    assert any("Level 3" in w.text and "Level 1" in w.text for w in protocol.warnings)
    assert any("Off-label in the US" in w.text for w in protocol.warnings)
    texts = " ".join(m.text for m in protocol.monitoring)
    assert "every 10 minutes during" in texts and "every 15 minutes after" in texts
    assert "Secondary source only" in texts and "ACLS" in texts
    [end] = [c for c in protocol.checkpoints if c.when is CheckpointWhen.end_of_phase]
    assert end.phase == protocol.phases[-1].name


def test_iv_schedules_follow_their_trials():
    twice, thrice, elektd = (
        by_id(i) for i in ("iv-racemic-twice-weekly", "iv-racemic-thrice-weekly", "iv-racemic-elektd")
    )
    assert [(p.sessions_per_week, p.weeks) for p in twice.phases] == [(2, 4)]
    assert [(p.sessions_per_week, p.weeks, p.min_gap_days) for p in thrice.phases] == [(3, 4, 2)]
    assert [(p.sessions_per_week, p.weeks) for p in elektd.phases] == [(2, 3)]
    assert any(r.doi == "10.1056/NEJMoa2302399" for r in elektd.references.values())
    assert twice.default_for_route and not thrice.default_for_route and not elektd.default_for_route


def test_unconfirmed_sanacora_rules_are_not_encoded():
    """REFERENCE.md marks these as unconfirmed: they must not appear as rules in any protocol."""
    for protocol_id in EXPECTED_IDS - {"esketamine-trd", "esketamine-mdsi"}:
        text = shipped_text(protocol_id).lower()
        for phrase in ("180/100", "140/90", "bmi > 30", "bmi>30", "ideal body weight", "heart rate >110"):
            assert phrase not in text, (protocol_id, phrase)


def test_esketamine_mdsi():
    protocol = by_id("esketamine-mdsi")
    dose = protocol.dose
    assert isinstance(dose, FixedDose)
    assert (dose.first_dose_mg, dose.default_mg, dose.allowed_mg) == (84, 84, [56, 84])
    assert dose.escalate_only_after_first is False
    assert (protocol.route.value, protocol.default_for_route, protocol.off_label) == ("intranasal", False, False)
    assert [(p.sessions_per_week, p.weeks) for p in protocol.phases] == [(2, 4)]
    [week4] = [c for c in protocol.checkpoints if c.when is CheckpointWhen.course_weeks]
    assert week4.weeks == 4
    assert any("beyond 4 weeks has not been systematically evaluated" in w.text for w in protocol.warnings)
    assert any("oral antidepressant" in w.text for w in protocol.warnings)
    trd = by_id("esketamine-trd")
    assert protocol.session == trd.session
    assert protocol.instructions == trd.instructions and protocol.monitoring == trd.monitoring
    checkpoint_ids = {c.id for c in protocol.checkpoints}
    assert {"rems-enrolment", "rems-form"} <= checkpoint_ids


def test_im_sc_oral_dose_fields():
    im, sc, oral = (by_id(i) for i in ("im-racemic", "sc-racemic", "oral-racemic"))
    assert (im.dose.min_mg_per_kg, im.dose.max_mg_per_kg, im.dose.default_mg_per_kg) == (0.1, 0.5, 0.1)
    assert [(p.interval_weeks, p.min_gap_days) for p in im.phases] == [(1, 7)]
    assert im.phases[0].ketplan_default  # the course length is not sourced
    assert (sc.dose.min_mg_per_kg, sc.dose.max_mg_per_kg, sc.dose.default_mg_per_kg) == (0.5, 0.9, 0.5)
    assert [(p.sessions_per_week, p.weeks) for p in sc.phases] == [(2, 4)]
    assert (oral.dose.min_mg_per_kg, oral.dose.max_mg_per_kg) == (0.5, 1.25)
    assert oral.phases[0].interval_weeks == 1 and oral.phases[0].ketplan_default
    for protocol in (im, sc):
        assert protocol.dose.concentration_mg_per_ml in (50, 100) and protocol.dose.ketplan_default
        assert protocol.dose.infusion_minutes is None and protocol.dose.final_volume_ml is None
    assert (oral.dose.concentration_mg_per_ml, oral.dose.infusion_minutes, oral.dose.final_volume_ml) == (
        None,
        None,
        None,
    )
    for protocol in (im, sc, oral):
        ids = {c.id for c in protocol.checkpoints}
        assert {"luts-screen", "misuse-screen"} <= ids
        for rule in protocol.checkpoints:
            if rule.when is CheckpointWhen.every_weeks:
                assert rule.every_weeks == 12 and rule.ketplan_default


# --- the catalog ------------------------------------------------------------------------------------


def test_load_protocol_by_id_and_by_path(tmp_path: Path):
    assert catalog.load_protocol("sc-racemic").route is Route.sc
    path = write(tmp_path, mutate(shipped_text("sc-racemic"), 'id = "sc-racemic"', 'id = "my-sc"'))
    assert catalog.load_protocol(str(path)).id == "my-sc"
    bare = write(tmp_path, shipped_text("oral-racemic"), "oral-copy")
    assert catalog.load_protocol(str(bare)).id == "oral-racemic"  # a path without .toml still works


def test_unknown_protocol_id_lists_the_shipped_ones():
    with pytest.raises(InputError) as caught:
        catalog.load_protocol("iv-racemic-daily")
    assert caught.value.field == "protocol"
    assert "iv-racemic-daily" in caught.value.message and "iv-racemic-twice-weekly" in caught.value.message


def test_default_protocol_for_an_unknown_route():
    with pytest.raises(InputError) as caught:
        catalog.default_protocol("rectal")
    assert "rectal" in caught.value.message and caught.value.field == "protocol"


def test_shipped_file_whose_id_does_not_match_its_name(tmp_path: Path, monkeypatch):
    write(tmp_path, shipped_text("oral-racemic"), "oral-renamed.toml")
    monkeypatch.setattr(catalog, "shipped_dir", lambda: tmp_path)
    with pytest.raises(ProtocolError) as caught:
        catalog.shipped_protocols()
    message = caught.value.message
    assert "oral-renamed.toml" in message and "id" in message and "does not match" in message


def test_two_defaults_for_one_route_are_refused(tmp_path: Path, monkeypatch):
    write(tmp_path, shipped_text("iv-racemic-twice-weekly"), "iv-racemic-twice-weekly.toml")
    write(
        tmp_path,
        mutate(shipped_text("iv-racemic-thrice-weekly"), "default_for_route = false", "default_for_route = true"),
        "iv-racemic-thrice-weekly.toml",
    )
    monkeypatch.setattr(catalog, "shipped_dir", lambda: tmp_path)
    with pytest.raises(ProtocolError) as caught:
        catalog.default_protocol("iv")
    assert "default_for_route" in caught.value.message and "iv-racemic-thrice-weekly" in caught.value.message


def test_default_lookup_reads_only_the_top_level_keys(monkeypatch):
    """Finding a route's default parses each shipped file's head, not the whole file (start-up)."""
    parsed: list[int] = []
    real_loads = catalog.tomllib.loads
    monkeypatch.setattr(catalog.tomllib, "loads", lambda text: parsed.append(len(text)) or real_loads(text))
    catalog.clear_caches()
    try:
        assert catalog.default_protocol("intranasal").id == EXPECTED_DEFAULTS["intranasal"]
    finally:
        catalog.clear_caches()
    whole = sum(len(path.read_text(encoding="utf-8")) for path in catalog.shipped_dir().glob("*.toml"))
    chosen = len((catalog.shipped_dir() / f"{EXPECTED_DEFAULTS['intranasal']}.toml").read_text(encoding="utf-8"))
    assert sum(parsed) - chosen < whole / 4, (sum(parsed), whole)


def test_default_lookup_survives_a_table_line_inside_a_multiline_string(tmp_path: Path, monkeypatch):
    """A `[` line inside a multi-line string before `route` makes the head unparsable on its own:
    that file counts as a candidate and the full read decides, so the right default is still found."""
    shipped = shipped_text("iv-racemic-twice-weekly")
    tricky = shipped.replace('route = "iv"', 'notes = """\n[not a table]\n"""\nroute = "iv"', 1)
    assert tricky != shipped
    write(tmp_path, tricky, "iv-racemic-twice-weekly.toml")
    write(tmp_path, shipped_text("iv-racemic-thrice-weekly"), "iv-racemic-thrice-weekly.toml")
    monkeypatch.setattr(catalog, "shipped_dir", lambda: tmp_path)
    catalog.clear_caches()
    try:
        with pytest.raises(ProtocolError) as caught:  # `notes` is not a protocol key: the full read says so
            catalog.default_protocol("iv")
    finally:
        catalog.clear_caches()
    assert "notes" in caught.value.message


# --- bad files: one line naming the file and the field ---------------------------------------------


def test_unknown_key(tmp_path: Path):
    text = mutate(
        shipped_text("iv-racemic-twice-weekly"),
        "infusion_minutes = 40\n",
        "infusion_minutes = 40\ninfusion_mins = 40\n",
    )
    message = refused(write(tmp_path, text), ProtocolError)
    assert "dose.infusion_mins" in message and "unknown key" in message


def test_unknown_top_level_key(tmp_path: Path):
    text = mutate(shipped_text("sc-racemic"), 'route = "sc"\n', 'route = "sc"\nroutes = "sc"\n')
    message = refused(write(tmp_path, text), ProtocolError)
    assert "routes: unknown key" in message


@pytest.mark.parametrize("value", ["0", "-1"])
def test_zero_or_negative_interval(tmp_path: Path, value: str):
    text = mutate(shipped_text("im-racemic"), "interval_weeks = 1\n", f"interval_weeks = {value}\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "phases.0.interval_weeks" in message and "greater than or equal to 1" in message


def test_zero_sessions_per_week(tmp_path: Path):
    text = mutate(shipped_text("sc-racemic"), "sessions_per_week = 2\n", "sessions_per_week = 0\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "phases.0.sessions_per_week" in message


def test_iv_dose_above_the_hard_limit(tmp_path: Path):
    text = mutate(shipped_text("iv-racemic-twice-weekly"), "max_mg_per_kg = 1.0\n", "max_mg_per_kg = 1.5\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "dose: min_mg_per_kg-max_mg_per_kg 0.1-1.5 mg/kg" in message and "outside the iv limit 0.1-1.0" in message


def test_oral_dose_below_the_hard_limit(tmp_path: Path):
    text = mutate(shipped_text("oral-racemic"), "min_mg_per_kg = 0.5\n", "min_mg_per_kg = 0.25\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "outside the oral limit 0.5-1.25" in message


def test_zero_mg_per_kg(tmp_path: Path):
    text = mutate(shipped_text("sc-racemic"), "min_mg_per_kg = 0.5\n", "min_mg_per_kg = 0\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "dose.min_mg_per_kg" in message and "greater than 0" in message


def test_esketamine_dose_that_does_not_exist(tmp_path: Path):
    text = mutate(shipped_text("esketamine-trd"), "default_mg = 56\n", "default_mg = 100\n")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "dose:" in message and "100 mg is not an esketamine dose" in message


def test_missing_reference(tmp_path: Path):
    text = mutate(shipped_text("oral-racemic"), 'sources = ["rosenblat2019"]', 'sources = ["rosenblat2020"]')
    message = refused(write(tmp_path, text), ProtocolError)
    assert "checkpoints[3]" in message and "'rosenblat2020'" in message and "not in [references]" in message


def test_rule_without_sources_or_default(tmp_path: Path):
    text = mutate(shipped_text("iv-racemic-twice-weekly"), 'sources = ["singh2016"]\n', "")
    message = refused(write(tmp_path, text), ProtocolError)
    assert "phases.0" in message and "needs `sources`" in message


def test_ketplan_default_without_why(tmp_path: Path):
    text = shipped_text("oral-racemic")
    start = text.index('why = "ketplan plans oral doses')
    end = text.index("\n", start) + 1
    message = refused(write(tmp_path, text[:start] + text[end:]), ProtocolError)
    assert "session" in message and "needs `why`" in message


def test_malformed_toml(tmp_path: Path):
    text = mutate(shipped_text("sc-racemic"), 'drug = "racemic-ketamine"', 'drug = "racemic-ketamine')
    message = refused(write(tmp_path, text), ProtocolError)
    assert "not valid TOML" in message and "line 6" in message


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("weeks = 4\n", 'weeks = "four"\n', "phases.0.weeks"),
        ("default_for_route = true", 'default_for_route = "maybe"', "default_for_route"),
        ("default_mg_per_kg = 0.5", 'default_mg_per_kg = "half"', "dose.default_mg_per_kg"),
        ('sources = ["sanacora2017"]', 'sources = "sanacora2017"', "checkpoints.4.sources"),
    ],
)
def test_wrong_types(tmp_path: Path, old: str, new: str, where: str):
    message = refused(write(tmp_path, mutate(shipped_text("sc-racemic"), old, new)), ProtocolError)
    assert where in message


def test_non_utf8_bytes(tmp_path: Path):
    data = shipped_text("sc-racemic").encode("utf-8").replace(b"Subcutaneous racemic", b"Subcutan\xe9ous racemic", 1)
    message = refused(write(tmp_path, data), ProtocolError)
    assert "not UTF-8" in message and "0xe9" in message


def test_utf8_bom_is_accepted(tmp_path: Path):
    path = write(tmp_path, b"\xef\xbb\xbf" + shipped_text("sc-racemic").encode("utf-8"))
    assert catalog.load_protocol(str(path)).id == "sc-racemic"


def test_missing_file_and_directory(tmp_path: Path):
    assert "no such file" in refused(tmp_path / "absent.toml", InputError)
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    assert "is a directory" in refused(folder, InputError)


def test_empty_file(tmp_path: Path):
    message = refused(write(tmp_path, ""), ProtocolError)
    assert "id: Field required" in message


# --- the command line -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["protocols"], ["protocols", "list"]])
def test_list_table(runner: CliRunner, args: list[str]):
    result = runner.invoke(app, args, env=NARROW)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    for protocol_id in EXPECTED_IDS:
        [line] = [line for line in lines if line.startswith(protocol_id + " ") or line == protocol_id]
        route = by_id(protocol_id).route.value
        assert (f"[default for {route}]" in line) == (EXPECTED_DEFAULTS[route] == protocol_id), line
    assert "sessions in the fixed part: 12 + open-ended" in result.stdout  # esketamine-trd


def test_list_wide_table(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "list"], env=WIDE)
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "iv-racemic-" in line]
    assert len(rows) == 3
    [twice] = [r for r in rows if "iv-racemic-twice-weekly" in r]
    assert "default" in twice and "racemic-ketamine" in twice and " rct " in twice
    [thrice] = [r for r in rows if "iv-racemic-thrice-weekly" in r]
    assert "default" not in thrice and " 12 " in thrice


@pytest.mark.parametrize("args", [["protocols", "--format", "json"], ["protocols", "list", "-f", "json"]])
def test_list_json(runner: CliRunner, args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    entries = {e["id"]: e for e in document["protocols"]}
    assert list(entries) == sorted(EXPECTED_IDS)
    expected_keys = {
        "id",
        "title",
        "drug",
        "route",
        "evidence",
        "evidence_text",
        "off_label",
        "default_for_route",
        "indication",
        "phases",
        "phases_summary",
        "fixed_sessions",
        "open_ended",
    }
    assert all(set(e) == expected_keys for e in entries.values())
    sessions = {i: (e["fixed_sessions"], e["open_ended"]) for i, e in entries.items()}
    assert sessions == {
        "esketamine-trd": (12, True),
        "esketamine-mdsi": (8, False),
        "iv-racemic-twice-weekly": (8, False),
        "iv-racemic-thrice-weekly": (12, False),
        "iv-racemic-elektd": (6, False),
        "im-racemic": (5, False),
        "sc-racemic": (8, False),
        "oral-racemic": (6, False),
    }
    assert entries["oral-racemic"]["evidence"] == "preliminary"
    assert [i for i, e in entries.items() if e["default_for_route"]] == sorted(EXPECTED_DEFAULTS.values())
    assert "disclaimer" in document


def test_show_table(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "show", "iv-racemic-twice-weekly"], env=NARROW)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    protocol = by_id("iv-racemic-twice-weekly")
    assert protocol.title in out
    for heading in (
        "Dose",
        "Phases",
        "Session",
        "Patient instructions",
        "Monitoring",
        "Checkpoints",
        "Warnings",
        "References",
    ):
        assert heading in out, heading
    assert "0.5 mg/kg (allowed 0.1-1.0 mg/kg)" in out
    assert "administration 40 min + observation 60 min = 100 min" in out
    assert "100 mL (local policy)" in out
    for key, reference in protocol.references.items():
        assert f"- {key}: " in out and reference.link in out, key  # links are never wrapped
    assert "ketplan default:" in out


def test_show_esketamine_session_from_devices(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "show", "esketamine-mdsi"], env=WIDE)
    assert result.exit_code == 0, result.stderr
    assert "56 mg: 5 min; 84 mg: 10 min" in result.stdout
    assert "First dose: 84 mg" in result.stdout
    assert "at week 4 of the course" in result.stdout


def test_show_json(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "show", "oral-racemic", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    protocol = by_id("oral-racemic")
    assert document["evidence_text"] == protocol.evidence_text
    assert document["dose"] == protocol.dose.model_dump(mode="json")
    assert document["references"]["meshkat2023"]["link"] == "https://doi.org/10.1080/15622975.2023.2169349"
    dumped = protocol.model_dump(mode="json")
    assert {k: v for k, v in document.items() if k in dumped and k != "references"} == {
        k: v for k, v in dumped.items() if k != "references"
    }
    assert (document["fixed_sessions"], document["open_ended"]) == (6, False)


def test_show_a_user_file(runner: CliRunner, tmp_path: Path):
    path = write(tmp_path, mutate(shipped_text("im-racemic"), 'id = "im-racemic"', 'id = "clinic-im"'))
    result = runner.invoke(app, ["protocols", "show", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "clinic-im"


def test_show_unknown_id(runner: CliRunner):
    line = assert_refused(runner.invoke(app, ["protocols", "show", "nasal-racemic"]))
    assert "unknown protocol 'nasal-racemic'" in line


def test_check_every_shipped_file(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "check", *map(str, SHIPPED_FILES)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [f"ok: {p} ({p.stem})" for p in SHIPPED_FILES]


def test_check_a_bad_file(runner: CliRunner, tmp_path: Path):
    path = write(
        tmp_path, mutate(shipped_text("esketamine-trd"), "observation_minutes = 120", "observation_minutes = -5")
    )
    line = assert_refused(runner.invoke(app, ["protocols", "check", str(path)]))
    assert str(path) in line and "session.observation_minutes" in line


def test_check_several_bad_files(runner: CliRunner, tmp_path: Path):
    good = write(tmp_path, shipped_text("sc-racemic"), "good.toml")
    bad1 = write(tmp_path, "id = [", "bad1.toml")
    bad2 = write(tmp_path, b"\xff\xfe", "bad2.toml")
    result = runner.invoke(app, ["protocols", "check", str(good), str(bad1), str(bad2)])
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing on stdout when any file is bad
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("ketplan: error: ") for line in lines)
    assert "bad1.toml" in lines[0] and "not valid TOML" in lines[0]
    assert "bad2.toml" in lines[1] and "not UTF-8" in lines[1]


def test_check_needs_a_file(runner: CliRunner):
    line = assert_refused(runner.invoke(app, ["protocols", "check"]))
    assert "FILE" in line


def test_protocols_help_lists_the_subcommands(runner: CliRunner):
    result = runner.invoke(app, ["protocols", "--help"], env=WIDE)
    assert result.exit_code == 0
    for command in ("list", "show", "check"):
        assert command in result.stdout
