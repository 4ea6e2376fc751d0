"""`ketplan db`: the treatment store itself (either backend): bring its schema up to date, describe it.

Never shows a password: `store.location` is the URL without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketplan.io.store.base import Store


@dataclass(eq=False, repr=False)
class StoreInfo:
    backend: str
    location: str
    schema_version: int
    current_version: int
    counts: dict[str, int]
    details: dict[str, str] = field(default_factory=dict)
    migrated_from: int | None = None

    def to_dict(self) -> dict:
        return {
            "backend": self.backend,
            "location": self.location,
            "schema_version": self.schema_version,
            "ketplan_schema_version": self.current_version,
            "counts": self.counts,
            **self.details,
        }


def describe(store: Store) -> StoreInfo:
    from ketplan.io.store.migrations import CURRENT

    with store.transaction(write=False):
        version = store.schema_version()
        counts = store.counts()
        details = store.details()
    return StoreInfo(
        backend=store.backend,
        location=store.location,
        schema_version=version,
        current_version=CURRENT,
        counts=counts,
        details=details,
        migrated_from=getattr(store, "migrated_from", None),
    )
