"""Who a course and its sessions are, independent of how they are rendered.

Calendar programs match events by UID: the same course and the same place in it must give the
same UID on every export, so that a re-import updates events instead of duplicating them.
The treatment record and replanning use the same identity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

UID_DOMAIN = "ketplan"
_SCHEME = "ketplan-uid-1"


@dataclass(frozen=True)
class CourseIdentity:
    """A plan without a stored course is identified by protocol, label and start date; a stored
    course (the treatment record) by its random course id alone, so its UIDs survive a replan,
    a new start date or a relabelling, and two courses never share one."""

    protocol_id: str
    label: str | None
    start: date
    course_id: str | None = None

    def key(self) -> str:
        if self.course_id is not None:
            return "|".join([_SCHEME, "course", self.course_id])
        return "|".join([_SCHEME, self.protocol_id, self.label or "", self.start.isoformat()])

    def uid(self, *parts: object) -> str:
        """A stable UID for one item of the course: ("session", 3), ("checkpoint", "rems", 2) ..."""
        text = "|".join([self.key(), *map(str, parts)])
        return f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}@{UID_DOMAIN}"

    def session_uid(self, n: int) -> str:
        return self.uid("session", n)
