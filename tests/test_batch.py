"""`ketplan plan --roster`: a clinic's roster in one process (issue 6).

A row is validated exactly like the same options typed (same plan, same refusal message); a
bad row is reported on stderr with its line number and id while the others are planned (exit
2); output streams row by row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

import pytest
from helpers import as_error_line

from ketplan.app.planning import PlanOptions
from ketplan.app.roster import ALLOWED_COLUMNS, REQUIRED_COLUMNS, check_id
from ketplan.cli import app
from ketplan.core.errors import InputError

ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb", "TZ": "UTC", "SOURCE_DATE_EPOCH": "1798761600"}

HEADER = "id,route,start,weight,weeks,tz,label,holidays\n"
GOOD_1 = "P01,intranasal,2026-12-01,,8,Europe/Brussels,P01,BE\n"
GOOD_2 = "P02,iv,2026-12-07,70kg,4,America/New_York,,\n"
GOOD_3 = "P03,oral,2026-12-07,80kg,4,,,\n"
NO_WEIGHT = "P04,iv,2026-12-07,,4,,,\n"
BAD_WEEKS = "P05,iv,2026-12-07,70kg,abc,,,\n"
BAD_ID = "../P06,iv,2026-12-07,70kg,4,,,\n"
ROSTER = HEADER + GOOD_1 + GOOD_2 + NO_WEIGHT + GOOD_3 + BAD_WEEKS + BAD_ID  # lines 2-7

# The same patients typed as options.
TYPED = {
    "P01": [
        "--route",
        "intranasal",
        "--start",
        "2026-12-01",
        "--weeks",
        "8",
        "--tz",
        "Europe/Brussels",
        "--label",
        "P01",
        "--holidays",
        "BE",
    ],
    # A row without a label is labelled with its id (issue 13: distinct calendar UIDs).
    "P02": [
        "--route",
        "iv",
        "--start",
        "2026-12-07",
        "--weight",
        "70kg",
        "--weeks",
        "4",
        "--tz",
        "America/New_York",
        "--label",
        "P02",
    ],
    "P03": ["--route", "oral", "--start", "2026-12-07", "--weight", "80kg", "--weeks", "4", "--label", "P03"],
    "P04": ["--route", "iv", "--start", "2026-12-07", "--weeks", "4"],
}


def roster_file(tmp_path: Path, text: str, name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def plan(runner, *args: str, input: str | bytes | None = None):
    return runner.invoke(app, ["plan", *args], env=ENV, input=input)


def error_lines(result) -> list[str]:
    return result.stderr.splitlines()


# --------------------------------------------------------------------------- good and bad rows


def test_jsonl_plans_good_rows_and_reports_bad_ones_with_line_and_id(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, ROSTER))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["P01", "P02", "P03"]
    errors = error_lines(result)
    assert errors[0].startswith("ketplan: error: roster line 4 (id P04): column weight is required")
    assert errors[1].startswith("ketplan: error: roster line 6 (id P05): weeks 'abc'")
    assert errors[2].startswith("ketplan: error: roster line 7 (unusable id): id '../P06' is not usable")
    assert errors[3] == "ketplan: error: 3 of 6 roster rows failed (lines 4, 6, 7); 3 planned"
    assert len(errors) == 4


def test_a_jsonl_line_is_the_typed_plan_with_its_id(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, HEADER + GOOD_1 + GOOD_2 + GOOD_3), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    for line in result.stdout.splitlines():
        assert line.startswith('{"id":')  # compact: one plan per line, id first
        document = json.loads(line)
        typed = plan(runner, *TYPED[document["id"]], "--format", "json")
        assert typed.exit_code == 0, typed.stderr
        assert document == {"id": document["id"], **json.loads(typed.stdout)}


def test_a_bad_row_is_refused_with_the_message_of_the_same_options_typed(runner, tmp_path):
    """The same refusal as typed, with the input named the roster's way (a column, not an option)."""
    typed = plan(runner, *TYPED["P04"], "--format", "json")
    assert typed.exit_code == 2
    reason = as_error_line(typed.stderr.strip(), exit_code=2).removeprefix("ketplan: error: ")
    assert reason.startswith("--weight ")
    result = plan(runner, "--roster", roster_file(tmp_path, HEADER + NO_WEIGHT))
    in_roster = "column weight " + reason.removeprefix("--weight ")
    assert error_lines(result)[0] == f"ketplan: error: roster line 2 (id P04): {in_roster}"


