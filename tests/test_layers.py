"""The layers import downwards only, so the tree shows the architecture and stays that way.

core (pure) <- io, export <- app <- cli. Only the CLI imports Typer; exporters import no CLI or
application code; nothing outside the CLI imports the CLI; the core imports nothing else of
ketplan and no I/O, clock or terminal module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ketplan"

# Layer of each top-level subpackage; a module may import its own layer or a lower one.
RANK = {"core": 0, "io": 1, "export": 1, "app": 2, "cli": 3}
# Siblings on one rank that must not know each other: exporters render, adapters talk to the world.
FORBIDDEN_SIBLINGS = {("export", "io"), ("io", "export")}
# The core computes; it does not read files, clocks, environments or terminals.
CORE_FORBIDDEN_MODULES = {"os", "sys", "subprocess", "socket", "sqlite3", "typer", "rich", "shutil", "pathlib", "time"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = relative.parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "ketplan" and parts[1] in RANK else None


MODULES = list(_modules())


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module, path):
    own = _layer(module)
    for imported in _imports(path):
        target = _layer(imported)
        if own is None or target is None or target == own:
            continue
        assert RANK[target] <= RANK[own], f"{module} ({own}) imports {imported} ({target}): imports point down"
        assert (own, target) not in FORBIDDEN_SIBLINGS, f"{module} imports {imported}: {own} must not use {target}"


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_only_the_cli_imports_typer(module, path):
    if _layer(module) == "cli" or module == "ketplan.__main__":
        return
    typer_imports = [name for name in _imports(path) if name == "typer" or name.startswith(("typer.", "click"))]
    assert not typer_imports, f"{module} imports {typer_imports}: only ketplan/cli/ uses Typer"


@pytest.mark.parametrize("module,path", [(m, p) for m, p in MODULES if _layer(m) == "core"])
def test_the_core_is_pure(module, path):
    for imported in _imports(path):
        if imported.startswith("ketplan."):
            assert _layer(imported) == "core", f"{module} imports {imported}: the core imports nothing else of ketplan"
        root = imported.split(".")[0]
        assert root not in CORE_FORBIDDEN_MODULES, f"{module} imports {imported}: the core does no I/O"
        assert not imported.startswith(("datetime.datetime.now", "datetime.date.today"))
    text = path.read_text(encoding="utf-8")
    for clock in ("datetime.now(", "date.today(", "time.time(", "os.environ"):
        assert clock not in text, f"{module} reads {clock!r}: pass the value in instead"


def test_no_private_typer_or_click_module_is_imported():
    for module, path in MODULES:
        private = [name for name in _imports(path) if name.startswith(("typer._", "click._"))]
        assert not private, f"{module} imports {private}: use Typer's public API"


def test_the_layers_exist():
    for layer in RANK:
        assert (PACKAGE / layer / "__init__.py").is_file(), f"ketplan/{layer}/ is a layer of the package"
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert not loose, f"modules outside the layers: {loose}; put each in core/, io/, export/, app/ or cli/"
