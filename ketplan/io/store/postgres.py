"""The treatment store on a PostgreSQL server (psycopg 3): one record shared by several workstations.

Chosen by a `postgresql://` (or `postgres://`) URL in --db or KETPLAN_DB. The URL goes to libpq as it
is, so libpq's environment variables (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE ...) and ~/.pgpass work
as usual. psycopg is imported here only, and this module only by `open_store` for such a URL: SQLite
users pay nothing at start-up.

The same schema and migrations as SQLite (migrations.MIGRATIONS, plus migrations.POSTGRES_EXTRA for
the append-only triggers). On a server the schema changes only when asked: a fresh, empty database
is set up by the first `course new` / `course import` (or `ketplan db migrate`); an older schema is
brought up to date by `ketplan db migrate` only, so upgrading one workstation's ketplan never locks
the others out. Migrations run in one transaction holding an advisory lock: two workstations
upgrading at once are serialised, and a failed migration leaves nothing behind (PostgreSQL DDL is
transactional).

Concurrency: a write transaction is READ COMMITTED and locks the course row (SELECT ... FOR UPDATE)
when it first reads the course, before it reads what the write depends on (entries, revisions), so
`seq = max + 1` cannot race and a summary is never computed from a stale record; writers to
different courses do not wait for each other. A read transaction is REPEATABLE READ READ ONLY: one
consistent snapshot, never blocked by writers. The (course_id, seq) primary key is the last guard.

Passwords: `location` (shown in every message) is the URL without its password, and any message
from the server or libpq is scrubbed of the password before it is shown.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ketplan.core.course import Entry, NewEntry, Summary
from ketplan.io.store import migrations
from ketplan.io.store.base import CourseRecord, CourseRow, Revision, StoreError, _iso
from ketplan.io.store.sql import SqlStore
from ketplan.io.store.sql import course_from_row as _course
from ketplan.io.store.sql import dumps as _dumps

if TYPE_CHECKING:
    import psycopg

URL_SCHEMES = ("postgresql://", "postgres://")
LOCK_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10
# pg_advisory_xact_lock(int4, int4): ketplan's class id ('kp') and 1 for "schema migration".
ADVISORY_CLASS = 0x6B70
MIGRATION_LOCK = 1
TABLES = ("courses", "entries", "revisions", "course_summary")


def is_postgres_url(location: str) -> bool:
    return location.strip().lower().startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL as it may be shown: without the password (in the user part or as ?password=)."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hosts = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + "@" + hosts
    query = parts.query
    if query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() != "password"]
        query = urlencode(kept, safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(url: str) -> list[str]:
    """Every password that could appear in a message: the URL's, ?password=, PGPASSWORD."""
    found: list[str] = []
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            found.append(unquote(userinfo.split(":", 1)[1]))
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() == "password"]
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return [s for s in found if s]


