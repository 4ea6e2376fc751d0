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


@pytest.fixture(autouse=True)
def _no_clinic_profile(monkeypatch, tmp_path_factory):
    """No test reads the clinic profile of the machine it runs on (issue 13): XDG_CONFIG_HOME
    points to an empty folder and KETPLAN_CLINIC is unset, for CliRunner and subprocesses."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("KETPLAN_CLINIC", raising=False)


# The throw-away PostgreSQL cluster (session-scoped; skips with the reason when no server can be started).
from pg_server import pg_cluster, pg_url  # noqa: E402,F401
