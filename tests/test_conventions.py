"""ketplan follows the conventions of the command-line ecosystem people already know."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketplan import __version__
from ketplan.cli import app

KETPLAN = Path(sys.executable).parent / "ketplan"
installed = pytest.mark.skipif(not KETPLAN.exists(), reason="needs the installed command")


def run(args, **env):
    return CliRunner().invoke(app, args, env={"NO_COLOR": None, "FORCE_COLOR": None, **env})


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_short_and_long(flag):
    result = run([flag])
    assert result.exit_code == 0 and result.stdout.strip() == f"ketplan {__version__}"


@pytest.mark.parametrize(
    "args,option",
    [
        (["dose", "--weight", "70kg", "--mg-per-kg", "3", "--format", "json"], "--mg-per-kg"),
        (["dose", "--weight", "70kg", "--mg-per-kg", "x", "-f", "json"], "--mg-per-kg"),
        (["plan", "--route", "iv", "--start", "2026-12-01", "--format=json"], "--weight"),
        (["protocols", "show", "nope", "--format", "json"], "--protocol"),
    ],
)
def test_errors_are_json_on_stderr_with_format_json(args, option):
    result = run(args)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    document = json.loads(lines[0])
    assert set(document) == {"error", "option", "exit_code"}
    assert document["exit_code"] == 2 and document["error"]
    if option != "--protocol":
        assert document["option"] == option


def test_errors_stay_one_line_of_text_otherwise():
    result = run(["dose", "--weight", "70kg", "--mg-per-kg", "3"])
    assert result.stderr.startswith("ketplan: error: --mg-per-kg 3 is outside")


def test_group_level_format_is_honoured_by_protocol_subcommands():
    listed = run(["protocols", "--format", "json", "list"])
    assert listed.exit_code == 0 and "protocols" in json.loads(listed.stdout)
    shown = run(["protocols", "-f", "json", "show", "esketamine-trd"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == "esketamine-trd"
    # The subcommand's own --format wins over the group's.
    own = run(["protocols", "--format", "json", "show", "esketamine-trd", "--format", "table"])
    assert own.exit_code == 0 and own.stdout.startswith("Esketamine")


@pytest.mark.parametrize(
    "choice,env,coloured",
    [
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {}, False),  # CliRunner's stdout is not a terminal
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_color_option_and_environment(choice, env, coloured):
    result = run(["--color", choice, "dose", "--weight", "70kg"], **env)
    assert result.exit_code == 0
    assert ("\x1b[" in result.stdout) is coloured


def test_color_refuses_unknown_choice():
    result = run(["--color", "sometimes", "dose", "--weight", "70kg"])
    assert result.exit_code == 2 and "--color" in result.stderr


@installed
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_script_loads_and_completes_protocol_ids():
    script = subprocess.run([str(KETPLAN), "--show-completion", "bash"], capture_output=True, text=True)
    assert script.returncode == 0 and "complete" in script.stdout
    loaded = subprocess.run(["bash", "-c", script.stdout + "\ncomplete -p ketplan"], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    env = {
        **os.environ,
        "_KETPLAN_COMPLETE": "complete_bash",
        "COMP_WORDS": "ketplan protocols show esk",
        "COMP_CWORD": "3",
    }
    completed = subprocess.run([str(KETPLAN)], capture_output=True, text=True, env=env)
    assert "esketamine-trd" in completed.stdout and "esketamine-mdsi" in completed.stdout


@installed
@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_completion_scripts_for_zsh_and_fish(shell):
    script = subprocess.run([str(KETPLAN), "--show-completion", shell], capture_output=True, text=True)
    assert script.returncode == 0 and "ketplan" in script.stdout


def test_help_exit_codes_lists_every_status():
    from ketplan.app.exit_status import ExitStatus

    result = run(["help", "exit-codes"])
    assert result.exit_code == 0
    for status in ExitStatus:
        assert any(line.split()[:2] == [str(status.value), status.name.lower()] for line in result.stdout.splitlines())


def test_help_formats_reads_the_registry():
    from ketplan.export.formats import FORMATS

    result = run(["help", "formats"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == list(FORMATS)


def test_help_refuses_an_unknown_topic():
    result = run(["help", "everything"])
    assert result.exit_code == 2 and "exit-codes" in result.stderr


def test_man_page_covers_every_command_and_option():
    import typer

    result = run(["--man"])
    assert result.exit_code == 0 and result.stdout.startswith(".TH KETPLAN 1")
    page = result.stdout.replace("\\-", "-")
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert f".SS {name}" in page, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and param.param_type_name == "option":
                    assert opt in page, (name, opt)
    assert ".SH EXIT STATUS" in page and ".SH ENVIRONMENT" in page


@pytest.mark.skipif(shutil.which("groff") is None, reason="needs groff to render the man page")
def test_man_page_renders_without_warnings():
    page = run(["--man"]).stdout
    rendered = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=page, capture_output=True, text=True)
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr


@installed
def test_each_command_runs_when_only_its_own_modules_are_imported(tmp_path):
    """The installed command imports only the command it runs; commands that reach for another
    command's helpers at run time (db -> course's store, clinic load --courses) still work."""
    env = {**os.environ, "KETPLAN_DB": str(tmp_path / "k.db"), "KETPLAN_NOW": "2026-11-20T15:00:00-05:00"}

    def ketplan(*args):
        done = subprocess.run([str(KETPLAN), *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
        return done.stdout

    ketplan("course", "new", "P01", "--route", "intranasal", "--start", "2026-11-03", "--tz", "UTC", "--quiet")
    assert "schema version" in ketplan("db", "info")
    ketplan("db", "migrate")
    assert "Chair load" in ketplan("clinic", "load", "--courses", "--chairs", "2", "--to", "2026-11-13")
    assert "P01" in ketplan("rems", "due", "--format", "json") or ketplan("rems", "due")
    for command in ("dose", "plan", "protocols", "course", "rems", "clinic", "db", "help"):
        assert "Usage" in ketplan(command, "--help")


def test_each_command_module_imports_on_its_own():
    """A library user may import one command module first (`import ketplan.cli.plan`): it adds its
    own command without pulling in the others mid-import (that was a circular import)."""
    from ketplan.cli import COMMAND_MODULES

    modules = sorted({module for group in COMMAND_MODULES.values() for module in group})
    for module in modules:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import ketplan.cli.{module}; from ketplan.cli import app; app.registered_commands",
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (module, done.stderr[-600:])
