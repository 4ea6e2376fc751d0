"""Batch planning: a clinic's whole roster in one process (`ketplan plan --roster FILE.csv`).

One CSV row is one patient: an `id` and the `ketplan plan` options of the same names as
columns. Each row becomes a `PlanOptions` and goes through `plan_from_text`, exactly like the
same options typed on the command line (numbers are converted by the same strict parser,
ketplan.core.numbers, as typed options: no '_', ASCII digits only).

Rows are read, planned and written one at a time, so memory stays flat in the roster size
and the first plan is out before the last row is read. Protocols and everything imported
are loaded once per process; nothing is cached on disk. With one file per patient
(--output-dir), each file is synced to disk by a background thread while the next patient is
planned (_FileWriter).

A bad row does not stop the batch: it is reported on stderr with its line number and id,
the other rows are planned, and the exit code is 2. A roster that cannot be read at all
(missing file, not UTF-8, bad header) is a one-line error with exit 2.
"""

from __future__ import annotations

import collections
import csv
import functools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ketplan.core.errors import InputError, KetplanError, OutputError, column_name, option_name, ref
from ketplan.io.files import AtomicFile, sync_folder

if TYPE_CHECKING:
    from concurrent.futures import Future

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
MAX_LINE_BYTES = 64 * 1024  # one roster line; a longer one is a row error (read bounded, never whole)
MAX_CELL_CHARS = 1024  # one cell; the longest real value (a --skip list) is a few hundred
MAX_NAMES_SHOWN = 5  # column names listed in one message; the rest are counted


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


