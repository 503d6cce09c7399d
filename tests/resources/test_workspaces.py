"""WorkSpaces: desktops in their subnets, and the bundles they use (moto patched, see
demo/seeds/workspaces.py)."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds import workspaces as seeded
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_workspaces_are_hosts_in_their_subnet_using_their_bundle(run_steps, client):
    seeded.seed(client, ACCOUNT, ["eu-west-1"])
    result = run_steps("fetch-workspaces-bundles", regions=("us-east-1", "eu-west-1"))
    assert all(r.status.value == "success" for r in result.step_results), [
        r.error for r in result.step_results
    ]

    (workspace,) = result.job_state.iter_entities("aws_workspace")
    assert workspace["_class"] == ["Host"] and workspace["region"] == "eu-west-1"
    assert workspace["_key"] == f"arn:aws:workspaces:eu-west-1:{ACCOUNT}:workspace/{workspace['id']}"
    assert workspace["userName"] == "alice" and workspace["bundleId"] == seeded.PUBLIC_BUNDLE
    assert workspace["rootVolumeEncryptionEnabled"] is True and workspace["runningMode"] == "AUTO_STOP"
    assert workspace["ipv4Addresses"] == [workspace["ipAddress"]] and workspace["category"] == "endpoint"
    (bundle,) = result.job_state.iter_entities("aws_workspaces_bundle")
    assert bundle["_key"] == f"arn:aws:workspaces:eu-west-1:{ACCOUNT}:workspacebundle/{seeded.PUBLIC_BUNDLE}"
    assert (
        bundle["_class"] == ["Configuration"]
        and bundle["owner"] == "AMAZON"
        and bundle["computeType"] == "STANDARD"
    )
    relationships = {
        r["_type"]: (r["_fromEntityKey"], r["_toEntityKey"]) for r in result.job_state.relationships()
    }
    assert relationships["aws_workspace_uses_workspaces_bundle"] == (workspace["_key"], bundle["_key"])
    assert relationships["aws_subnet_has_workspace"] == (
        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/{workspace['subnetId']}",
        workspace["_key"],
    )


def test_a_bundle_answered_twice_or_without_an_id_is_left_out_once_and_the_others_kept():
    answers = {
        "DescribeWorkspaceBundles": {
            "Bundles": [{"BundleId": "wsb-1", "Name": "first"}, {"BundleId": "wsb-1"}, {"Name": "no id"}]
        }
    }
    result = run_on_answers("fetch-workspaces-bundles", answers=answers)
    step = step_result(result, "fetch-workspaces-bundles")
    assert step.status is StepStatus.SUCCESS, step.error
    assert [b["name"] for b in result.job_state.iter_entities("aws_workspaces_bundle")] == ["first"]
    assert len(step.warnings) == 2