def test_all_rows_good_exit_0_and_a_header_only_roster_plans_nothing(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, HEADER + GOOD_2))
    assert (result.exit_code, result.stderr) == (0, "")
    empty = plan(runner, "--roster", roster_file(tmp_path, HEADER, "empty.csv"))
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "")


def test_csv_has_an_id_column_and_the_typed_rows(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, ROSTER), "--format", "csv")
    assert result.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert next(iter(rows[0])) == "id"
    assert [r["id"] for r in rows if r["n"] == "1"] == ["P01", "P02", "P03"]
    for patient in ("P01", "P02", "P03"):
        typed = plan(runner, *TYPED[patient], "--format", "csv")
        expected = list(csv.DictReader(io.StringIO(typed.stdout)))
        mine = [r for r in rows if r["id"] == patient]
        assert [{k: v for k, v in r.items() if k not in ("id", "warnings")} for r in mine] == expected
        # The plan's warnings, on the patient's first session row (issue 13).
        warnings = json.loads(plan(runner, *TYPED[patient], "--format", "json").stdout)["warnings"]
        assert mine[0]["warnings"] == " | ".join(warnings) and warnings
        assert all(r["warnings"] == "" for r in mine[1:])
    assert result.stdout.count("\nn,") == 0 and result.stdout.startswith("id,n,date,")  # one header


def test_csv_output_quotes_like_the_single_plan_csv(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, HEADER + GOOD_1), "--format", "csv")
    typed = plan(runner, *TYPED["P01"], "--format", "csv")
    assert result.exit_code == 0
    lines, typed_lines = result.stdout.splitlines(), typed.stdout.splitlines()
    # Byte for byte, less the id column and the last column (warnings: empty after session 1).
    assert lines[0] == "id," + typed_lines[0] + ",warnings"
    assert [line.split(",", 1)[1].removesuffix(",") for line in lines[2:]] == typed_lines[2:]
    records = list(csv.reader(io.StringIO(result.stdout)))
    assert records[1][1:-1] == next(iter(list(csv.reader(io.StringIO(typed.stdout)))[1:]))


# --------------------------------------------------------------------------- ics into a folder


def test_ics_folder_is_synced_once_for_the_batch_not_once_per_file(runner, tmp_path, monkeypatch):
    """Each patient's file is fsync'd as it is written; the folder holding their names once, at the
    end, also when rows fail (a folder's fsync per file cost as much as the file's own)."""
    from ketplan.app import roster
    from ketplan.io import files

    synced: list[Path] = []
    file_syncs: list[int] = []
    real_fsync = files.os.fsync
    monkeypatch.setattr(roster, "sync_folder", synced.append)
    monkeypatch.setattr(files, "sync_folder", synced.append)
    monkeypatch.setattr(files.os, "fsync", lambda fd: file_syncs.append(fd) or real_fsync(fd))
    out = tmp_path / "calendars"
    out.mkdir()
    result = plan(runner, "--roster", roster_file(tmp_path, ROSTER), "--format", "ics", "--output-dir", str(out))
    assert result.exit_code == 2  # P04-P06 are bad; P01-P03 written
    assert sorted(p.name for p in out.iterdir()) == ["P01.ics", "P02.ics", "P03.ics"]
    assert synced == [out] and len(file_syncs) == 3


def test_a_single_output_file_syncs_its_folder(tmp_path, monkeypatch):
    from ketplan.io import files

    synced: list[Path] = []
    monkeypatch.setattr(files, "sync_folder", synced.append)
    files.write_output(b"BEGIN:VCALENDAR\r\n", tmp_path / "one.ics", force=False)
    assert synced == [tmp_path]


