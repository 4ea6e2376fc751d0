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


# The throw-away PostgreSQL cluster (session-scoped; skips with the reason when no server can be started).
from pg_server import pg_cluster, pg_url  # noqa: E402,F401
