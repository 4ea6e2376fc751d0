"""What the SQL backends share: the row shapes and the queries SQLite and PostgreSQL both accept.

Shared queries are written with `?` placeholders; a backend whose driver wants another style
(psycopg: `%s`) sets `placeholder`. Each backend keeps its own connection, transactions, locks and
error mapping.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ketplan.core.course import Entry
from ketplan.io.store.base import CourseRecord, Revision, Store, _iso, parse_time


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def course_from_row(row) -> CourseRecord:
    return CourseRecord(
        id=row[0], label=row[1], protocol_id=row[2], options=json.loads(row[3]), created_at=parse_time(row[4])
    )


def revision_from_row(row) -> Revision:
    return Revision(revision=int(row[0]), entry_seq=row[1], created_at=parse_time(row[2]), plan=json.loads(row[3]))


class SqlStore(Store):
    placeholder = "?"

    def _execute(self, sql: str, parameters: tuple = ()) -> Any:
        raise NotImplementedError

    def _errors(self) -> Any:
        raise NotImplementedError

    def _read_version(self) -> int:
        raise NotImplementedError

    def _run(self, sql: str, parameters: tuple = ()) -> Any:
        """A shared query, in this backend's placeholder style."""
        return self._execute(sql if self.placeholder == "?" else sql.replace("?", self.placeholder), parameters)

    def schema_version(self) -> int:
        with self._errors():
            return self._read_version()

    def insert_entry(self, course_id: str, entry: Entry) -> None:
        if entry.recorded_at.tzinfo is None:
            raise ValueError("recorded_at must be an aware UTC time")
        self._run(
            "INSERT INTO entries (course_id, seq, kind, session_n, session_date, payload, recorded_at, recorded_by, corrects)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                course_id,
                entry.seq,
                entry.kind,
                entry.session_n,
                entry.session_date.isoformat() if entry.session_date else None,
                dumps(entry.payload),
                _iso(entry.recorded_at),
                entry.by,
                entry.corrects,
            ),
        )

    def entries_for(self, course_id: str) -> list[Entry]:
        rows = self._run(
            "SELECT seq, kind, session_n, session_date, payload, recorded_at, recorded_by, corrects"
            " FROM entries WHERE course_id = ? ORDER BY seq",
            (course_id,),
        ).fetchall()
        return [
            Entry(
                seq=int(r[0]),
                kind=r[1],
                session_n=r[2],
                session_date=date.fromisoformat(r[3]) if r[3] else None,
                payload=json.loads(r[4]),
                recorded_at=parse_time(r[5]),
                by=r[6],
                corrects=r[7],
            )
            for r in rows
        ]

    def latest_revision(self, course_id: str) -> Revision | None:
        row = self._run(
            "SELECT revision, entry_seq, created_at, plan FROM revisions WHERE course_id = ?"
            " ORDER BY revision DESC LIMIT 1",
            (course_id,),
        ).fetchone()
        return revision_from_row(row) if row else None

    def revisions_for(self, course_id: str) -> list[Revision]:
        rows = self._run(
            "SELECT revision, entry_seq, created_at, plan FROM revisions WHERE course_id = ? ORDER BY revision",
            (course_id,),
        ).fetchall()
        return [revision_from_row(r) for r in rows]
