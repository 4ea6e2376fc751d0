"""README examples are real output: regenerating them must change nothing."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_match_the_program():
    generator = _generator()
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generator.render(current) == current, "README.md is out of date: run python docs/generate.py"


def test_readme_quickstart_is_two_commands_and_ci_runs_the_second():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [block.split("```", 1)[0].strip() for block in quickstart.split("```sh\n")[1:]]
    assert len(commands) == 2
    assert "pip install ." in commands[0] and "ketplan plan" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
