"""Public-holiday codes (`--holidays`, `holidays` in clinic.toml): what a code closes, and
the close matches of an unknown code (`NY` -> `US-NY`). Backed by the `holidays` package,
imported only here and only when needed."""

from __future__ import annotations

import difflib
import functools
from datetime import date


@functools.lru_cache(maxsize=1)
def supported_codes() -> tuple[str, ...]:
    """Every code the holiday tables know: countries (BE) and subdivisions (US-NY)."""
    import holidays

    codes: list[str] = []
    for country, subdivisions in holidays.list_supported_countries().items():
        codes.append(country)
        codes.extend(f"{country}-{sub}" for sub in subdivisions)
    return tuple(sorted(set(codes)))


def suggest(code: str, limit: int = 5) -> list[str]:
    """Close matches for an unknown code: a subdivision of that name in any country first
    (NY -> US-NY), then the codes that are spelled alike."""
    cleaned = str(code).strip().upper()
    codes = supported_codes()
    exact_sub = [c for c in codes if "-" in c and c.split("-", 1)[1] == cleaned]
    country, _, sub = cleaned.partition("-")
    same_country = [c for c in codes if sub and c.startswith(f"{country}-")]
    alike = difflib.get_close_matches(cleaned, codes, n=limit, cutoff=0.6)
    alike_sub = difflib.get_close_matches(cleaned, same_country, n=limit, cutoff=0.5) if same_country else []
    out = [c for c in dict.fromkeys([*exact_sub, *alike_sub, *alike]) if c != cleaned]
    # The ISO alpha-2 spelling first; drop an alpha-3 alias (USA-NY) when its alpha-2 twin is listed.
    two = [c for c in out if len(c.split("-", 1)[0]) == 2]
    three = [
        c for c in out if len(c.split("-", 1)[0]) != 2 and not any(t.split("-")[1:] == c.split("-")[1:] for t in two)
    ]
    return [*two, *three][:limit]


def hint(code: str) -> str:
    """'; did you mean US-NY?' or ''."""
    matches = suggest(code)
    if not matches:
        return ""
    return (
        f"; did you mean {' or '.join(matches[:3])}?" if len(matches) <= 3 else f"; close matches: {', '.join(matches)}"
    )


def holidays_in_year(code: str, year: int) -> list[tuple[date, str]]:
    """The public holidays of `code` in `year`, in date order (raises InputError for an unknown
    code, with its close matches)."""
    from ketplan.io.clinic_calendar import holiday_lookup

    lookup = holiday_lookup(code, year, year)
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        name = lookup(day)
        if name:
            out.append((day, name))
        day = date.fromordinal(day.toordinal() + 1)
    return out
