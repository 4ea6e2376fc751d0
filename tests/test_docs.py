"""Documentation generated from the code stays in step with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("protocol_format", ROOT / "docs" / "protocol_format.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_protocol_format_doc_matches_the_models():
    generator = _generator()
    assert (ROOT / "docs" / "protocol-format.md").read_text(encoding="utf-8") == generator.render(), (
        "docs/protocol-format.md is out of date: run python docs/protocol_format.py"
    )


def test_protocol_format_doc_names_every_model_field():
    from ketplan.core.protocol import Phase, Protocol

    text = (ROOT / "docs" / "protocol-format.md").read_text(encoding="utf-8")
    for model in (Protocol, Phase):
        for key in model.model_fields:
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is missing from docs/protocol-format.md"
