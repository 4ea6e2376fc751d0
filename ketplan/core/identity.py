"""Who a course and its sessions are, independent of how they are rendered.

Calendar programs match events by UID: the same course and the same place in it must give the
same UID on every export, so that a re-import updates events instead of duplicating them.
The treatment record and replanning use the same identity.

A plan without a stored course is identified by its protocol and its label; an item by its
place in the course ("session", 3 = the third session; a checkpoint by its kind and session
or ordinal). The start date is not part of the identity (scheme ketplan-uid-2): moving
`--start` to a day that gives the same course keeps every UID, so a re-import updates the
events. Consequence, documented in the README: two plans of the same protocol without a label
(or with the same label) share UIDs; give each patient's plan its own pseudonymous --label.
A stored course (the treatment record) is keyed by its own id instead.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date

UID_DOMAIN = "ketplan"
_SCHEME = "ketplan-uid-2"
_COURSE_SCHEME = "ketplan-uid-1"  # stored courses: unchanged since the treatment record


@dataclass(frozen=True)
class CourseIdentity:
    """A plan without a stored course is identified by protocol and label (not the start date);
    a stored course (the treatment record) by its random course id alone, so its UIDs survive a
    replan, a new start date or a relabelling, and two courses never share one. `start` is kept
    for callers that have it but is not part of either key."""

    protocol_id: str
    label: str | None
    start: date | None = None
    course_id: str | None = None

    def key(self) -> str:
        if self.course_id is not None:
            return "|".join([_COURSE_SCHEME, "course", self.course_id])
        return "|".join([_SCHEME, self.protocol_id, self.label or ""])

    def uid(self, *parts: object) -> str:
        """A stable UID for one item of the course: ("session", 3), ("checkpoint", "rems", 2) ..."""
        data = self._prefix + "|".join(map(str, parts)).encode("utf-8") if parts else self.key().encode("utf-8")
        return f"{hashlib.sha256(data).hexdigest()[:32]}@{UID_DOMAIN}"

    @functools.cached_property
    def _prefix(self) -> bytes:
        # The key and its separator, encoded once: a roster makes thousands of UIDs per course.
        return (self.key() + "|").encode("utf-8")

    def session_uid(self, n: int) -> str:
        return self.uid("session", n)
