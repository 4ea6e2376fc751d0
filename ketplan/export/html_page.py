"""What the printable HTML pages (patient handout, nurse preparation sheet) share.

A page is one self-contained document: inline CSS, no script, no image, no font or style
fetched from anywhere, so it prints the same offline and leaks nothing when opened. Fonts are
the system's (a list of common sans-serif families, then the generic one).

The paper is the printer's unless the caller names one: `paper="A4"` or `paper="letter"` sets
`@page size`. Every page is laid out to fit the smaller of the two (A4 is narrower, US letter
is shorter), so either setting, or none, prints on one sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

PAPERS = {"a4": "A4", "letter": "letter"}
FONT_STACK = '"Liberation Sans", "DejaVu Sans", Arial, Helvetica, system-ui, sans-serif'


@dataclass(frozen=True)
class ClinicContact:
    """Whom a patient calls: from the clinic profile when it is set (name, phone, address)."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.name or self.phone or self.address)


def paper_css(paper: str | None) -> str:
    if paper is None:
        return ""
    key = str(paper).strip().lower()
    if key not in PAPERS:
        raise ValueError(f"paper {paper!r} is not one of A4, letter")
    return f"@page {{ size: {PAPERS[key]}; }}\n"


def long_date(day: date) -> str:
    """'Tuesday 1 December 2026': the day written out, no leading zero, in any locale."""
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def short_date(day: date) -> str:
    """'Tue 1 Dec 2026'."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def document(title: str, body: str, css: str, *, paper: str | None = None, lang: str = "en") -> str:
    """A complete HTML document. `body` is already escaped HTML; `title` is text."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Nothing may be fetched: no network, no script, even if the file is opened in a browser.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{escape(title)}</title>\n"
        f"<style>\n{paper_css(paper)}{css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def e(text: object) -> str:
    """HTML-escaped text (quotes too)."""
    return escape(str(text), quote=True)
