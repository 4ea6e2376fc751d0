"""Shared pytest fixtures. Keep this file small: helpers that only one test module needs live there."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner that keeps stdout and stderr apart (`result.stdout`, `result.stderr`).

    Recent Typer/Click runners always separate the two streams; `result.output` is the mix.
    """
    return CliRunner()