def _timeout(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class PostgresStore(SqlStore):
    placeholder = "%s"
    backend = "postgresql"

    def __init__(self, connection: psycopg.Connection, url: str) -> None:
        self.connection = connection
        self.location = redact(url)
        self._secrets = _secrets(url)
        self._depth = 0
        self._write = False
        self._locked: set[str] = set()
        self.timeout = LOCK_TIMEOUT_SECONDS
        self.migrated_from: int | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, url: str, *, create: bool, migrate: bool = False) -> PostgresStore:
        """Connect; set up a fresh database when `create` (or `migrate`); bring an older schema
        up to date only when `migrate` (ketplan db migrate)."""
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "a postgresql:// store needs the PostgreSQL driver: pip install 'ketplan[postgresql]'"
            ) from None
        shown = redact(url)
        secrets = _secrets(url)
        extra: dict[str, Any] = {"autocommit": True}
        given = _conninfo_keys(url)
        if "connect_timeout" not in given and "PGCONNECT_TIMEOUT" not in os.environ:
            extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        if "application_name" not in given and "PGAPPNAME" not in os.environ:
            extra["application_name"] = "ketplan"
        try:
            connection = psycopg.connect(url.strip(), **extra)
        except psycopg.Error as error:
            raise _connect_error(error, shown, secrets) from None
        store = cls(connection, url)
        store.timeout = _timeout("KETPLAN_DB_TIMEOUT", LOCK_TIMEOUT_SECONDS)
        try:
            with store._errors():
                # A lock held by another workstation is waited for this long, then reported (like SQLite's busy timeout).
                connection.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(store.timeout * 1000)}ms",))
                version = store._read_version()
            if version > migrations.CURRENT:
                raise StoreError(
                    f"the treatment store {shown} was written by a newer ketplan (schema {version}; this ketplan knows "
                    f"up to {migrations.CURRENT}): upgrade ketplan. The database was not changed."
                )
            if version < migrations.CURRENT:
                if migrate or (create and version == 0):
                    store._migrate()
                elif version == 0:
                    raise StoreError(
                        f"the database {shown} has no ketplan treatment store yet: run 'ketplan db migrate' "
                        "(or create a course first with 'ketplan course new')"
                    )
                else:
                    raise StoreError(
                        f"the treatment store {shown} has schema {version} and this ketplan needs {migrations.CURRENT}: "
                        "run 'ketplan db migrate' (as the role that owns the ketplan tables). Nothing was changed."
                    )
        except BaseException:
            store.close()
            raise
        return store

    def _read_version(self) -> int:
        # pg_class through a query (this statement's snapshot), not to_regclass (the backend's catalog cache, which
        # may not yet show a table another workstation's migration just committed).
        present = self.connection.execute(
            "SELECT bool_or(c.relname = 'schema_version'), bool_or(c.relname = 'courses') FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relname IN ('schema_version', 'courses')"
        ).fetchone()
        assert present is not None
        if not present[0]:
            if present[1]:
                raise StoreError(
                    f"the database {self.location} has a 'courses' table but is not a ketplan treatment store"
                )
            return 0
        found = self.connection.execute("SELECT version FROM schema_version").fetchone()
        return int(found[0]) if found else 0

    def _migrate(self) -> None:
        with self.transaction(write=True):
            # Two workstations migrating at once: the second waits here, then finds the work done.
            self._execute("SELECT pg_advisory_xact_lock(%s, %s)", (ADVISORY_CLASS, MIGRATION_LOCK))
            with self._errors():
                version = self._read_version()
            self.migrated_from = version
            if version > migrations.CURRENT:
                raise StoreError(f"the treatment store {self.location} was written by a newer ketplan")
            if version == 0:
                self._execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                self._execute("INSERT INTO schema_version (version) VALUES (0)")
            for number in range(version + 1, migrations.CURRENT + 1):
                for statement in migrations.MIGRATIONS[number - 1] + migrations.POSTGRES_EXTRA.get(number, ()):
                    self._execute(statement)
                if number == 2:
                    self._backfill_summaries()
                self._execute("UPDATE schema_version SET version = %s", (number,))

    def _backfill_summaries(self) -> None:
        from ketplan.core.course import CoursePlan, summarize

        for (course_id,) in self._execute("SELECT id FROM courses").fetchall():
            latest = self.latest_revision(course_id)
            if latest is not None:
                self.put_summary(course_id, summarize(CoursePlan.from_dict(latest.plan), self.entries_for(course_id)))

    # ------------------------------------------------------------------ transactions and errors

    @contextlib.contextmanager
    def _errors(self, *, committing: bool = False) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.Error as error:
            raise _mapped(error, self.location, self.timeout, self._secrets, committing=committing) from None

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
            self.connection.execute(
                "BEGIN ISOLATION LEVEL READ COMMITTED" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            )
        self._depth, self._write, self._locked = 1, write, set()
        try:
            yield
        except BaseException:
            self._depth, self._write = 0, False
            self._rollback()
            raise
        self._depth, self._write = 0, False
        try:
            with self._errors(committing=True):
                self.connection.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        import psycopg

        with contextlib.suppress(psycopg.Error):
            if not self.connection.closed:
                self.connection.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()

    def _execute(self, sql: str, parameters: tuple | None = None) -> psycopg.Cursor:
        with self._errors():
            return self.connection.execute(sql, parameters or None)

    # ------------------------------------------------------------------ courses

    _COURSE = "SELECT id, label, protocol_id, options, created_at FROM courses"

    def _lock_clause(self) -> str:
        return " FOR UPDATE" if self._write else ""

    def create_course(self, course: CourseRecord) -> None:
        if self.get_course(course.label) is not None:
            raise StoreError(f"a course with label {course.label!r} exists already in {self.location}")
        if self.get_course_by_id(course.id) is not None:
            raise StoreError(f"a course with id {course.id} exists already in {self.location} (under another label)")
        self._execute(
            "INSERT INTO courses (id, label, protocol_id, options, created_at) VALUES (%s, %s, %s, %s, %s)",
            (course.id, course.label, course.protocol_id, _dumps(course.options), _iso(course.created_at)),
        )
        self._locked.add(course.id)  # a row this transaction inserted is its own until commit

    def get_course(self, label: str) -> CourseRecord | None:
        row = self._execute(self._COURSE + " WHERE label = %s" + self._lock_clause(), (label,)).fetchone()
        if row and self._write:
            self._locked.add(row[0])
        return _course(row) if row else None

    def get_course_by_id(self, course_id: str) -> CourseRecord | None:
        row = self._execute(self._COURSE + " WHERE id = %s" + self._lock_clause(), (course_id,)).fetchone()
        if row and self._write:
            self._locked.add(row[0])
        return _course(row) if row else None

    def list_courses(self) -> list[CourseRow]:
        rows = self._execute(
            "SELECT c.label, c.protocol_id, (c.options::jsonb) ->> 'tz',"
            " s.course_id, s.first_session, s.last_session, s.given, s.missed, s.open_dates"
            ' FROM courses c LEFT JOIN course_summary s ON s.course_id = c.id ORDER BY c.label COLLATE "C"'
        ).fetchall()
        out = []
        for row in rows:
            summary = None
            if row[3] is not None:
                summary = Summary(
                    first_session=date.fromisoformat(row[4]) if row[4] else None,
                    last_session=date.fromisoformat(row[5]) if row[5] else None,
                    given=int(row[6]),
                    missed=int(row[7]),
                    open_dates=tuple(date.fromisoformat(d) for d in row[8].split(",") if d),
                )
            out.append(CourseRow(row[0], row[1], row[2], summary))
        return out

    def delete_course(self, course_id: str) -> None:
        self._execute("DELETE FROM courses WHERE id = %s", (course_id,))
        self._locked.discard(course_id)

    # ------------------------------------------------------------------ entries

    def _lock_course(self, course_id: str) -> None:
        if self._write and course_id not in self._locked:
            self._execute("SELECT 1 FROM courses WHERE id = %s FOR UPDATE", (course_id,))
            self._locked.add(course_id)

    def append_entry(self, course_id: str, entry: NewEntry, recorded_at: datetime) -> Entry:
        self._lock_course(course_id)  # the course row's lock serialises writers: max + 1 cannot race
        found = self._execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE course_id = %s", (course_id,)
        ).fetchone()
        assert found is not None
        stored = Entry(
            seq=int(found[0]),
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
        self._lock_course(course_id)
        self._execute(
            "INSERT INTO revisions (course_id, revision, entry_seq, created_at, plan) VALUES (%s, %s, %s, %s, %s)",
            (course_id, revision.revision, revision.entry_seq, _iso(revision.created_at), _dumps(revision.plan)),
        )

    # ------------------------------------------------------------------ summary

    def put_summary(self, course_id: str, summary: Summary) -> None:
        self._lock_course(course_id)
        self._execute(
            "INSERT INTO course_summary (course_id, first_session, last_session, given, missed, open_dates)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (course_id) DO UPDATE SET first_session = excluded.first_session,"
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
        out = {}
        for table in TABLES:
            found = self._execute(f"SELECT count(*) FROM {table}").fetchone()  # table names are ours, not input
            out[table] = int(found[0]) if found else 0
        return out

    def details(self) -> dict[str, str]:
        row = self._execute("SELECT current_setting('server_version'), current_user, current_database()").fetchone()
        assert row is not None
        info = self.connection.info
        host = info.host if not info.host.startswith("/") else f"local socket in {info.host}"
        return {"server": f"PostgreSQL {row[0]}", "host": f"{host}:{info.port}", "user": row[1], "database": row[2]}


def _conninfo_keys(url: str) -> set[str]:
    try:
        from psycopg.conninfo import conninfo_to_dict

        return set(conninfo_to_dict(url.strip()))
    except Exception:
        return set()  # libpq will say what is wrong with the URL when connecting


def _clean(text: str, secrets: list[str]) -> str:
    """One line of a server or libpq message, without any password."""
    for secret in secrets:
        text = text.replace(secret, "***")
    text = re.sub(r"\s+", " ", text).strip()
    return text.removeprefix("connection failed: ")


def _connect_error(error: Exception, shown: str, secrets: list[str]) -> StoreError:
    text = _clean(str(error), secrets)
    lowered = text.lower()
    state = getattr(error, "sqlstate", None) or ""
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return StoreError(
            f"cannot log in to the database server for {shown}: wrong or missing password "
            "(check the URL, PGPASSWORD or ~/.pgpass); nothing was changed"
        )
    if re.search(r'role ".*" does not exist', lowered):
        return StoreError(f"cannot log in to the database server for {shown}: {text}; nothing was changed")
    if re.search(r'database ".*" does not exist', lowered):
        return StoreError(
            f"the database of {shown} does not exist on the server ({text}): create it (createdb), then run "
            "'ketplan db migrate'; nothing was changed"
        )
    if state == "42501" or "permission denied" in lowered:
        return StoreError(f"permission denied connecting to {shown} ({text}); nothing was changed")
    if "pg_hba.conf" in lowered:
        return StoreError(
            f"the database server refuses this connection to {shown} ({text}): ask its administrator; nothing was changed"
        )
    if "invalid" in lowered and ("uri" in lowered or "connection option" in lowered or "dsn" in lowered):
        return StoreError(f"{shown} is not a valid PostgreSQL URL ({text})")
    return StoreError(
        f"cannot reach the database server for {shown} ({text}): check that it is running and the host and port; "
        "nothing was changed"
    )


def _mapped(error: Exception, location: str, timeout: float, secrets: list[str], *, committing: bool) -> StoreError:
    import psycopg

    state = getattr(error, "sqlstate", None) or ""
    text = _clean(str(error).splitlines()[0] if str(error) else type(error).__name__, secrets)
    lost = (
        state.startswith("08")
        or state in ("57P01", "57P02", "57P03")
        or (isinstance(error, psycopg.OperationalError) and not state)
    )
    if lost:
        if committing:
            return StoreError(
                f"the connection to the database server for {location} was lost while committing ({text}): the change "
                "may or may not have been saved; check with 'ketplan course log LABEL' before recording it again"
            )
        return StoreError(
            f"the connection to the database server for {location} was lost ({text}); the server rolled the command "
            "back: nothing was changed. Try again"
        )
    if state == "42501":
        return StoreError(
            f"permission denied in {location} ({text}): this database role may not do that (see README, "
            "'PostgreSQL'); nothing was changed"
        )
    if state == "55P03":
        return StoreError(
            f"the course is locked by another workstation in {location} (waited {timeout:g} s); nothing was "
            "changed: try again"
        )
    if state in ("40001", "40P01"):
        return StoreError(
            f"another workstation changed the same courses at the same moment in {location}; nothing was changed: "
            "try again"
        )
    if state == "23505":
        return StoreError(f"that exists already in {location} ({text}); nothing was changed")
    if state.startswith("53"):
        return StoreError(f"the database server for {location} is out of resources ({text}); nothing was changed")
    if state == "25006":
        return StoreError(f"cannot write the treatment store {location}: the server is read-only ({text})")
    if state in ("42P01", "42883"):
        return StoreError(
            f"the database {location} lacks ketplan's tables ({text}): run 'ketplan db migrate'; nothing was changed"
        )
    return StoreError(f"the treatment store {location} failed: {text}; nothing was changed")
