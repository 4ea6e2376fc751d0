"""The treatment store: courses, their plan revisions and their append-only record.

`open_store(location)` picks the backend from the location: a file path is SQLite (the
embedded default); a `postgresql://` URL is reserved for the PostgreSQL backend (a second
implementation of `base.Store`). Nothing here is imported by commands that do not use the store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ketplan.io.store.base import Store, StoreError

__all__ = ["Store", "StoreError", "default_location", "open_store"]


def default_location(environ: Mapping[str, str] = os.environ) -> str:
    """KETPLAN_DB, else $XDG_DATA_HOME/ketplan/ketplan.db (~/.local/share/ketplan/ketplan.db)."""
    chosen = environ.get("KETPLAN_DB", "").strip()
    if chosen:
        return chosen
    data_home = environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home) if data_home and os.path.isabs(data_home) else Path.home() / ".local" / "share"
    return str(base / "ketplan" / "ketplan.db")


def open_store(location: str, *, create: bool) -> Store:
    """Open the store at `location`; `create` allows making a new, empty one (course new/import)."""
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError(
            "PostgreSQL stores are not supported by this ketplan yet; use a file path for --db / KETPLAN_DB"
        )
    from ketplan.io.store.sqlite import SQLiteStore

    return SQLiteStore.open(location, create=create)
