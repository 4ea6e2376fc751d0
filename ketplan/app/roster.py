"""Batch planning: a clinic's whole roster in one process (`ketplan plan --roster FILE.csv`).

One CSV row is one patient: an `id` and the `ketplan plan` options of the same names as
columns. Each row becomes a `PlanOptions` and goes through `plan_from_text`, exactly like the
same options typed on the command line (numbers are converted by the same pydantic rules
Typer applies to typed options).

Rows are read, planned and written one at a time, so memory stays flat in the roster size
and the first plan is out before the last row is read. Protocols and everything imported
are loaded once per process; nothing is cached on disk.

A bad row does not stop the batch: it is reported on stderr with its line number and id,
the other rows are planned, and the exit code is 2. A roster that cannot be read at all
(missing file, not UTF-8, bad header) is a one-line error with exit 2.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ketplan.core.errors import InputError, KetplanError, OutputError, column_name, option_name, ref
from ketplan.io.files import AtomicFile

if TYPE_CHECKING:
    from ketplan.export.formats import OutputFormat, RenderOptions

REQUIRED_COLUMNS = ("id", "route", "start")
# Optional columns: the `ketplan plan` options of the same names (underscores for dashes).
OPTIONAL_COLUMNS = (
    "weight",
    "protocol",
    "days",
    "time",
    "tz",
    "weeks",
    "until",
    "dose",
    "first_dose",
    "every",
    "mg_per_kg",
    "age",
    "height",
    "sex",
    "dosing_weight",
    "closed",
    "skip",
    "holidays",
    "label",
    "screen_every",
    "setting",
    # The weight's unit in the header, a plain number in the cells (instead of `weight`).
    "weight_kg",
    "weight_lb",
    "concentration",
    "final_volume",
    "minutes",
)
WEIGHT_COLUMNS = {"weight": "", "weight_kg": "kg", "weight_lb": "lb"}
ALLOWED_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
INT_COLUMNS = frozenset({"weeks", "dose", "first_dose", "every", "age", "screen_every"})
FLOAT_COLUMNS = frozenset({"mg_per_kg", "concentration", "final_volume", "minutes"})

MAX_ID_LENGTH = 64
# The id names the patient's file in --output-dir and starts a CSV cell: letters, digits,
# '.', '_' and '-', starting with a letter or digit (no path separator, no formula start).
ID_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}", re.ASCII)
# Device names Windows refuses as file names, with or without an extension.
_RESERVED_NAMES = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\..*)?", re.IGNORECASE | re.ASCII)
MAX_FAILED_LINES_SHOWN = 10


# --------------------------------------------------------------------------- rows


def spell_in_roster(field: str) -> str:
    """A roster names its own inputs as columns; the command's options keep their spelling."""
    return column_name(field) if field in ALLOWED_COLUMNS else option_name(field)


def check_id(value: str) -> str:
    """A roster id: safe as a file name on every platform and as a CSV cell."""
    text = value.strip()
    if not text:
        raise InputError("id is empty; every row needs an id such as P01 (it names the patient's output)", "id")
    if not ID_PATTERN.fullmatch(text) or ".." in text or _RESERVED_NAMES.fullmatch(text):
        raise InputError(
            f"id {_shown(text)} is not usable: give 1-{MAX_ID_LENGTH} letters, digits, '.', '_' or '-', starting "
            "with a letter or digit, without '..' (it names the patient's file)",
            "id",
        )
    return text


