"""Every command answers --help, and the README documents every command."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph_aws.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_documented(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert len(cli.commands[name].get_short_help_str()) > 10
    assert f"### `graph-aws {name}" in README, f"README has no section for {name}"


def test_every_collect_option_is_documented():
    for param in cli.commands["collect"].params:
        for option in param.opts:
            assert f"`{option}`" in README or option in README, f"{option} is not in the README"


def test_demo_collects_an_emulated_organization_and_prints_every_outcome(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", "demo", "--db", str(tmp_path / "demo.db"), "--accounts", "8"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for outcome in ("ingested", "skipped", "inactive", "failed"):
        assert outcome in table
    assert "tagged j1-integration=SKIP" in table and "SUSPENDED" in table and "AccessDenied" in table
    assert "Root/Engineering/Platform" in table