def _number(kind: type, column: str, text: str) -> int | float:
    """A numeric cell, by the same strict parser as the options (no '_', ASCII digits only)."""
    from ketplan.core.numbers import parse_decimal, parse_int

    try:
        return parse_int(text, column) if kind is int else parse_decimal(text, column)
    except InputError as error:
        reason = error.template.split(": ", 1)[-1].split(" is ", 1)[-1]
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
        listed = ", ".join(_shown(n, 40) for n in unknown[:MAX_NAMES_SHOWN])
        if len(unknown) > MAX_NAMES_SHOWN:
            listed += f" and {len(unknown) - MAX_NAMES_SHOWN} more ({len(unknown)} unknown columns)"
        raise InputError(
            f"roster {source}: unknown column(s) {listed}{hint}; allowed: {', '.join(ALLOWED_COLUMNS)}",
            "roster",
        )
    counts = collections.Counter(columns)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise InputError(
            f"roster {source}: column(s) {', '.join(repeated[:MAX_NAMES_SHOWN])} appear more than once in the header",
            "roster",
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
    line arrives (a pipe is never read ahead). Line ends are kept, as csv wants them.

    Reads are bounded: a line longer than MAX_LINE_BYTES is skipped up to its end. A line that
    is not UTF-8 or too long becomes a blank line for csv and its error is queued in `errors`
    (line, message), so one bad row never stops the batch."""

    def __init__(self, raw, source: str) -> None:
        self.raw, self.source, self.count = raw, source, 0  # count: lines handed on so far
        self.errors: list[tuple[int, str]] = []

    def _chunks(self) -> Iterator[bytes | str | _TooLong]:
        readline = getattr(self.raw, "readline", None)
        if readline is None:
            yield from self.raw
            return
        while True:
            chunk = readline(MAX_LINE_BYTES + 1)
            if not chunk:
                return
            newline = b"\n" if isinstance(chunk, bytes) else "\n"
            if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(newline):
                while chunk and not chunk.endswith(newline):  # skip the rest of the line
                    chunk = readline(MAX_LINE_BYTES)
                yield _TooLong()
                continue
            yield chunk

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks():
            if isinstance(chunk, _TooLong):
                self.count += 1
                self.errors.append((self.count, f"the line is longer than {MAX_LINE_BYTES} bytes; row skipped"))
                yield "\n"
                continue
            if isinstance(chunk, bytes):
                try:
                    text = chunk.decode("utf-8")
                except UnicodeDecodeError as error:
                    line = self.count + 1 + len(_BARE_CR_BYTES.findall(chunk[: error.start]))
                    message = (
                        f"not UTF-8 text (byte 0x{chunk[error.start]:02x} on line {line}); save the roster as UTF-8 CSV"
                    )
                    if self.count == 0:  # the header itself: the roster cannot be read at all
                        raise InputError(f"roster {self.source}: {message}", "roster") from None
                    self.count += 1
                    self.errors.append((self.count, message))
                    yield "\n"
                    continue
            else:
                text = chunk
            if self.count == 0:
                text = text.removeprefix("\ufeff")  # the BOM spreadsheet programs write
            if "\r" in text.rstrip("\r\n"):  # old Mac line ends (CR only): one line each
                pieces = _BARE_CR.split(text)
            else:
                pieces = [text]
            for piece in pieces:
                self.count += 1
                yield piece


class _TooLong:
    """Marks a line that exceeded MAX_LINE_BYTES."""


_BARE_CR = re.compile(r"(?<=\r)(?!\n)")
_BARE_CR_BYTES = re.compile(rb"\r(?!\n)")


def iter_rows(raw, source: str) -> Iterator[RosterRow]:
    """Parse the roster lazily: the header first (refused as a whole), then one row at a time.

    `raw` yields the roster's lines as bytes (a binary file, stdin's buffer) or as text."""
    lines = _Lines(raw, source)
    reader = csv.reader(lines, strict=True)
    try:
        columns = read_header(reader, source)
    except csv.Error as error:
        raise InputError(f"roster {source}: the header is not valid CSV ({error})", "roster") from None
    seen = IdRegistry()  # ids must be unique (they name files), ignoring case
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            yield from _queued(lines)
            return
        except csv.Error as error:  # e.g. `"70"kg`: reported, never guessed; the next record starts afresh
            yield from _queued(lines)
            yield RosterRow(
                line,
                None,
                error=f"not valid CSV ({error}); quote a cell that holds a quote or a comma",
                unreadable=True,
            )
            continue
        yield from _queued(lines)
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        yield _row(record, columns, line, seen)


def _queued(lines: _Lines) -> Iterator[RosterRow]:
    while lines.errors:
        line, message = lines.errors.pop(0)
        yield RosterRow(line, None, error=message, unreadable=True)


class IdRegistry:
    """The ids seen so far, for the uniqueness check, in about 24 bytes a row.

    A set of the id strings cost about 125 bytes a row (158 MB at a million rows). This keeps
    an 8-byte BLAKE2b digest of each casefolded id and its line number in two flat arrays
    (open addressing, at most two-thirds full): about 18-36 bytes a row, 24-48 MB at a million.
    Two different ids share a digest with probability about n²/2⁶⁵ (3·10⁻⁸ at a million rows);
    the second row would then be refused as a repeat, never silently merged."""

    def __init__(self) -> None:
        from array import array

        self._array = array
        self._size = 0
        self._keys = array("Q", bytes(8 * 1024))
        self._lines = array("I", bytes(4 * 1024))

    @staticmethod
    def digest(row_id: str) -> int:
        import hashlib

        value = int.from_bytes(hashlib.blake2b(row_id.casefold().encode("utf-8"), digest_size=8).digest(), "little")
        return value or 1  # 0 marks an empty slot

    def _slot(self, keys, key: int) -> int:
        mask = len(keys) - 1
        slot = key & mask
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def add(self, row_id: str, line: int) -> int | None:
        """Record `row_id` at `line`; return the earlier line if the id was seen before."""
        key = self.digest(row_id)
        slot = self._slot(self._keys, key)
        if self._keys[slot]:
            return int(self._lines[slot])
        self._keys[slot] = key
        self._lines[slot] = min(line, 0xFFFFFFFF)
        self._size += 1
        if self._size * 3 > len(self._keys) * 2:
            self._grow()
        return None

    def _grow(self) -> None:
        old_keys, old_lines = self._keys, self._lines
        size = len(old_keys) * 2
        self._keys = self._array("Q", bytes(8 * size))
        self._lines = self._array("I", bytes(4 * size))
        for key, line in zip(old_keys, old_lines, strict=True):
            if key:
                slot = self._slot(self._keys, key)
                self._keys[slot], self._lines[slot] = key, line

    def __len__(self) -> int:
        return self._size

    def nbytes(self) -> int:
        return self._keys.itemsize * len(self._keys) + self._lines.itemsize * len(self._lines)


def _row(record: list[str], columns: list[str], line: int, seen: IdRegistry) -> RosterRow:
    raw_id = record[columns.index("id")] if len(record) > columns.index("id") else ""
    try:
        row_id = check_id(raw_id)
    except InputError as error:
        return RosterRow(line, None, error=error.spelled(spell_in_roster))
    earlier = seen.add(row_id, line)
    if earlier is not None:
        return RosterRow(
            line, row_id, error=f"id {row_id} repeats the id on line {earlier} (ids must be unique, ignoring case)"
        )
    if len(record) != len(columns):
        return RosterRow(line, row_id, error=f"the row has {len(record)} fields but the header has {len(columns)}")
    for column, value in zip(columns, record, strict=False):
        if len(value) > MAX_CELL_CHARS:
            return RosterRow(
                line,
                row_id,
                error=f"column {column}: the cell is {len(value)} characters long (limit {MAX_CELL_CHARS})",
            )
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
        from ketplan.io.files import NotARegularFile, open_regular_file

        try:
            return open_regular_file(path), spec  # a device (/dev/zero) or a FIFO is refused, never read
        except NotARegularFile as error:
            raise InputError(
                f"{ref('roster')} {spec}: {error.strerror}; give a CSV file, or '-' to read stdin", "roster"
            ) from None
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
    from ketplan.export.formats import ROSTER, RenderOptions

    if ROSTER not in chosen.subjects:
        raise ValueError(f"run_roster: {chosen.name} is not a roster format")
    if chosen.one_file_per_row and (output_dir is None or output is not None):
        raise ValueError(f"run_roster: --format {chosen.name} writes one file per patient into output_dir")
    if default_zone is None:
        from ketplan.io.clinic_calendar import system_zone_name

        default_zone = system_zone_name()
    write_plan = _plan_writer(
        chosen, output_dir=output_dir, force=force, render_options=render_options or RenderOptions()
    )
    header = "" if chosen.one_file_per_row else chosen.module_attr("roster_header")()
    sink = None
    files = _FileWriter() if chosen.one_file_per_row else None
    stream = None
    try:
        # The output is claimed before the roster is read, so a refused --output fails at once.
        if not chosen.one_file_per_row:
            sink = AtomicFile(output, force=force, text=True) if output is not None else StdoutSink()
        stream, source = open_roster(spec)
        rows = iter_rows(stream, source)
        header_written = False
        for row in rows:
            if header and not header_written and sink is not None:
                sink.write(header)
                header_written = True
            if (
                row.error is None
                and skip_existing
                and output_dir is not None
                and (output_dir / f"{row.id}.{chosen.name}").exists()
            ):
                outcome = RowOutcome(row.line, row.id, skipped=True)
            elif row.error is not None:
                outcome = RowOutcome(row.line, row.id, row.error, row.unreadable)
            else:
                write = functools.partial(write_plan, sink if files is None else files, row.id)
                outcome = _plan_row(row, write, command_line, profile, default_zone, batch_output=sink is not None)
            if files is None:
                yield outcome
            else:
                yield from files.outcomes(outcome)
        if files is not None:
            yield from files.outcomes(None)
        if header and not header_written and sink is not None:
            sink.write(header)  # a header-only roster: a header-only CSV
        if sink is not None:
            sink.commit()
            sink = None
    finally:
        if files is not None:
            files.close()
        if sink is not None:
            sink.abort()
        if stream is not None:
            _close_roster(stream, spec)
        if chosen.one_file_per_row and output_dir is not None:
            sync_folder(output_dir)  # the per-patient files' names, durable once for the batch


# Patients' files being synced at once by the roster's writer threads (_FileWriter).
FILES_IN_FLIGHT = 2
# A bug met by one row's values: that row fails, the batch goes on.
_ROW_BUGS = (RecursionError, ValueError, TypeError, ArithmeticError, LookupError, AttributeError)


def _plan_row(row, write, command_line, profile, default_zone: str, *, batch_output: bool) -> RowOutcome:
    """Plan one readable row and write it; its outcome, with the plan's own warnings (less the
    protocol's standing ones, the same for every patient)."""
    from dataclasses import replace

    from ketplan.app.planning import plan_from_text
    from ketplan.app.settings import overlay

    try:
        options = replace(overlay(row.options, command_line), row_id=row.id)
        plan = plan_from_text(options, default_zone=default_zone, profile=profile)
        write(plan)
    except KetplanError as error:
        if isinstance(error, OutputError) and batch_output:
            raise  # the batch's own output cannot be written: stop
        return _failed(row, error)
    except _ROW_BUGS as error:
        return _failed(row, error)
    standing = {note.text for note in plan.protocol.warnings}
    warnings = tuple(w for w in plan.warnings if w not in standing)
    return RowOutcome(row.line, row.id, None, row.unreadable, warnings=warnings)


