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


# JupiterOne gives some of its AWS types two classes whose `category` schemas no value passes both:
# Assessment wants a string and Scanner a list (aws_accessanalyzer_analyzer, aws_guardduty_detector);
# Host a string or null and Gateway a list (aws_transfer_server). graph-aws keeps JupiterOne's
# classes; each such entity fails the one category check, and no other.
CATEGORY_CONFLICTS = {
    ("Assessment", "Scanner"): ["#/allOf/1/properties/category/type at /category: must be array"],
    ("Host", "Gateway"): ["#/allOf/1/properties/category/type at /category: must be string,null"],
}


def without_category_conflicts(
    failures: dict[str, list[str]], entities: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The failures (`_key` -> errors) less those of CATEGORY_CONFLICTS, after checking that each
    conflict is met and fails as expected, and no other way."""
    classes_of = {e["_key"]: set(e["_class"]) for e in entities}
    rest = dict(failures)
    for classes, errors in CATEGORY_CONFLICTS.items():
        conflicting = [k for k in list(rest) if set(classes) <= classes_of.get(k, set())]
        assert conflicting, f"no entity of {classes} failed: drop it from CATEGORY_CONFLICTS"
        for key in conflicting:
            assert rest.pop(key) == errors, key
    return rest
