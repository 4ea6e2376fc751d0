"""The store's schema as an ordered list of forward migrations.

Version N of the schema is MIGRATIONS[:N] applied in order. `schema_version` holds one row with
the version. A database at a version above len(MIGRATIONS) was written by a newer ketplan and is
refused, never modified. Migrations are plain SQL that PostgreSQL accepts too (TEXT, INTEGER,
primary keys, foreign keys, indexes); the SQLite-only parts (triggers that make the record
append-only) are in SQLITE_EXTRA and have PostgreSQL counterparts to write alongside.
Never edit a released migration: add one.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: courses, the append-only record, plan revisions
    (
        "CREATE TABLE courses ("
        " id TEXT PRIMARY KEY,"
        " label TEXT NOT NULL UNIQUE,"
        " protocol_id TEXT NOT NULL,"
        " options TEXT NOT NULL,"
        " created_at TEXT NOT NULL)",
        "CREATE TABLE entries ("
        " course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,"
        " seq INTEGER NOT NULL,"
        " kind TEXT NOT NULL,"
        " session_n INTEGER,"
        " session_date TEXT,"
        " payload TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL,"
        " recorded_by TEXT,"
        " corrects INTEGER,"
        " PRIMARY KEY (course_id, seq))",
        "CREATE TABLE revisions ("
        " course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,"
        " revision INTEGER NOT NULL,"
        " entry_seq INTEGER,"
        " created_at TEXT NOT NULL,"
        " plan TEXT NOT NULL,"
        " PRIMARY KEY (course_id, revision))",
    ),
    # 2: the per-course summary that `course list` reads (one row per course, no scan of entries),
    # filled for the courses that exist by the first command that opens the store afterwards.
    (
        "CREATE TABLE course_summary ("
        " course_id TEXT PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,"
        " first_session TEXT,"
        " last_session TEXT,"
        " given INTEGER NOT NULL,"
        " missed INTEGER NOT NULL,"
        " open_dates TEXT NOT NULL)",
    ),
)

CURRENT = len(MIGRATIONS)

# SQLite: the record is append-only (an entry or a revision is never updated; deleted only with its course).
SQLITE_EXTRA: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
        " BEGIN SELECT RAISE(ABORT, 'the record is append-only: entries are never updated'); END",
        "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries"
        " WHEN EXISTS (SELECT 1 FROM courses WHERE id = OLD.course_id)"
        " BEGIN SELECT RAISE(ABORT, 'the record is append-only: entries are never deleted'); END",
        "CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions"
        " BEGIN SELECT RAISE(ABORT, 'plan revisions are append-only'); END",
    ),
}