def test_ics_writes_one_file_per_id_no_clobber_without_force(runner, tmp_path):
    out = tmp_path / "calendars"
    out.mkdir()
    roster = roster_file(tmp_path, ROSTER)
    first = plan(
        runner, "--roster", roster, "--format", "ics", "--output-dir", str(out), "--stamp", "2026-11-01T00:00:00Z"
    )
    assert first.exit_code == 2  # P04-P06 are bad
    assert first.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["P01.ics", "P02.ics", "P03.ics"]
    typed = plan(runner, *TYPED["P02"], "--format", "ics", "--stamp", "2026-11-01T00:00:00Z")
    assert (out / "P02.ics").read_bytes() == typed.stdout_bytes

    (out / "P01.ics").write_text("keep me", encoding="utf-8")
    again = plan(
        runner,
        "--roster",
        roster_file(tmp_path, HEADER + GOOD_1 + GOOD_2, "two.csv"),
        "--format",
        "ics",
        "--output-dir",
        str(out),
    )
    assert again.exit_code == 2
    assert f"roster line 2 (id P01): {out / 'P01.ics'} already exists; add --force to replace it" in again.stderr
    assert (out / "P01.ics").read_text(encoding="utf-8") == "keep me"

    forced = plan(
        runner,
        "--roster",
        roster_file(tmp_path, HEADER + GOOD_1, "one.csv"),
        "--format",
        "ics",
        "--output-dir",
        str(out),
        "--force",
    )
    assert forced.exit_code == 0
    # Warnings reach the user of an ics roster as a stderr summary (issue 13), and nothing else.
    assert forced.stderr and all(line.startswith("ketplan: warning: ") for line in forced.stderr.splitlines())
    assert (out / "P01.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


# --------------------------------------------------------------------------- ics: the background writer

STAMP = "2026-11-01T00:00:00Z"
END_OF_CALENDAR = b"END:VCALENDAR\r\n"


def ics_outcomes(tmp_path: Path, text: str, out: Path, **options):
    """run_roster itself, --format ics into `out`: the generator of the rows' outcomes."""
    from datetime import UTC, datetime

    from ketplan.app.roster import run_roster
    from ketplan.export.formats import FORMATS, RenderOptions

    stamp = RenderOptions(stamp=datetime(2026, 11, 1, tzinfo=UTC))
    roster = roster_file(tmp_path, text, f"roster-{out.name}.csv")
    return run_roster(roster, FORMATS["ics"], output_dir=out, render_options=stamp, default_zone="UTC", **options)


def slow_disk(monkeypatch, seconds: float) -> None:
    """Every fsync takes `seconds`: a file is still being written while the next row is planned."""
    from ketplan.io import files

    real_fsync = files.os.fsync

    def fsync(fd: int) -> None:
        time.sleep(seconds)
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)


def folder_state(out: Path) -> tuple[list[str], list[str]]:
    """The calendars in `out`, and those that are not whole or not calendars (temporary files too)."""
    names = sorted(p.name for p in out.iterdir())
    broken = [n for n in names if not n.endswith(".ics") or not (out / n).read_bytes().endswith(END_OF_CALENDAR)]
    return names, broken


def test_an_existing_file_is_its_rows_error_and_the_rows_after_it_are_written(runner, tmp_path, monkeypatch):
    """Without --force a patient's file already there is that row's error, on its line and id, also
    with the files written by the background thread; the rows after it are written."""
    from ketplan.io import files

    on_main_thread: list[bool] = []
    real_write = files.write_output

    def recording(*args, **kwargs):
        on_main_thread.append(threading.current_thread() is threading.main_thread())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(files, "write_output", recording)
    out = tmp_path / "calendars"
    out.mkdir()
    (out / "P02.ics").write_text("keep me", encoding="utf-8")
    roster = roster_file(tmp_path, HEADER + GOOD_1 + GOOD_2 + GOOD_3 + GOOD_3.replace("P03", "P07"))
    result = plan(runner, "--roster", roster, "--format", "ics", "--output-dir", str(out), "--stamp", STAMP)
    assert result.exit_code == 2
    assert [line for line in error_lines(result) if not line.startswith("ketplan: warning: ")] == [
        f"ketplan: error: roster line 3 (id P02): {out / 'P02.ics'} already exists; add --force to replace it",
        "ketplan: error: 1 of 4 roster rows failed (line 3); 3 planned",
    ]
    assert (out / "P02.ics").read_text(encoding="utf-8") == "keep me"
    assert folder_state(out) == (["P01.ics", "P02.ics", "P03.ics", "P07.ics"], ["P02.ics"])
    assert on_main_thread == [False, False, False, False]  # every file went through the writer thread


