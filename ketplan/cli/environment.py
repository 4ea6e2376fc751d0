"""The one seam between the command line and the process it runs in: the terminal, colour, pager,
the width of the screen and today's date.

Global options (--color, --no-pager) are recorded here by the root command; every command asks
this module, never os.environ or sys.stdout directly, whether to colour and whether to page.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

COLOR_CHOICES = ("auto", "always", "never")


@dataclass
class Environment:
    color_choice: str = "auto"
    pager_allowed: bool = True
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def stdout_is_terminal(self) -> bool:
        try:
            return sys.stdout.isatty()
        except (AttributeError, ValueError):
            return False

    def color(self) -> bool:
        """--color always|never wins; then NO_COLOR, FORCE_COLOR and TERM=dumb; then the terminal."""
        if self.color_choice == "always":
            return True
        if self.color_choice == "never":
            return False
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR", "") not in ("", "0"):
            return True
        if self.environ.get("TERM") == "dumb":
            return False
        return self.stdout_is_terminal()

    def pager(self) -> list[str] | None:
        """The pager for long table output on a terminal, or None: KETPLAN_PAGER, then PAGER, then
        `less -FRX` when it exists (as git does). An empty value or `cat` means no pager."""
        if not self.pager_allowed or not self.stdout_is_terminal():
            return None
        for name in ("KETPLAN_PAGER", "PAGER"):
            if name in self.environ:
                command = self.environ[name].strip()
                if not command or command == "cat":
                    return None
                try:
                    return shlex.split(command)
                except ValueError:
                    return None
        return ["less", "-FRX"] if shutil.which("less") else None

    def screen_lines(self) -> int:
        return shutil.get_terminal_size(fallback=(80, 24)).lines

    def width(self, fallback: int = 80) -> int:
        """COLUMNS when set (a positive number), else the terminal's width, else `fallback` (a pipe
        or a file)."""
        columns = self.environ.get("COLUMNS", "").strip()
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        if self.stdout_is_terminal():
            try:
                return shutil.get_terminal_size((fallback, 24)).columns
            except (ValueError, OSError):
                pass
        return fallback

    def today(self, zone: str | None = None):
        """Today's date in `zone` (a plan's), read here and passed to the renderers (which read
        no clock). SOURCE_DATE_EPOCH, when set, stands for now (reproducible output, as for ics)."""
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        epoch = self.environ.get("SOURCE_DATE_EPOCH", "").strip()
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
        try:
            return now.astimezone(ZoneInfo(zone)).date() if zone else now.date()
        except (ValueError, OSError, KeyError):
            return now.date()


ENVIRONMENT = Environment()
