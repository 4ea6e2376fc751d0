"""The storage interface every backend implements (SQLite now, PostgreSQL next).

Model (the same in every backend; see migrations.py for the SQL):
- course: id (random, never reused), label (unique, pseudonymous), protocol id, the plan
  options as typed (JSON), created_at.
- entry: (course id, seq) with seq = 1, 2, 3 ... per course, kind, session_n, session_date,
  payload (JSON), recorded_at (UTC), by, corrects (the seq it supersedes). Append-only: never
  updated or deleted (only `delete_course`, for `import --replace`, removes a whole course).
- revision: (course id, revision 1, 2 ...) the planned sessions snapshot (JSON) made at
  creation or by a replan, with the seq of the entry that made it. Append-only.
- summary: one row per course, rewritten by every write (`put_summary`): a cache for
  `course list`, derived from the latest revision and the entries.

Rules for implementations:
- Every command runs in one `transaction()`: writes are all or nothing. A write transaction
  takes the write lock at its start (SQLite BEGIN IMMEDIATE; PostgreSQL: lock the course row,
  SELECT ... FOR UPDATE, before reading what a write depends on), so that `append_entry`'s
  seq = max + 1 cannot race.
- Lookups by label and by course id, and reads of one course's entries and revisions, use
  indexes: their cost does not grow with the number of courses.
- Times are aware UTC datetimes in and out; JSON payloads are dicts in and out.
- Failures the user can act on (locked, read-only, full, damaged, newer schema) raise
  StoreError with one clear line; nothing is half-written.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketplan.core.course import Entry, NewEntry, Summary
from ketplan.core.errors import KetplanError

EXPORT_FORMAT = "ketplan-courses"
EXPORT_VERSION = 1


class StoreError(KetplanError):
    """The treatment store cannot be used: missing, locked, read-only, full, damaged, or newer."""


@dataclass(repr=False)
class CourseRecord:
    id: str
    label: str
    protocol_id: str
    options: dict[str, Any]
    created_at: datetime


@dataclass(repr=False)
class Revision:
    revision: int
    entry_seq: int | None
    created_at: datetime
    plan: dict[str, Any]


@dataclass(eq=False, repr=False)
class CourseRow:
    """One row of `course list`: what the list shows, without parsing every course's options."""

    label: str
    protocol_id: str
    timezone: str | None  # options.tz, frozen at creation
    summary: Summary | None


class Store(abc.ABC):
    """A treatment store. Methods other than `transaction` must be called inside one."""

    location: str

    # -- lifecycle
    @abc.abstractmethod
    def schema_version(self) -> int: ...

    @abc.abstractmethod
    def transaction(self, *, write: bool) -> contextlib.AbstractContextManager[None]:
        """One command's transaction: commit on success, roll back on any exception."""

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- courses
    @abc.abstractmethod
    def create_course(self, course: CourseRecord) -> None:
        """Insert a course; a label that exists raises StoreError (checked first by the app)."""

    @abc.abstractmethod
    def get_course(self, label: str) -> CourseRecord | None: ...

    @abc.abstractmethod
    def get_course_by_id(self, course_id: str) -> CourseRecord | None: ...

    @abc.abstractmethod
    def list_courses(self) -> list[CourseRow]:
        """Every course with its summary, ordered by label."""

    @abc.abstractmethod
    def delete_course(self, course_id: str) -> None:
        """Remove a course with its entries, revisions and summary (import --replace only)."""

    # -- the record
    @abc.abstractmethod
    def append_entry(self, course_id: str, entry: NewEntry, recorded_at: datetime) -> Entry:
        """Append an entry with seq = the course's last seq + 1; returns it as stored."""

    @abc.abstractmethod
    def insert_entry(self, course_id: str, entry: Entry) -> None:
        """Insert an entry with its own seq (import only)."""

    @abc.abstractmethod
    def entries_for(self, course_id: str) -> list[Entry]:
        """The course's entries in seq order."""

    # -- plan revisions
    @abc.abstractmethod
    def add_revision(self, course_id: str, revision: Revision) -> None: ...

    @abc.abstractmethod
    def latest_revision(self, course_id: str) -> Revision | None: ...

    @abc.abstractmethod
    def revisions_for(self, course_id: str) -> list[Revision]:
        """Every revision in order (for calendars that update: SEQUENCE from the history)."""

    # -- the list cache
    @abc.abstractmethod
    def put_summary(self, course_id: str, summary: Summary) -> None: ...

    # -- export / import, the same for every backend
    def export_courses(self, labels: Sequence[str] | None) -> Iterator[dict[str, Any]]:
        """Each course as a dict of plain JSON values, with its entries and revisions."""
        if labels is None:
            courses = [c for row in self.list_courses() if (c := self.get_course(row.label)) is not None]
        else:
            courses = []
            for label in labels:
                course = self.get_course(label)
                if course is None:
                    raise StoreError(f"no course with label {label!r} in {self.location}")
                courses.append(course)
        for course in courses:
            yield course_document(course, self.entries_for(course.id), self.revisions_for(course.id))

    def import_course(self, document: dict[str, Any]) -> CourseRecord:
        course, entries, revisions = parse_course_document(document)
        self.create_course(course)
        for entry in entries:
            self.insert_entry(course.id, entry)
        for revision in revisions:
            self.add_revision(course.id, revision)
        return course


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    from datetime import UTC

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive time {text!r} in the store")
    return moment.astimezone(UTC)