def test_outcomes_come_in_row_order_while_files_are_written_in_the_background(tmp_path, monkeypatch):
    """A planned row's outcome waits for its file; a row refused at once (bad cells, unusable id,
    --skip-existing) is never reported before the rows above it."""
    slow_disk(monkeypatch, 0.05)
    # Lines 2-7: P01 planned, P05 bad weeks, P03 (its file already there), P02 planned, ../P06, P04 no weight.
    roster = HEADER + GOOD_1 + BAD_WEEKS + GOOD_3 + GOOD_2 + BAD_ID + NO_WEIGHT
    expected = [(2, "P01", "planned"), (3, "P05", "failed"), (4, "P03", None), (5, "P02", "planned")]
    expected += [(6, None, "failed"), (7, "P04", "failed")]

    def status(outcome) -> str:
        return "skipped" if outcome.skipped else "planned" if outcome.planned else "failed"

    for skip_existing, existing in ((False, "failed"), (True, "skipped")):
        out = tmp_path / f"calendars-{skip_existing}"
        out.mkdir()
        (out / "P03.ics").write_bytes(b"old")
        outcomes = list(ics_outcomes(tmp_path, roster, out, skip_existing=skip_existing))
        assert [(o.line, o.id, status(o)) for o in outcomes] == [
            (line, row_id, existing if state is None else state) for line, row_id, state in expected
        ]
        if not skip_existing:
            assert outcomes[2].error == f"{out / 'P03.ics'} already exists; add --force to replace it"
        assert folder_state(out) == (["P01.ics", "P02.ics", "P03.ics"], ["P03.ics"])


def test_the_folder_is_synced_once_after_the_last_file_is_named(tmp_path, monkeypatch):
    from ketplan.app import roster

    slow_disk(monkeypatch, 0.05)
    seen: list[tuple[list[str], list[str]]] = []
    monkeypatch.setattr(roster, "sync_folder", lambda folder: seen.append(folder_state(folder)))
    out = tmp_path / "calendars"
    out.mkdir()
    list(ics_outcomes(tmp_path, HEADER + GOOD_1 + GOOD_2 + GOOD_3, out))
    assert seen == [(["P01.ics", "P02.ics", "P03.ics"], [])]


