"""JupiterOne's own npm packages as test oracles (installed into node_modules/ by `make test`)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VALIDATOR = Path(__file__).parent / "j1" / "validate.js"
J1_INTEGRATION = NODE_MODULES / ".bin" / "j1-integration"


def require_package(name: str) -> Path:
    path = NODE_MODULES / name
    if not (path / "package.json").is_file():
        pytest.fail(f"{path} is missing: run `make test` (it installs JupiterOne's npm packages)")
    return path


def _node(*args: str) -> Any:
    require_package("@jupiterone/data-model")
    result = subprocess.run(
        ["node", str(VALIDATOR), *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def validate(entities: list[dict[str, Any]], relationships: list[dict[str, Any]]) -> dict[str, Any]:
    """{"entities": [{_key, _type, errors, tagNames}], "relationships": [...], "checked": {...}}:
    the objects JupiterOne's data model rejects, as its SDK validates them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as graph:
        json.dump({"entities": entities, "relationships": relationships}, graph)
        graph.flush()
        return _node("validate", graph.name)


def required_properties() -> dict[str, dict[str, bool]]:
    """{class: {property: nullable}}, every class's required properties, its ancestors' included."""
    return _node("required")
