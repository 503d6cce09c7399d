"""The layers of DESIGN.md stay one-directional, and the step registry stays consistent."""

import ast
import json
import re
from pathlib import Path

import pytest

import graph_aws
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS
from graph_aws.engine import validate_steps

PACKAGE = Path(graph_aws.__file__).parent

# package -> what it must never import
FORBIDDEN = {
    "model": (
        "graph_aws.aws",
        "graph_aws.store",
        "graph_aws.engine",
        "graph_aws.query",
        "boto3",
        "botocore",
        "sqlite3",
    ),
    "engine": ("graph_aws.aws", "graph_aws.store", "graph_aws.query", "boto3", "botocore", "sqlite3"),
    "aws": (
        "graph_aws.store",
        "graph_aws.query",
        "graph_aws.checks",
        "graph_aws.runner",
        "graph_aws.cli",
        "sqlite3",
    ),
    "store": (
        "graph_aws.aws",
        "graph_aws.engine",
        "graph_aws.query",
        "graph_aws.runner",
        "boto3",
        "botocore",
    ),
    "query": ("graph_aws.aws", "graph_aws.engine", "graph_aws.runner", "boto3", "botocore"),
    "checks": ("graph_aws.aws", "graph_aws.engine", "graph_aws.runner", "boto3", "botocore"),
    # serve answers from the store through query and checks; it never collects
    "serve": ("graph_aws.aws", "graph_aws.engine", "graph_aws.runner", "graph_aws.cli", "boto3", "botocore"),
    # export (json, JupiterOne's layout, upload) reads the store and talks HTTP, never to serve's internals
    "export": (
        "graph_aws.aws",
        "graph_aws.engine",
        "graph_aws.runner",
        "graph_aws.cli",
        "graph_aws.serve",
        "boto3",
        "botocore",
    ),
    # Documents from a list of actions: it knows nothing of where the actions come from.
    "member_role": ("graph_aws.aws", "graph_aws.engine", "graph_aws.store", "boto3", "botocore", "sqlite3"),
}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    for path in (PACKAGE / package).rglob("*.py"):
        bad = {
            name
            for name in imports_of(path)
            for prefix in FORBIDDEN[package]
            if name == prefix or name.startswith(prefix + ".")
        }
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_modules_stay_small():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 600, f"{path.relative_to(PACKAGE)} is over 600 lines"


@pytest.mark.parametrize("steps", [ORGANIZATION_STEPS, account_job_steps()], ids=["organization", "account"])
def test_steps_are_declared_in_full(steps):
    validate_steps(steps)  # no unknown dependency, no cycle
    for step in steps:
        assert re.fullmatch(r"(fetch|create)-[a-z0-9-]+", step.id), step.id
        assert step.name, f"{step.id} has no name"
        if step.id.startswith("fetch-"):
            assert step.permissions, f"{step.id} calls AWS but declares no IAM actions"
            assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", p) for p in step.permissions), step.permissions
        types = step.declared_types
        assert len(types) == len(set(types)), f"{step.id} declares a type twice"


def test_every_organization_permission_is_documented_in_the_readme():
    readme = (PACKAGE.parent.parent / "README.md").read_text()
    for step in ORGANIZATION_STEPS:
        for permission in step.permissions:
            assert f"`{permission}`" in readme, f"{permission} ({step.id}) is missing from the README"


def test_the_printed_policy_grants_every_account_step_its_actions():
    from click.testing import CliRunner

    from graph_aws.cli import cli

    result = CliRunner().invoke(cli, ["permissions"])
    (statement,) = json.loads(result.output)["Statement"]
    needed = {p for step in account_job_steps() for p in step.permissions}
    assert set(statement["Action"]) == needed
    assert all(not a.split(":")[1].startswith(("Put", "Create", "Delete", "Update")) for a in needed)
