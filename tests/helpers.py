"""Assertions several test modules share (imported as `helpers`; pytest puts tests/ on the path)."""

from __future__ import annotations

import difflib

import pytest


def as_error_line(line: str, exit_code: int | None = None) -> str:
    """One error as its `ketplan: error: ...` text. With --format json errors are JSON objects
    ({"error", "option", "exit_code"}): checked here and returned as the same text line."""
    if line.startswith("{"):
        import json

        document = json.loads(line)
        assert set(document) == {"error", "option", "exit_code"}, document
        if exit_code is not None:
            assert document["exit_code"] == exit_code, document
        return f"ketplan: error: {document['error']}"
    return line


def assert_refused(result) -> str:
    """Exit 2, nothing on stdout, exactly one error line on stderr (JSON with --format json), no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = as_error_line(lines[0], exit_code=2)
    assert line.startswith("ketplan: error: ")
    assert result.stderr.endswith("\n")
    assert "Traceback" not in result.stderr
    return line


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
