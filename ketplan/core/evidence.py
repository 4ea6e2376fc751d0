"""How strong the evidence behind a dose is, in the words every output uses.

IV racemic ketamine at 0.5 mg/kg rests on randomised trials; IM, SC and oral racemic ketamine on
preliminary evidence (CANMAT level 3-4); esketamine on its label. A protocol file names its own
level; a bare dose (`ketplan dose`) takes its route's.
"""

from __future__ import annotations

ROUTE_EVIDENCE = {"intranasal": "label", "iv": "rct", "im": "preliminary", "sc": "preliminary", "oral": "preliminary"}

DOSE_EVIDENCE_TEXT = {
    "label": "label (FDA-approved use)",
    "rct": "RCT (off-label in the US)",
    "preliminary": "PRELIMINARY evidence only (off-label in the US)",
}

SHORT_EVIDENCE = {"label": "label", "rct": "RCT evidence", "preliminary": "PRELIMINARY evidence"}


def dose_evidence(route: str, level: str | None = None) -> str:
    """The evidence statement of a dose: the protocol's `level` when known, else the route's."""
    return DOSE_EVIDENCE_TEXT[level or ROUTE_EVIDENCE[route]]


def short_evidence(route: str, level: str | None = None) -> str:
    return SHORT_EVIDENCE[level or ROUTE_EVIDENCE[route]]