def entry_document(entry: Entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "session_n": entry.session_n,
        "session_date": entry.session_date.isoformat() if entry.session_date else None,
        "payload": entry.payload,
        "recorded_at": _iso(entry.recorded_at),
        "by": entry.by,
        "corrects": entry.corrects,
    }


def course_document(course: CourseRecord, entries: Sequence[Entry], revisions: Sequence[Revision]) -> dict[str, Any]:
    return {
        "id": course.id,
        "label": course.label,
        "protocol": course.protocol_id,
        "options": course.options,
        "created_at": _iso(course.created_at),
        "entries": [entry_document(e) for e in entries],
        "revisions": [
            {
                "revision": r.revision,
                "entry": r.entry_seq,
                "created_at": _iso(r.created_at),
                "plan": r.plan,
            }
            for r in revisions
        ],
    }


def parse_course_document(document: dict[str, Any]) -> tuple[CourseRecord, list[Entry], list[Revision]]:
    from datetime import date

    try:
        course = CourseRecord(
            id=str(document["id"]),
            label=str(document["label"]),
            protocol_id=str(document["protocol"]),
            options=dict(document["options"]),
            created_at=parse_time(document["created_at"]),
        )
        entries = [
            Entry(
                seq=int(e["seq"]),
                kind=str(e["kind"]),
                session_n=None if e.get("session_n") is None else int(e["session_n"]),
                session_date=date.fromisoformat(e["session_date"]) if e.get("session_date") else None,
                payload=dict(e.get("payload") or {}),
                recorded_at=parse_time(e["recorded_at"]),
                by=e.get("by"),
                corrects=None if e.get("corrects") is None else int(e["corrects"]),
            )
            for e in document["entries"]
        ]
        revisions = [
            Revision(
                revision=int(r["revision"]),
                entry_seq=None if r.get("entry") is None else int(r["entry"]),
                created_at=parse_time(r["created_at"]),
                plan=dict(r["plan"]),
            )
            for r in document["revisions"]
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StoreError(
            f"course {document.get('label', '?')!r} in the file is incomplete or malformed ({error})"
        ) from None
    if not revisions:
        raise StoreError(f"course {course.label!r} in the file has no plan revision")
    seqs = [e.seq for e in entries]
    if seqs != list(range(1, len(seqs) + 1)):
        raise StoreError(f"course {course.label!r} in the file: entries are not numbered 1, 2, 3 ...")
    return course, entries, revisions
