"""The embedded SQLite store (stdlib sqlite3): one file, WAL, foreign keys, a busy timeout.

The folder ketplan creates for it is 0700 and the file 0600 (SQLite gives its -wal and -shm
files the database file's permissions). Every command is one transaction; a write takes the
write lock at its start (BEGIN IMMEDIATE), so two people recording at the same moment are
serialised by the busy timeout instead of failing, and the per-course entry numbers cannot race.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from ketplan.core.course import Entry, NewEntry, Summary
from ketplan.io.store import migrations
from ketplan.io.store.base import CourseRecord, CourseRow, Revision, StoreError, _iso
from ketplan.io.store.sql import SqlStore
from ketplan.io.store.sql import course_from_row as _course
from ketplan.io.store.sql import dumps as _dumps

BUSY_TIMEOUT_SECONDS = 30.0
SQLITE_HEADER = b"SQLite format 3\x00"


class SQLiteStore(SqlStore):
    backend = "sqlite"

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.location = str(path)
        self._depth = 0

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, location: str, *, create: bool, timeout: float | None = None) -> SQLiteStore:
        path = Path(location).expanduser()
        shown = str(path)
        if path.is_dir():
            raise StoreError(f"the treatment store {shown} is a directory; give a file path with --db or KETPLAN_DB")
        if not path.exists():
            if not create:
                raise StoreError(
                    f"no treatment store at {shown}: create a course first with 'ketplan course new' "
                    "(or choose the store with --db or KETPLAN_DB)"
                )
            _create_file(path)
        else:
            _check_header(path)
        if timeout is None:
            try:
                timeout = float(os.environ.get("KETPLAN_DB_TIMEOUT", BUSY_TIMEOUT_SECONDS))
            except ValueError:
                timeout = BUSY_TIMEOUT_SECONDS
        try:
            connection = sqlite3.connect(shown, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise _mapped(error, shown, timeout) from None
        store = cls(connection, path)
        store.timeout = timeout
        with store._errors():
            connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            version = store._read_version()
            if version > migrations.CURRENT:
                connection.close()
                raise StoreError(
                    f"the treatment store {shown} was written by a newer ketplan (schema {version}; this ketplan knows "
                    f"up to {migrations.CURRENT}): upgrade ketplan. The store was not changed."
                )
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            if version < migrations.CURRENT:
                store._migrate()
        return store

    timeout: float = BUSY_TIMEOUT_SECONDS

    def _read_version(self) -> int:
        row = self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if row is None:
            tables = self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise StoreError(f"{self.location} is an SQLite database but not a ketplan treatment store")
            return 0
        found = self.connection.execute("SELECT version FROM schema_version").fetchone()
        return int(found[0]) if found else 0

    def _migrate(self, target: int | None = None) -> None:
        target = migrations.CURRENT if target is None else target
        with self.transaction(write=True):
            version = self._read_version()  # again, under the write lock: another process may have done it
            if version > migrations.CURRENT:
                raise StoreError(f"the treatment store {self.location} was written by a newer ketplan")
            if version == 0:
                self.connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                self.connection.execute("INSERT INTO schema_version (version) VALUES (0)")
            for number in range(version + 1, target + 1):
                for statement in migrations.MIGRATIONS[number - 1]:
                    self.connection.execute(statement)
                for statement in migrations.SQLITE_EXTRA.get(number, ()):
                    self.connection.execute(statement)
                if number == 2:
                    self._backfill_summaries()
                self.connection.execute("UPDATE schema_version SET version = ?", (number,))

    def _backfill_summaries(self) -> None:
        from ketplan.core.course import CoursePlan, summarize

        for (course_id,) in self.connection.execute("SELECT id FROM courses").fetchall():
            latest = self.latest_revision(course_id)
            if latest is not None:
                self.put_summary(course_id, summarize(CoursePlan.from_dict(latest.plan), self.entries_for(course_id)))

    # ------------------------------------------------------------------ transactions and errors

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise _mapped(error, self.location, self.timeout) from None
        except OSError as error:
            if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
                raise StoreError(f"cannot write the treatment store {self.location}: the disk is full") from None
            raise

    @contextlib.contextmanager
    def transaction(self, *, write: bool) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with self._errors():
            self.connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            with self._errors():
                self.connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.connection.close()

    def _execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        with self._errors():
            return self.connection.execute(sql, parameters)

    # ------------------------------------------------------------------ courses

    def create_course(self, course: CourseRecord) -> None:
        if self.get_course(course.label) is not None:
            raise StoreError(f"a course with label {course.label!r} exists already in {self.location}")
        if self.get_course_by_id(course.id) is not None:
            raise StoreError(f"a course with id {course.id} exists already in {self.location} (under another label)")
        self._execute(
            "INSERT INTO courses (id, label, protocol_id, options, created_at) VALUES (?, ?, ?, ?, ?)",
            (course.id, course.label, course.protocol_id, _dumps(course.options), _iso(course.created_at)),
        )

    def get_course(self, label: str) -> CourseRecord | None:
        row = self._execute(
            "SELECT id, label, protocol_id, options, created_at FROM courses WHERE label = ?", (label,)
        ).fetchone()
        return _course(row) if row else None

    def get_course_by_id(self, course_id: str) -> CourseRecord | None:
        row = self._execute(
            "SELECT id, label, protocol_id, options, created_at FROM courses WHERE id = ?", (course_id,)
        ).fetchone()
        return _course(row) if row else None

    def list_courses(self) -> list[CourseRow]:
        rows = self._execute(
            "SELECT c.label, c.protocol_id, json_extract(c.options, '$.tz'), c.created_at, NULL,"
            " s.course_id, s.first_session, s.last_session, s.given, s.missed, s.open_dates"
            " FROM courses c LEFT JOIN course_summary s ON s.course_id = c.id ORDER BY c.label"
        ).fetchall()
        out = []
        for row in rows:
            summary = None
            if row[5] is not None:
                summary = Summary(
                    first_session=date.fromisoformat(row[6]) if row[6] else None,
                    last_session=date.fromisoformat(row[7]) if row[7] else None,
                    given=int(row[8]),
                    missed=int(row[9]),
                    open_dates=tuple(map(date.fromisoformat, row[10].split(","))) if row[10] else (),
                )
            out.append(CourseRow(row[0], row[1], row[2], summary))
        return out

    def delete_course(self, course_id: str) -> None:
        self._execute("DELETE FROM courses WHERE id = ?", (course_id,))

    # ------------------------------------------------------------------ entries

    def append_entry(self, course_id: str, entry: NewEntry, recorded_at: datetime) -> Entry:
        seq = self._execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE course_id = ?", (course_id,)
        ).fetchone()[0]
        stored = Entry(
            seq=int(seq),
            kind=entry.kind,
            recorded_at=recorded_at,
            payload=dict(entry.payload),
            by=entry.by,
            corrects=entry.corrects,
            session_n=entry.session_n,
            session_date=entry.session_date,
        )
        self.insert_entry(course_id, stored)
        return stored

    # ------------------------------------------------------------------ revisions

    def add_revision(self, course_id: str, revision: Revision) -> None:
        self._execute(
            "INSERT INTO revisions (course_id, revision, entry_seq, created_at, plan) VALUES (?, ?, ?, ?, ?)",
            (course_id, revision.revision, revision.entry_seq, _iso(revision.created_at), _dumps(revision.plan)),
        )

    # ------------------------------------------------------------------ summary

    def put_summary(self, course_id: str, summary: Summary) -> None:
        self._execute(
            "INSERT INTO course_summary (course_id, first_session, last_session, given, missed, open_dates)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (course_id) DO UPDATE SET first_session = excluded.first_session,"
            " last_session = excluded.last_session, given = excluded.given, missed = excluded.missed,"
            " open_dates = excluded.open_dates",
            (
                course_id,
                summary.first_session.isoformat() if summary.first_session else None,
                summary.last_session.isoformat() if summary.last_session else None,
                summary.given,
                summary.missed,
                ",".join(d.isoformat() for d in summary.open_dates),
            ),
        )

    # ------------------------------------------------------------------ ketplan db info

    def counts(self) -> dict[str, int]:
        tables = ("courses", "entries", "revisions", "course_summary")
        return {t: int(self._execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}

    def details(self) -> dict[str, str]:
        return {"server": f"SQLite {sqlite3.sqlite_version} (embedded)"}


def _create_file(path: Path) -> None:
    parent = path.parent
    try:
        if not parent.exists():
            parent.mkdir(mode=0o700, parents=True)
            os.chmod(parent, 0o700)  # the folder ketplan made for the store: owner only, whatever the umask
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return  # another process created it at the same moment
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            reason = "the disk is full"
        raise StoreError(f"cannot create the treatment store {path}: {reason}") from None


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except PermissionError:
        raise StoreError(f"cannot read the treatment store {path}: permission denied") from None
    except OSError as error:
        raise StoreError(f"cannot read the treatment store {path}: {error.strerror or error}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a ketplan treatment store (not an SQLite database, or damaged); "
            "restore it from a backup (ketplan course export) or choose another --db"
        )


def _mapped(error: sqlite3.Error, location: str, timeout: float) -> StoreError:
    text = str(error)
    name = str(getattr(error, "sqlite_errorname", "") or "")
    lowered = text.lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in lowered:
        return StoreError(
            f"the treatment store {location} is locked by another program (waited {timeout:g} s); nothing was "
            "changed: try again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in lowered:
        return StoreError(f"cannot write the treatment store {location}: it is read-only; nothing was changed")
    if name.startswith("SQLITE_FULL") or "disk is full" in lowered:
        return StoreError(f"cannot write the treatment store {location}: the disk is full; nothing was changed")
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in lowered:
        return StoreError(
            f"cannot write the treatment store {location}: the disk is full or failing ({text}); nothing was changed"
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in lowered or "malformed" in lowered:
        return StoreError(
            f"{location} is damaged or not a ketplan treatment store ({text}); restore it from a backup "
            "(ketplan course export)"
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in lowered:
        return StoreError(f"cannot open the treatment store {location} ({text}): check the path and its permissions")
    return StoreError(f"the treatment store {location} failed: {text}")