def _failed(row: RosterRow | RowOutcome, error: Exception) -> RowOutcome:
    """The outcome of a row whose plan or file raised `error` (a refusal, or one of _ROW_BUGS)."""
    if isinstance(error, KetplanError):
        message = error.spelled(spell_in_roster)
    else:
        message = f"internal failure ({type(error).__name__}: {error}); the other rows are planned"
    return RowOutcome(row.line, row.id, message, row.unreadable)


class _FileWriter:
    """The patients' files of a one-file-per-row roster, written by background threads.

    Each file is fsync'd before it is named: on a disk that is 1-4 ms of waiting a file, with
    the GIL released, while planning and rendering a patient is CPU work. The threads sync and
    name the last few patients' files while the main thread plans the next one; fsyncs that
    overlap share the file system's journal commits (ext4 on the benchmark VM: 0.9-3.6 ms a
    file one at a time, 0.6 ms two at a time).

    Per row, `_plan_row` renders the file and hands it to `put`; `outcomes` then gives it to a
    thread (once fewer than FILES_IN_FLIGHT files are in hand) and returns the outcomes that are
    final, in row order. A planned row's outcome waits for its file to be named or refused (the
    refusal is then that row's error), so it comes up to FILES_IN_FLIGHT rows late. A bug in the
    writer (an exception that is neither a refusal nor one of _ROW_BUGS) is raised in the main
    thread, and no file is handed over after it.

    `close()`, whatever ended the batch (the last row, Ctrl-C, SIGTERM or SIGHUP raised as Stopped
    by ketplan.cli.errors, an early GeneratorExit, a bug), returns only when the threads have
    ended and each file in hand is named whole or abandoned without a trace. The threads are not
    daemons: even an interpreter leaving before close() waits for those files.
    """

    def __init__(self) -> None:
        # Imported here, not at the top: concurrent.futures brings logging and queue, 6-9 ms of
        # start-up on the benchmark VM, which only this path needs.
        from concurrent.futures import ThreadPoolExecutor

        from ketplan.io.files import process_umask

        process_umask()  # read here, before the threads exist, never by two of them at once
        self._pool = ThreadPoolExecutor(max_workers=FILES_IN_FLIGHT, thread_name_prefix="ketplan-writer")
        self._next: tuple[Path, bytes | str, bool] | None = None  # put() by the row being planned
        # Planned rows whose files are being written, oldest first.
        self._held: collections.deque[tuple[RowOutcome, Future]] = collections.deque()

    def put(self, target: Path, data: bytes | str, *, force: bool) -> None:
        """The rendered file of the row being planned; `outcomes` hands it over (or drops it if the
        row failed after all)."""
        self._next = (target, data, force)

    def outcomes(self, outcome: RowOutcome | None) -> Iterator[RowOutcome]:
        """After each row, with its outcome (None after the last row): the outcomes final now."""
        final = []
        job, self._next = self._next, None
        if outcome is None:  # the last row: every file in hand
            while self._held:
                final.append(self._settled())
        elif job is not None and outcome.planned:
            if len(self._held) == FILES_IN_FLIGHT:
                final.append(self._settled())
            self._held.append((outcome, self._start(*job)))
        else:
            while self._held:  # an outcome known at once still waits for the rows above it
                final.append(self._settled())
            final.append(outcome)
        yield from final

    def _start(self, target: Path, data: bytes | str, force: bool) -> Future:
        import threading

        from ketplan.io.files import write_output

        in_file = threading.Event()

        def write() -> None:
            try:
                write_output(data, target, force=force, sync=False, written=in_file.set)
            finally:
                in_file.set()  # also when the file was refused before a byte was written

        future = self._pool.submit(write)
        # Wait until the bytes are in the temporary file. Up to there the thread runs Python between
        # short system calls, and each time it wants the GIL back from the busy main thread it waits
        # the switch interval (5 ms): left alone it had not reached the fsync by the time the next
        # patient was planned, and the batch was slower than without the thread. From here on it
        # is the fsync and the naming, which overlap the next patient's planning.
        in_file.wait()
        return future

    def _settled(self) -> RowOutcome:
        """The held row's outcome once its file is done (waits for it; a bug in the writer is raised)."""
        outcome, written = self._held.popleft()
        try:
            written.result()
        except (KetplanError, *_ROW_BUGS) as error:
            return _failed(outcome, error)
        return outcome

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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

        render_file = chosen.renderer(PLAN)

        def write_file(files: _FileWriter, row_id: str, plan) -> None:
            files.put(output_dir / f"{row_id}.{chosen.name}", render_file(plan, render_options), force=force)

        return write_file

    render_row = chosen.module_attr("render_roster_row")

    def write_row(sink, row_id: str, plan) -> None:
        sink.write(render_row(plan, row_id, render_options))

    return write_row
