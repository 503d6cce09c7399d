"""Systems Manager: SecureString parameters, patch baselines, groups and states, instance inventory."""

from __future__ import annotations

import botocore.handlers
from botocore.exceptions import ClientError
from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.ec2 import IMAGE_ID
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def an_instance(client, region="us-east-1", tags=()):
    return client("ec2", region).run_instances(
        ImageId=IMAGE_ID,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": list(tags)}] if tags else [],
    )["Instances"][0]["InstanceId"]


def by_type(result, type_):
    return {e["_key"]: e for e in result.job_state.iter_entities(type_)}


def relationships(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_secure_string_parameters_with_their_key_and_never_their_value(run_steps, client):
    ssm = client("ssm")
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    ssm.put_parameter(Name="/app/db-password", Value="hunter2-value", Type="SecureString", KeyId=key)
    ssm.put_parameter(Name="api-token", Value="token-value", Type="SecureString")
    ssm.put_parameter(Name="plain", Value="plain-value", Type="String")
    client("ssm", "eu-west-1").put_parameter(Name="other", Value="v", Type="SecureString")

    result = run_steps("fetch-ssm-parameters")
    found = by_type(result, "aws_secure_string_parameter")
    password = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db-password"
    token = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/api-token"
    assert set(found) == {password, token, f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/other"}
    entity = found[password]
    assert entity["_class"] == ["Secret"] and entity["name"] == "/app/db-password"
    assert entity["keyId"] == key and entity["type"] == "SecureString" and entity["tier"] == "Standard"
    assert entity["accountId"] == ACCOUNT and entity["region"] == "us-east-1"
    assert isinstance(entity["lastModifiedOn"], int)
    assert found[token]["keyId"] == "alias/aws/ssm"
    assert not any("value" in str(v) for e in found.values() for v in e.values())
    assert relationships(result, "aws_secure_string_parameter_uses_kms_key") == {(password, key)}
    manages = relationships(result, "aws_ssm_manages_secure_string_parameter")
    assert {to for _, to in manages} == set(found)


def test_patch_groups_use_their_baseline_and_have_the_instances_whose_state_they_log(run_steps, client):
    ssm = client("ssm")
    baseline = ssm.create_patch_baseline(Name="web", OperatingSystem="DEBIAN", Description="web servers")[
        "BaselineId"
    ]
    ssm.register_patch_baseline_for_patch_group(BaselineId=baseline, PatchGroup="web-servers")
    grouped = an_instance(client, tags=[{"Key": "Patch Group", "Value": "web-servers"}])
    an_instance(client)  # in no patch group

    result = run_steps("fetch-ssm-patch-baselines", "fetch-ssm-patch-states")
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results), result.step_results
    baseline_key = f"arn:aws:ssm:us-east-1:{ACCOUNT}:patchbaseline/{baseline}"
    baselines = by_type(result, "aws_patch_baseline")
    assert set(baselines) == {baseline_key}
    assert baselines[baseline_key]["operatingSystem"] == "DEBIAN"
    assert baselines[baseline_key]["_class"] == ["Configuration"]
    group_key = f"aws_patch_group:{ACCOUNT}:us-east-1:web-servers"
    (group,) = by_type(result, "aws_patch_group").values()
    assert group["_key"] == group_key and group["_class"] == ["Group"] and group["baselineId"] == baseline
    assert relationships(result, "aws_patch_group_uses_baseline") == {(group_key, baseline_key)}

    instance_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{grouped}"
    (state,) = by_type(result, "aws_patch_state").values()
    assert state["_class"] == ["Logs"] and state["instanceId"] == grouped
    assert (
        state["operation"] == "Scan" and state["missingCount"] == 0 and state["patchGroup"] == "web-servers"
    )
    assert relationships(result, "aws_patch_group_has_instance") == {(group_key, instance_key)}
    assert relationships(result, "aws_instance_logs_patch_state") == {(instance_key, state["_key"])}
    assert relationships(result, "aws_patch_baseline_generated_state") == {(baseline_key, state["_key"])}


def test_instance_inventory_lists_each_application_as_name_and_version(run_steps, client):
    instance = an_instance(client, region="eu-west-1")
    client("ssm", "eu-west-1").put_inventory(
        InstanceId=instance,
        Items=[
            {
                "TypeName": "AWS:Application",
                "SchemaVersion": "1.1",
                "CaptureTime": "2024-03-29T10:00:00Z",
                "Content": [
                    {"Name": "xz-utils", "Version": "5.6.1-1"},
                    {"Name": "curl", "Version": "7.88.1"},
                ],
            }
        ],
    )
    client("ssm", "eu-west-1").put_inventory(
        InstanceId="mi-0123456789abcdef0",  # an on-premises managed node: no EC2 instance
        Items=[
            {
                "TypeName": "AWS:Application",
                "SchemaVersion": "1.1",
                "CaptureTime": "2024-03-29T10:00:00Z",
                "Content": [{"Name": "openssh", "Version": "9.6"}],
            }
        ],
    )

    result = run_steps("fetch-ssm-inventory")
    found = by_type(result, "aws_instance_inventory")
    key = f"arn:aws:ssm:eu-west-1:{ACCOUNT}:managed-instance-inventory/{instance}"
    assert set(found) == {
        key,
        f"arn:aws:ssm:eu-west-1:{ACCOUNT}:managed-instance-inventory/mi-0123456789abcdef0",
    }
    inventory = found[key]
    assert inventory["_class"] == ["Configuration"] and inventory["instanceId"] == instance
    assert inventory["applicationInventory"] == ["curl_7.88.1", "xz-utils_5.6.1-1"]
    assert inventory["applicationCount"] == 2 and inventory["capturedOn"] == 1711706400000
    assert inventory["region"] == "eu-west-1" and inventory["accountId"] == ACCOUNT
    instance_key = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{instance}"
    assert relationships(result, "aws_instance_has_inventory") == {(instance_key, key)}
    assert relationships(result, "aws_ssm_manages_instance") == {(f"aws_ssm:{ACCOUNT}", instance_key)}


def test_a_denied_region_costs_only_that_region(run_steps, client):
    client("ssm", "us-east-1").put_parameter(Name="kept", Value="v", Type="SecureString")
    client("ssm", "eu-west-1").put_parameter(Name="denied", Value="v", Type="SecureString")

    def deny(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.ssm.DescribeParameters", deny)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-ssm-parameters")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == "fetch-ssm-parameters")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-ssm-parameters: eu-west-1: access denied (AccessDeniedException); "
        "the role needs ssm:DescribeParameters"
    )
    assert set(by_type(result, "aws_secure_string_parameter")) == {
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/kept"
    }
    assert "aws_secure_string_parameter" in result.partial_types


def test_a_patch_state_without_an_instance_id_is_left_out_and_the_others_kept():
    answers = {
        "DescribePatchGroups": {"Mappings": [{"PatchGroup": "web"}]},
        "DescribeInstancePatchStatesForPatchGroup": {
            "InstancePatchStates": [
                {"PatchGroup": "web"},
                {"InstanceId": "i-0123456789abcdef0", "PatchGroup": "web"},
            ]
        },
    }
    result = run_on_answers("fetch-ssm-patch-states", answers=answers)
    step = step_result(result, "fetch-ssm-patch-states")
    assert step.status is StepStatus.SUCCESS, step.error
    (state,) = result.job_state.iter_entities("aws_patch_state")
    assert state["instanceId"] == "i-0123456789abcdef0"
    assert any("empty InstanceId" in w for w in step.warnings)
