"""Assertions several test modules share (imported as `helpers`; pytest puts tests/ on the path)."""

from __future__ import annotations

import difflib

import pytest


def assert_refused(result) -> str:
    """Exit 2, nothing on stdout, exactly one `ketplan: error:` line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ketplan: error: ")
    assert result.stderr.endswith("\n")
    assert "Traceback" not in result.stderr
    return lines[0]


def fail_with_golden_diff(golden_text: str, actual_text: str, *, golden_name: str, actual_name: str, what: str) -> None:
    """Fail showing a unified diff: a changed line in a golden file is a changed dose or date."""
    diff = "".join(
        difflib.unified_diff(
            golden_text.splitlines(keepends=True),
            actual_text.splitlines(keepends=True),
            fromfile=golden_name,
            tofile=actual_name,
        )
    )
    pytest.fail(
        f"{what} differs from {golden_name} (if the change is intended and checked: "
        f"KETPLAN_UPDATE_GOLDEN=1 regenerates it):\n{diff}",
        pytrace=False,
    )