def test_a_bug_in_the_writer_thread_surfaces_and_no_thread_is_left(tmp_path, monkeypatch):
    """An exception of the writer that is not a refusal (OutputError) nor one row's bad values is
    a bug: it stops the batch from the main thread, and nothing more is handed to the writer
    than the files already in hand when it was raised (FILES_IN_FLIGHT)."""
    from ketplan.app import roster
    from ketplan.io import files

    raised_on_main_thread: list[bool] = []

    def broken(*args, **kwargs):
        raised_on_main_thread.append(threading.current_thread() is threading.main_thread())
        raise RuntimeError("a bug in the writer")

    monkeypatch.setattr(files, "write_output", broken)
    out = tmp_path / "calendars"
    out.mkdir()
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="a bug in the writer"):
        list(ics_outcomes(tmp_path, HEADER + GOOD_1 + GOOD_2 + GOOD_3, out))
    assert threading.active_count() == before
    assert raised_on_main_thread == [False] * roster.FILES_IN_FLIGHT  # P01 and P02, never P03
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("how", ["interrupt", "close"])
def test_a_stopped_batch_finishes_the_file_in_hand_and_leaves_no_temporary_file(tmp_path, monkeypatch, how):
    """Ctrl-C in the main thread (planning P03 here) or a generator closed early (after the first
    outcome) while P02's file is being synced: run_roster returns only once that file is named whole
    (or abandoned without a trace), no temporary file is left, no thread runs on, and the folder is
    synced after it."""
    from ketplan.app import planning, roster

    slow_disk(monkeypatch, 0.3)
    real_plan = planning.plan_from_text

    def plan_from_text(options, **kwargs):
        if options.row_id == "P03" and how == "interrupt":
            raise KeyboardInterrupt
        return real_plan(options, **kwargs)

    monkeypatch.setattr(planning, "plan_from_text", plan_from_text)
    synced: list[tuple[list[str], list[str]]] = []
    monkeypatch.setattr(roster, "sync_folder", lambda folder: synced.append(folder_state(folder)))
    out = tmp_path / "calendars"
    out.mkdir()
    before = threading.active_count()
    outcomes = ics_outcomes(tmp_path, HEADER + GOOD_1 + GOOD_2 + GOOD_3, out)
    if how == "interrupt":
        with pytest.raises(KeyboardInterrupt):
            list(outcomes)
    else:
        assert next(outcomes).id == "P01"
        outcomes.close()
    names, broken = folder_state(out)
    # P01 is named; the files in hand when it stopped (up to FILES_IN_FLIGHT) are whole or absent.
    assert broken == [] and names[0] == "P01.ics" and set(names) <= {"P01.ics", "P02.ics", "P03.ics"}
    assert synced == [(names, [])]
    assert threading.active_count() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "ics"], "--roster --format ics needs --output-dir DIR"),
        (["--format", "ics", "--output-dir", "OUT", "--output", "x.ics"], "give --output-dir DIR, not --output"),
        (["--format", "ics", "--output-dir", "OUT", "--output", "-"], "give --output-dir DIR, not --output"),
        (["--format", "ics", "--output-dir", "missing"], "--output-dir missing does not exist"),
        (["--output-dir", "OUT"], "--output-dir is only for --roster --format ics"),
        (["--format", "json"], "--roster writes --format table, jsonl (the default), csv or ics, not json"),
        (["--skip-existing"], "--skip-existing is for --roster --format ics"),
        (["--start", "2026-12-01"], "--roster cannot be combined with --start"),
        (["--route", "iv", "--weight", "70kg"], "--roster cannot be combined with --route, --weight"),
        (["--weeks", "4"], "--roster cannot be combined with --weeks"),
        (["--label", "P01", "--tz", "UTC"], "--roster cannot be combined with --label: per-patient"),
        (["--mg-per-kg", "0.5"], "--roster cannot be combined with --mg-per-kg"),
    ],
)
def test_refused_combinations_are_one_line_errors(runner, tmp_path, args, message):
    (tmp_path / "OUT").mkdir()
    roster = roster_file(tmp_path, ROSTER)
    args = [str(tmp_path / a) if a in ("OUT", "missing", "x.ics") else a for a in args]
    message = message.replace("missing", str(tmp_path / "missing"))
    result = plan(runner, "--roster", roster, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert error_lines(result) == [error_lines(result)[0]]
    assert message in result.stderr
    assert not list((tmp_path / "OUT").iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "jsonl"], "--format jsonl is for --roster"),
        (["--output-dir", "."], "--output-dir is for --roster --format ics"),
    ],
)
def test_roster_only_options_are_refused_for_one_plan(runner, args, message):
    result = plan(runner, *TYPED["P02"], *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_output_file_is_written_whole_and_never_clobbered(runner, tmp_path):
    roster = roster_file(tmp_path, HEADER + GOOD_2 + NO_WEIGHT)
    target = tmp_path / "plans.jsonl"
    result = plan(runner, "--roster", roster, "--output", str(target))
    assert result.exit_code == 2  # one bad row; the good one is in the file
    assert result.stdout == ""
    assert [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()] == ["P02"]

    again = plan(runner, "--roster", roster, "--output", str(target), "--format", "csv")
    assert again.exit_code == 2
    assert error_lines(again) == [f"ketplan: error: {target} already exists; add --force to replace it"]
    assert target.read_text(encoding="utf-8").startswith('{"id":"P02"')

    forced = plan(runner, "--roster", roster, "--output", str(target), "--format", "csv", "--force")
    assert forced.exit_code == 2
    assert target.read_text(encoding="utf-8").startswith("id,n,date,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.jsonl", "roster.csv"]


def test_a_line_that_is_not_utf8_is_one_bad_row_and_the_output_file_keeps_the_others(runner, tmp_path):
    """Issue 12: one bad row never stops the batch or loses the rows already planned (before,
    a non-UTF-8 line stopped the batch and the --output file was abandoned)."""
    good_after = b"P10,iv,2026-12-07,70kg,4,,,\n"
    roster = roster_file(tmp_path, (HEADER + GOOD_2).encode() + b"P09,iv,2026-12-07,70kg,4,\xff,,\n" + good_after)
    target = tmp_path / "plans.jsonl"
    result = plan(runner, "--roster", roster, "--output", str(target))
    assert result.exit_code == 2
    assert "roster line 3 (id unknown): not UTF-8 text (byte 0xff on line 3)" in result.stderr
    ids = [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert ids == ["P02", "P10"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.jsonl", "roster.csv"]


# --------------------------------------------------------------------------- the roster file


def test_unknown_column_refused(runner, tmp_path):
    result = plan(runner, "--roster", roster_file(tmp_path, "id,route,start,name\nP01,iv,2026-12-07,Alice\n"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert error_lines(result) == [
        f"ketplan: error: roster {tmp_path / 'roster.csv'}: unknown column(s) 'name'; allowed: "
        + ", ".join(ALLOWED_COLUMNS)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty: the first line must be a header"),
        ("\nP01,iv,2026-12-07\n", "the first line must be a header"),
        ("id,route\nP01,iv\n", "the header needs the columns id, route, start (missing: start)"),
        ("id,route,start,id\n", "column(s) id appear more than once"),
        ("id,route,start,\n", "the header has an empty column name"),
        ("id;route;start\nP01;iv;2026-12-07\n", "(the roster must be comma-separated)"),
        ('id,"route\n', "the header is not valid CSV (unexpected end of data)"),
    ],
)
def test_a_bad_header_or_file_is_one_line_exit_2(runner, tmp_path, text, message):
    result = plan(runner, "--roster", roster_file(tmp_path, text))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(error_lines(result)) == 1
    assert message in result.stderr


def test_not_utf8_is_one_line_naming_the_line(runner, tmp_path):
    header_bad = plan(runner, "--roster", roster_file(tmp_path, b"\xff\xfei\x00d\x00,route,start\n"))
    assert (header_bad.exit_code, header_bad.stdout) == (2, "")
    assert error_lines(header_bad) == [
        f"ketplan: error: roster {tmp_path / 'roster.csv'}: not UTF-8 text (byte 0xff on line 1); save the roster as UTF-8 CSV"
    ]
    later = plan(
        runner,
        "--roster",
        roster_file(tmp_path, (HEADER + GOOD_2).encode() + b"P07,iv,2026-12-07,70\xe9kg,4,,,\n", "b.csv"),
    )
    assert later.exit_code == 2
    assert [json.loads(line)["id"] for line in later.stdout.splitlines()] == ["P02"]  # streamed before the bad line
    assert "byte 0xe9 on line 3" in later.stderr


def test_a_row_that_is_not_valid_csv_is_a_bad_row(runner, tmp_path):
    text = HEADER + 'P01,iv,2026-12-07,"70"kg,4,,,\n' + GOOD_2 + 'P03,iv,"2026-12-07\n'
    result = plan(runner, "--roster", roster_file(tmp_path, text))
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P02"]
    errors = error_lines(result)
    assert errors[0].startswith("ketplan: error: roster line 2 (id unknown): not valid CSV (',' expected after '\"')")
    assert errors[1].startswith("ketplan: error: roster line 4 (id unknown): not valid CSV (unexpected end of data)")


def test_not_utf8_in_a_cr_only_roster_names_the_line(runner, tmp_path):
    result = plan(
        runner, "--roster", roster_file(tmp_path, b"id,route,start\rP01,iv,2026-12-07\rP02,iv,20\xff26-12-07\r")
    )
    assert result.exit_code == 2
    assert "byte 0xff on line 3" in result.stderr


def test_missing_or_folder_roster(runner, tmp_path):
    missing = plan(runner, "--roster", str(tmp_path / "nope.csv"))
    assert (missing.exit_code, error_lines(missing)) == (
        2,
        [f"ketplan: error: --roster {tmp_path / 'nope.csv'}: no such file"],
    )
    folder = plan(runner, "--roster", str(tmp_path))
    assert folder.exit_code == 2 and "is a folder" in folder.stderr


def test_bom_crlf_blank_lines_case_and_quoted_newlines(runner, tmp_path):
    text = '\ufeffID,Route,Start,Weight,First-Dose\r\nP01,iv,2026-12-07,70kg,\r\n\r\n"P02",iv,2026-12-07,"70\nkg",\r\nP03,iv\r\n'
    result = plan(runner, "--roster", roster_file(tmp_path, text))
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P01", "P02"]
    assert error_lines(result)[0] == "ketplan: error: roster line 6 (id P03): the row has 2 fields but the header has 5"


def test_cr_only_line_ends(runner, tmp_path):
    result = plan(
        runner,
        "--roster",
        roster_file(tmp_path, "id,route,start,weight\rP01,iv,2026-12-07,70kg\rP02,iv,2026-12-07,x\r"),
    )
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P01"]
    assert error_lines(result)[0].startswith("ketplan: error: roster line 3 (id P02): column weight 'x'")


def test_every_column_is_an_option_and_skip_takes_dates(runner, tmp_path):
    text = (
        "id,route,start,weight,protocol,days,time,tz,weeks,until,dose,first_dose,every,mg_per_kg,age,height,sex,"
        "dosing_weight,closed,skip,holidays,label,screen_every\n"
        "P01,iv,2026-12-07,70kg,iv-racemic-twice-weekly,mon,thu,10:30,Europe/Brussels,,2027-01-31,,,,0.4,70,170cm,male,"
        'adjusted,"sat,sun","2026-12-24,2026-12-31",BE,P01,\n'
    )
    result = plan(runner, "--roster", roster_file(tmp_path, text.replace("mon,thu", '"mon,thu"')))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    typed = plan(
        runner,
        "--route",
        "iv",
        "--start",
        "2026-12-07",
        "--weight",
        "70kg",
        "--protocol",
        "iv-racemic-twice-weekly",
        "--days",
        "mon,thu",
        "--time",
        "10:30",
        "--tz",
        "Europe/Brussels",
        "--until",
        "2027-01-31",
        "--mg-per-kg",
        "0.4",
        "--age",
        "70",
        "--height",
        "170cm",
        "--sex",
        "male",
        "--dosing-weight",
        "adjusted",
        "--closed",
        "sat,sun",
        "--skip",
        "2026-12-24",
        "--skip",
        "2026-12-31",
        "--holidays",
        "BE",
        "--label",
        "P01",
        "--format",
        "json",
    )
    assert document == {"id": "P01", **json.loads(typed.stdout)}


def test_the_columns_are_exactly_the_plan_options():
    # weight_kg / weight_lb are the weight option with its unit named in the header.
    options = {f.name for f in fields(PlanOptions) if f.name != "row_id"}
    assert set(ALLOWED_COLUMNS) == options | {"id", "weight_kg", "weight_lb"}
    assert REQUIRED_COLUMNS == ("id", "route", "start")


def test_numbers_are_read_like_typed_options(runner, tmp_path):
    text = (
        HEADER.replace("weeks", "weeks,mg_per_kg")
        + "P01,iv,2026-12-07,70kg, 4 ,0.5,,,\nP02,iv,2026-12-07,70kg,4.5,,,,\nP03,iv,2026-12-07,70kg,4,half,,,\n"
    )
    result = plan(runner, "--roster", roster_file(tmp_path, text))
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P01"]
    errors = error_lines(result)
    assert errors[0].startswith("ketplan: error: roster line 3 (id P02): weeks '4.5':")
    assert errors[1].startswith("ketplan: error: roster line 4 (id P03): mg_per_kg 'half':")
    typed = plan(runner, *TYPED["P02"][:-2], "--weeks", "4.5")
    assert typed.exit_code == 2  # typed, 4.5 weeks is refused too


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    "value",
    [
        "../x",
        "a/b",
        "a\\b",
        "..",
        ".",
        ".hidden",
        "P..1",
        "a b",
        "P\x01",
        "x" * 65,
        "CON",
        "nul.txt",
        "Lpt1",
        "=1+2",
        "-P01",
        "Zoë",
    ],
)
def test_unsafe_ids_are_refused(value):
    with pytest.raises(InputError, match="is not usable"):
        check_id(value)


@pytest.mark.parametrize("value", ["P01", "p-01_a.b", "x" * 64, "2026.07", "CONSULT"])
def test_safe_ids(value):
    assert check_id(f" {value} ") == value


def test_ids_are_unique_ignoring_case(runner, tmp_path):
    result = plan(
        runner,
        "--roster",
        roster_file(tmp_path, HEADER + GOOD_2 + GOOD_2.replace("P02", "p02") + ",iv,2026-12-07,70kg,4,,,\n"),
    )
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P02"]
    errors = error_lines(result)
    assert (
        errors[0]
        == "ketplan: error: roster line 3 (id p02): id p02 repeats the id on line 2 (ids must be unique, ignoring case)"
    )
    assert errors[1].startswith("ketplan: error: roster line 4 (unusable id): id is empty")


# --------------------------------------------------------------------------- stdin and streaming


def test_stdin_roster(runner):
    result = plan(runner, "--roster", "-", "--format", "csv", input=HEADER + GOOD_2 + NO_WEIGHT)
    assert result.exit_code == 2
    assert {row["id"] for row in csv.DictReader(io.StringIO(result.stdout))} == {"P02"}
    assert "roster line 3 (id P04)" in result.stderr


def _ketplan(*args: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG", "PYTHONUNBUFFERED")}
    env.update(ENV)
    return subprocess.Popen([sys.executable, "-m", "ketplan", *args], env=env, **kwargs)


def test_subprocess_good_and_bad_rows_exit_2(tmp_path):
    process = _ketplan(
        "plan", "--roster", roster_file(tmp_path, ROSTER), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert [json.loads(line)["id"] for line in stdout.decode().splitlines()] == ["P01", "P02", "P03"]
    errors = stderr.decode().splitlines()
    assert [line.split(":")[2].strip() for line in errors[:3]] == [
        "roster line 4 (id P04)",
        "roster line 6 (id P05)",
        "roster line 7 (unusable id)",
    ]
    assert errors[3] == "ketplan: error: 3 of 6 roster rows failed (lines 4, 6, 7); 3 planned"


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_output_streams_before_the_roster_ends(tmp_path, output_format):
    """The first plan is written while stdin is still open and the second row not yet sent.
    (csv catches a missing flush: its records are smaller than the pipe buffer; a jsonl line is not.)"""
    process = _ketplan(
        "plan",
        "--roster",
        "-",
        "--format",
        output_format,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    wanted = 2 if output_format == "csv" else 1  # the csv header, then P02's first session
    first: list[bytes] = []

    def read_first() -> None:
        for _ in range(wanted):
            first.append(process.stdout.readline())

    reader = threading.Thread(target=read_first, daemon=True)
    try:
        process.stdin.write((HEADER + GOOD_2).encode())
        process.stdin.flush()
        reader.start()
        reader.join(timeout=60)
        assert len(first) == wanted and first[-1].startswith(b"P02,1," if output_format == "csv" else b'{"id":"P02"'), (
            "no plan on stdout before the end of the roster"
        )
        assert process.poll() is None  # still waiting for more rows
        process.stdin.write(GOOD_3.encode())
        process.stdin.close()
        rest, stderr = process.stdout.read(), process.stderr.read()
        assert process.wait(timeout=120) == 0, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = rest.decode().splitlines()
    assert lines and all(line.startswith(("P02,", "P03,", '{"id":"P03"')) for line in lines)
    assert lines[-1].startswith(("P03,", '{"id":"P03"'))


def test_a_roster_parses_each_shipped_protocol_file_at_most_once(runner, tmp_path, monkeypatch):
    """Per-patient cost must not grow with the catalog: a 40-row roster over two routes reads
    the protocol files once per process, not once per row (a regression the benchmark caught)."""
    import tomllib

    from ketplan.io import catalog

    catalog.clear_caches()
    parses = []
    real_loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text, **kw: (parses.append(1), real_loads(text, **kw))[1])
    rows = ["id,route,start,weight"] + [
        f"P{i},intranasal,2026-12-01," if i % 2 else f"P{i},iv,2026-12-07,70kg" for i in range(40)
    ]
    result = plan(runner, "--roster", roster_file(tmp_path, "\n".join(rows) + "\n"))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 40
    # Finding each route's default reads the files' headers once (8 per route here), then the
    # chosen file is validated once: 2 routes -> at most 2 x 8 + 2; per-row parsing would be 40 x 8.
    assert len(parses) <= 3 * len(list(catalog.shipped_dir().glob("*.toml")))


def test_the_writer_threads_keep_the_user_s_umask(tmp_path, monkeypatch):
    """The umask is read by setting it and back: two writer threads doing that at once would read
    each other's value (a 0o644 calendar under umask 077) and could leave the wrong one set."""
    from ketplan.io import files

    slow_disk(monkeypatch, 0.02)
    files.process_umask.cache_clear()
    real_umask = os.umask
    callers: list[bool] = []

    def umask(mask: int) -> int:
        callers.append(threading.current_thread() is threading.main_thread())
        return real_umask(mask)

    previous = os.umask(0o077)
    monkeypatch.setattr(files.os, "umask", umask)
    try:
        out = tmp_path / "calendars"
        out.mkdir()
        rows = HEADER + "".join(f"Q{i:02d},iv,2026-12-07,70kg,4,,,\n" for i in range(12))
        outcomes = list(ics_outcomes(tmp_path, rows, out))
        assert all(o.planned for o in outcomes) and len(outcomes) == 12
        modes = {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
        assert modes == {0o600}
        assert callers and all(callers)  # read once, by the main thread, before the writers start
        assert real_umask(0o077) == 0o077  # still the user's
    finally:
        real_umask(previous)
        files.process_umask.cache_clear()
