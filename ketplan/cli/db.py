"""`ketplan db ...`: the treatment store itself, SQLite or PostgreSQL (a thin layer over app/db.py)."""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer

from ketplan.cli import root_app as app

DB_EXIT = (
    "Exit codes: 0 success; 3 the treatment store cannot be used (server unreachable, wrong password, database "
    "missing, permission denied, connection lost, locked, damaged, or from a newer ketplan; nothing was changed); "
    "2 invalid input; 1 internal failure."
)
DB_HELP = (
    "The treatment store: an SQLite file, or a postgresql://USER@HOST:PORT/DBNAME URL (libpq environment "
    "variables and ~/.pgpass apply; keep the password out of the URL). Default: $KETPLAN_DB, else "
    "$XDG_DATA_HOME/ketplan/ketplan.db."
)

db_app = typer.Typer(
    name="db",
    help="The treatment store itself (SQLite or PostgreSQL): bring its schema up to date, show what it holds. "
    + DB_EXIT,
    epilog=DB_EXIT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")

DbOption = typer.Option(None, "--db", help=DB_HELP)


class InfoFormat(str, Enum):
    table = "table"
    json = "json"


def _store(db: str | None, *, migrate: bool):
    from ketplan.cli.course import _store as open_course_store

    return open_course_store(db, create=migrate, migrate=migrate)


@db_app.command("migrate", epilog=DB_EXIT)
def migrate_command(db: str | None = DbOption) -> None:
    """Create the store's schema or bring it up to date, in one transaction.

    On PostgreSQL the migration holds a lock, so two workstations upgrading at once are safe; run it as the role
    that owns the ketplan tables, after upgrading ketplan."""
    from ketplan.app.db import describe

    with _store(db, migrate=True) as store:
        info = describe(store)
    before = info.migrated_from
    if before is None or before == info.schema_version:
        what = f"schema version {info.schema_version} is up to date"
    else:
        what = f"schema upgraded from version {before} to {info.schema_version}"
    sys.stdout.write(f"{info.location} ({info.backend}): {what}.\n")


@db_app.command("info", epilog=DB_EXIT)
def info_command(
    output_format: InfoFormat = typer.Option(InfoFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """The backend, where the store is (never the password), its schema version and what it holds."""
    from ketplan.app.db import describe

    with _store(db, migrate=False) as store:
        info = describe(store)
    if output_format is InfoFormat.json:
        sys.stdout.write(json.dumps(info.to_dict(), indent=2) + "\n")
        return
    rows = [("backend", info.backend), ("location", info.location)]
    rows += [(key, value) for key, value in info.details.items()]
    rows.append(("schema version", f"{info.schema_version} (this ketplan: {info.current_version})"))
    rows += [(name.replace("_", " "), str(count)) for name, count in info.counts.items()]
    width = max(len(key) for key, _ in rows)
    sys.stdout.write("".join(f"{key.ljust(width)}  {value}\n" for key, value in rows))