def _shown(text: str, limit: int = 70) -> str:
    """A cell quoted for a one-line message: control characters escaped, long values cut."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


_CONVERTERS: dict[type, Any] = {}


def _number(kind: type, column: str, text: str):
    """Convert a cell like Typer converts a typed option (pydantic lax mode): '5' -> 5."""
    adapter = _CONVERTERS.get(kind)
    if adapter is None:
        from pydantic import TypeAdapter

        # Without pydantic's plugin discovery (an entry-point scan of every installed
        # distribution), as Typer builds the adapters of typed options.
        preset = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = preset if preset is not None else "1"
        try:
            adapter = _CONVERTERS[kind] = TypeAdapter(kind)
        finally:
            if preset is None:
                os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
    from pydantic import ValidationError

    try:
        return adapter.validate_python(text)
    except ValidationError as error:
        problems = error.errors()
        reason = problems[0]["msg"] if problems else "not a valid number"
        raise InputError(f"{column} {_shown(text)}: {reason}", column) from None


def row_options(cells: dict[str, str]):
    """The `PlanOptions` of one roster row (cells already stripped; empty means not given)."""
    from ketplan.app.planning import PlanOptions

    values: dict[str, Any] = {}
    for column, text in cells.items():
        if column == "id" or text == "":
            continue
        if column in INT_COLUMNS:
            values[column] = _number(int, column, text)
        elif column in FLOAT_COLUMNS:
            values[column] = _number(float, column, text)
        elif column == "skip":
            values["skip"] = [text]  # comma-separated dates, as with --skip
        elif column in ("weight_kg", "weight_lb"):
            values["weight"] = _unit_column_weight(column, text)
        else:
            values[column] = text
    return PlanOptions(**values)


def _unit_column_weight(column: str, text: str) -> str:
    """A cell of a weight_kg / weight_lb column: a plain number, its unit named by the header."""
    unit = WEIGHT_COLUMNS[column]
    if not re.fullmatch(r"[0-9]{1,6}(?:\.[0-9]{1,6})?", text, re.ASCII):
        raise InputError(
            f"{column} {_shown(text)}: the header gives the unit ({unit}); give a plain number such as 70",
            column,
        )
    return f"{text}{unit}"


@dataclass
class RosterRow:
    line: int  # where the row starts in the file (1 = the header)
    id: str | None  # None when the id is unusable or the row could not be read
    options: Any = None  # PlanOptions, or None when `error` is set
    error: str | None = None
    unreadable: bool = False  # the row is not valid CSV, so it has no id at all


def _column_name(raw: str) -> str:
    return raw.strip().lower().replace("-", "_")


def read_header(reader, source: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            f"roster {source} is empty: the first line must be a header such as id,route,start", "roster"
        ) from None
    columns = [_column_name(name) for name in header]
    if not any(columns):
        raise InputError(
            f"roster {source}: the first line must be a header such as id,route,start, not an empty line", "roster"
        )
    if "" in columns:
        raise InputError(f"roster {source}: the header has an empty column name (a trailing comma?)", "roster")
    unknown = [name for name in columns if name not in ALLOWED_COLUMNS]
    if unknown:
        hint = " (the roster must be comma-separated)" if len(columns) == 1 and ";" in header[0] else ""
        raise InputError(
            f"roster {source}: unknown column(s) {', '.join(_shown(n, 40) for n in unknown)}{hint}; "
            f"allowed: {', '.join(ALLOWED_COLUMNS)}",
            "roster",
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise InputError(
            f"roster {source}: column(s) {', '.join(repeated)} appear more than once in the header", "roster"
        )
    weights = [name for name in columns if name in WEIGHT_COLUMNS]
    if len(weights) > 1:
        raise InputError(
            f"roster {source}: give one weight column (weight with units, weight_kg or weight_lb), not {', '.join(weights)}",
            "roster",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InputError(
            f"roster {source}: the header needs the columns {', '.join(REQUIRED_COLUMNS)} (missing: {', '.join(missing)})",
            "roster",
        )
    return columns


class _Lines:
    """The roster's physical lines as text, decoded one line at a time so that a byte that is
    not UTF-8 is reported on its own line, and so that each row is handed on as soon as its
    line arrives (a pipe is never read ahead). Line ends are kept, as csv wants them."""

    def __init__(self, raw, source: str) -> None:
        self.raw, self.source, self.count = raw, source, 0  # count: lines handed on so far

    def __iter__(self) -> Iterator[str]:
        for chunk in self.raw:
            if isinstance(chunk, bytes):
                try:
                    text = chunk.decode("utf-8")
                except UnicodeDecodeError as error:
                    line = self.count + 1 + len(_BARE_CR_BYTES.findall(chunk[: error.start]))
                    raise InputError(
                        f"roster {self.source}: not UTF-8 text (byte 0x{chunk[error.start]:02x} on line {line}); "
                        "save the roster as UTF-8 CSV",
                        "roster",
                    ) from None
            else:
                text = chunk
            if self.count == 0:
                text = text.removeprefix("\ufeff")  # the BOM spreadsheet programs write
            if "\r" in text.rstrip("\r\n"):  # old Mac line ends (CR only): one line each
                pieces = _BARE_CR.split(text)
            else:
                pieces = (text,)
            for piece in pieces:
                self.count += 1
                yield piece


_BARE_CR = re.compile(r"(?<=\r)(?!\n)")
_BARE_CR_BYTES = re.compile(rb"\r(?!\n)")


def iter_rows(raw, source: str) -> Iterator[RosterRow]:
    """Parse the roster lazily: the header first (refused as a whole), then one row at a time.

    `raw` yields the roster's lines as bytes (a binary file, stdin's buffer) or as text."""
    reader = csv.reader(_Lines(raw, source), strict=True)
    try:
        columns = read_header(reader, source)
    except csv.Error as error:
        raise InputError(f"roster {source}: the header is not valid CSV ({error})", "roster") from None
    seen: dict[str, int] = {}  # casefolded id -> line: ids must be unique (they name files)
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. `"70"kg`: reported, never guessed; the next record starts afresh
            yield RosterRow(
                line,
                None,
                error=f"not valid CSV ({error}); quote a cell that holds a quote or a comma",
                unreadable=True,
            )
            continue
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        yield _row(record, columns, line, seen)


def _row(record: list[str], columns: list[str], line: int, seen: dict[str, int]) -> RosterRow:
    raw_id = record[columns.index("id")] if len(record) > columns.index("id") else ""
    try:
        row_id = check_id(raw_id)
    except InputError as error:
        return RosterRow(line, None, error=error.spelled(spell_in_roster))
    key = row_id.casefold()
    if key in seen:
        return RosterRow(
            line, row_id, error=f"id {row_id} repeats the id on line {seen[key]} (ids must be unique, ignoring case)"
        )
    seen[key] = line
    if len(record) != len(columns):
        return RosterRow(line, row_id, error=f"the row has {len(record)} fields but the header has {len(columns)}")
    cells = {column: value.strip() for column, value in zip(columns, record, strict=False)}
    try:
        return RosterRow(line, row_id, options=row_options(cells))
    except KetplanError as error:
        return RosterRow(line, row_id, error=error.spelled(spell_in_roster))


# --------------------------------------------------------------------------- input


def open_roster(spec: str) -> tuple[IO, str]:
    """The roster as a binary stream read line by line, and its name for messages."""
    if spec == "-":
        return getattr(sys.stdin, "buffer", sys.stdin), "<stdin>"  # a replaced stdin may be text only
    if not spec.strip() or "\x00" in spec:
        raise InputError(
            f"{ref('roster')} is empty or not a usable file name; give a CSV file or '-' for stdin", "roster"
        )
    path = Path(spec)
    try:
        if path.is_dir():
            raise InputError(f"{ref('roster')} {spec}: is a folder, not a CSV file", "roster")
        return open(path, "rb"), spec
    except FileNotFoundError:
        raise InputError(f"{ref('roster')} {spec}: no such file", "roster") from None
    except PermissionError:
        raise InputError(f"{ref('roster')} {spec}: cannot be read (permission denied)", "roster") from None
    except OSError as error:
        raise InputError(f"{ref('roster')} {spec}: cannot be read ({error.strerror or error})", "roster") from None


# --------------------------------------------------------------------------- output


class StdoutSink:
    """Text to stdout, flushed after every patient so the output streams."""

    def write(self, text: str) -> None:
        from ketplan.io.files import write_output

        write_output(text, None, force=False)

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        pass


def check_output_dir(text: str) -> Path:
    if not text.strip() or "\x00" in text:
        raise InputError(f"{ref('output_dir')} is empty or not a usable folder name", "output_dir")
    folder = Path(text)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist (create it first)"
        raise InputError(f"{ref('output_dir')} {text} {what}", "output_dir")
    return folder


# --------------------------------------------------------------------------- the batch


@dataclass(frozen=True)
class RowOutcome:
    """What became of one roster row: planned, or refused with a message for its reader."""

    line: int
    id: str | None
    error: str | None = None
    unreadable: bool = False
    warnings: tuple[str, ...] = ()  # the plan's own warnings, less its protocol's standing ones
    skipped: bool = False  # --skip-existing: the row's output file was already there

    @property
    def planned(self) -> bool:
        return self.error is None and not self.skipped

    @property
    def who(self) -> str:
        if self.id is not None:
            return f"id {self.id}"
        return "id unknown" if self.unreadable else "unusable id"


@dataclass
class BatchResult:
    planned: int = 0
    failed: int = 0
    failed_lines: tuple[int, ...] = ()
    skipped: int = 0

    def add(self, outcome: RowOutcome) -> None:
        if outcome.skipped:
            self.skipped += 1
            return
        if outcome.planned:
            self.planned += 1
            return
        self.failed += 1
        if len(self.failed_lines) < MAX_FAILED_LINES_SHOWN:
            self.failed_lines = (*self.failed_lines, outcome.line)


def run_roster(
    spec: str,
    chosen: OutputFormat,
    *,
    output: Path | None = None,
    output_dir: Path | None = None,
    force: bool = False,
    render_options: RenderOptions | None = None,
    default_zone: str | None = None,
    command_line=None,
    profile=None,
    skip_existing: bool = False,
) -> Iterator[RowOutcome]:
    """Plan every row of the roster `spec` (a path or '-'), writing as it goes, and yield each
    row's outcome as soon as it is known (the caller decides how to show it).

    A streamed format goes to stdout or the file `output`; a one-file-per-row format (ics) writes
    `output_dir/ID.ics` per patient. A failure of the batch's own output (OutputError) or of the
    roster itself (InputError) stops the batch; an `output` file is then not created. The output
    file is committed when the generator is exhausted, and abandoned if it is closed early.

    `command_line` (PlanOptions) holds clinic-wide options that win over each row's cells;
    `profile` (a LoadedProfile) fills in what neither sets (ketplan.app.settings). A row without
    a label is labelled with its id, so two rows never share calendar UIDs. `skip_existing`
    (one-file-per-row formats only) passes over the rows whose ID.ics is already in `output_dir`.
    """
    from dataclasses import replace

    from ketplan.app.settings import overlay
    from ketplan.export.formats import ROSTER, RenderOptions

    if ROSTER not in chosen.subjects:
        raise ValueError(f"run_roster: {chosen.name} is not a roster format")
    if chosen.one_file_per_row and (output_dir is None or output is not None):
        raise ValueError(f"run_roster: --format {chosen.name} writes one file per patient into output_dir")
    from ketplan.app.planning import plan_from_text

    if default_zone is None:
        from ketplan.io.clinic_calendar import system_zone_name

        default_zone = system_zone_name()
    write_plan = _plan_writer(
        chosen, output_dir=output_dir, force=force, render_options=render_options or RenderOptions()
    )
    header = "" if chosen.one_file_per_row else chosen.module_attr("roster_header")()
    sink = None
    stream = None
    try:
        # The output is claimed before the roster is read, so a refused --output fails at once.
        if not chosen.one_file_per_row:
            sink = AtomicFile(output, force=force, text=True) if output is not None else StdoutSink()
        stream, source = open_roster(spec)
        rows = iter_rows(stream, source)
        header_written = False
        for row in rows:
            if header and not header_written:
                sink.write(header)
                header_written = True
            message = row.error
            warnings: tuple[str, ...] = ()
            if (
                message is None
                and skip_existing
                and output_dir is not None
                and (output_dir / f"{row.id}.{chosen.name}").exists()
            ):
                yield RowOutcome(row.line, row.id, skipped=True)
                continue
            if message is None:
                try:
                    options = replace(overlay(row.options, command_line), row_id=row.id)
                    plan = plan_from_text(options, default_zone=default_zone, profile=profile)
                    write_plan(sink, row.id, plan)
                    standing = {note.text for note in plan.protocol.warnings}  # the same for every patient
                    warnings = tuple(w for w in plan.warnings if w not in standing)
                except KetplanError as error:
                    if isinstance(error, OutputError) and sink is not None:
                        raise  # the batch's own output cannot be written: stop
                    message = error.spelled(spell_in_roster)
            yield RowOutcome(row.line, row.id, message, row.unreadable, warnings=warnings)
        if header and not header_written:
            sink.write(header)  # a header-only roster: a header-only CSV
        if sink is not None:
            sink.commit()
            sink = None
    finally:
        if sink is not None:
            sink.abort()
        if stream is not None:
            _close_roster(stream, spec)


def summary(result: BatchResult) -> str:
    lines = ", ".join(map(str, result.failed_lines))
    more = ", ..." if result.failed > len(result.failed_lines) else ""
    total = result.planned + result.failed
    where = "line" if result.failed == 1 else "lines"
    return f"{result.failed} of {total} roster rows failed ({where} {lines}{more}); {result.planned} planned"


def _close_roster(stream, spec: str) -> None:
    if spec != "-":  # never close the process's stdin
        stream.close()


def _plan_writer(chosen: OutputFormat, *, output_dir, force, render_options) -> Callable:
    if chosen.one_file_per_row:
        from ketplan.export.formats import PLAN
        from ketplan.io.files import write_output

        render_file = chosen.renderer(PLAN)

        def write_file(_sink, row_id: str, plan) -> None:
            write_output(render_file(plan, render_options), output_dir / f"{row_id}.{chosen.name}", force=force)

        return write_file

    render_row = chosen.module_attr("render_roster_row")

    def write_row(sink, row_id: str, plan) -> None:
        sink.write(render_row(plan, row_id, render_options))

    return write_row
