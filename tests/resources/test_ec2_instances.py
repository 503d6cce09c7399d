"""EC2 instances, EBS volumes, network interfaces and Elastic IPs, with the links between them."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.ec2.instances import state_changed_on
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
STEPS = (
    "fetch-ec2-instances",
    "fetch-ec2-ebs-volumes",
    "fetch-ec2-network-interfaces",
    "fetch-ec2-elastic-ips",
)


def arn(kind, resource_id, region="us-east-1"):
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{resource_id}"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def linked(result, type_, from_key, to_key):
    return any(
        r["_type"] == type_ and r["_fromEntityKey"] == from_key and r["_toEntityKey"] == to_key
        for r in result.job_state.relationships()
    )


@pytest.fixture
def servers(client):
    ec2 = client("ec2", "us-east-1")
    key = client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    profile = client("iam").create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    subnet = ec2.describe_subnets()["Subnets"][0]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=subnet["VpcId"])["GroupId"]
    web, batch = ec2.run_instances(
        ImageId="ami-12c6146b",
        InstanceType="t3.micro",
        MinCount=2,
        MaxCount=2,
        SubnetId=subnet["SubnetId"],
        SecurityGroupIds=[group],
        IamInstanceProfile={"Arn": profile},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": key}}
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )["Instances"]
    ec2.stop_instances(InstanceIds=[batch["InstanceId"]])
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=address, InstanceId=web["InstanceId"])
    loose = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    client("ec2", "eu-west-1").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    return {
        "web": web["InstanceId"],
        "stopped": batch["InstanceId"],
        "subnet": subnet,
        "group": group,
        "key": key,
        "profile": profile,
        "address": address,
        "loose": loose,
    }


def test_instances_volumes_interfaces_and_addresses(run_steps, servers):
    result = run_steps(*STEPS)
    assert all(status(result, s).status is StepStatus.SUCCESS for s in STEPS)
    state = result.job_state
    assert sorted(i["region"] for i in state.iter_entities("aws_instance")) == [
        "eu-west-1",
        "us-east-1",
        "us-east-1",
    ]
    web = state.find_entity(arn("instance", servers["web"]))
    assert web["_class"] == ["Host"] and web["arn"] == web["_key"] and web["name"] == "web"
    assert web["instanceId"] == servers["web"] and web["instanceType"] == "t3.micro" and web["imageId"]
    assert web["state"] == "running" and web["active"] is True
    assert web["vpcId"] == servers["subnet"]["VpcId"] and web["subnetId"] == servers["subnet"]["SubnetId"]
    assert web["publicIpAddress"] and web["privateIpAddress"]
    assert isinstance(web["launchTime"], int) and web["createdOn"] == web["launchTime"]
    # What JupiterOne's aws-config rules read on instances:
    assert web["iamInstanceProfileArn"] == servers["profile"]
    assert web["monitoringState"] == "disabled" and web["tenancy"] == "default"
    assert web["ebsOptimized"] is False and web["ebsOptimizationSupported"] is True
    assert web["httpTokens"] == "optional" and web["httpEndpointEnabled"] is True
    assert web["accountId"] == ACCOUNT and web["tag.Name"] == "web"
    stopped = state.find_entity(arn("instance", servers["stopped"]))
    assert stopped["state"] == "stopped" and stopped["active"] is False
    assert isinstance(stopped["stateChangedOn"], int)

    subnet_key = arn("subnet", servers["subnet"]["SubnetId"])
    group_key = arn("security-group", servers["group"])
    assert linked(result, "aws_subnet_has_instance", subnet_key, web["_key"])
    assert linked(result, "aws_instance_has_security_group", web["_key"], group_key)
    assert linked(result, "aws_security_group_protects_instance", group_key, web["_key"])
    assert linked(result, "aws_ec2_has_instance", f"aws_ec2:{ACCOUNT}", web["_key"])

    volumes = {v["volumeId"]: v for v in state.iter_entities("aws_ebs_volume")}
    root = next(v for v in volumes.values() if v["attachedInstanceIds"] == [servers["web"]])
    assert root["_class"] == ["DataStore", "Disk"] and root["_key"] == arn("volume", root["volumeId"])
    assert root["encrypted"] is True and root["kmsKeyId"] == servers["key"] and root["attached"] is True
    assert (
        root["size"] == 8
        and root["volumeType"]
        and root["state"] == "in-use"
        and isinstance(root["createdOn"], int)
    )
    assert linked(result, "aws_instance_uses_ebs_volume", web["_key"], root["_key"])
    assert linked(result, "aws_ebs_volume_uses_kms_key", root["_key"], servers["key"])
    loose = volumes[servers["loose"]]
    assert loose["encrypted"] is False and loose["attached"] is False and "kmsKeyId" not in loose
    assert not any(r["_toEntityKey"] == loose["_key"] for r in state.relationships() if r["_class"] == "USES")

    eip = state.find_entity(arn("elastic-ip", servers["address"]))
    assert eip["_class"] == ["IpAddress"] and eip["publicIp"] == web["publicIpAddress"]
    assert eip["instanceId"] == servers["web"] and eip["allocationId"] == servers["address"]
    assert linked(result, "aws_instance_uses_eip", web["_key"], eip["_key"])
    eni = next(e for e in state.iter_entities("aws_eni") if e.get("instanceId") == servers["web"])
    assert eni["_class"] == ["NetworkInterface"] and eni["_key"] == arn("network-interface", eni["id"])
    assert eni["securityGroupIds"] == [servers["group"]] and eni["subnetId"] == servers["subnet"]["SubnetId"]
    assert linked(result, "aws_instance_uses_eni", web["_key"], eni["_key"])
    assert linked(result, "aws_subnet_has_eni", subnet_key, eni["_key"])
    assert linked(result, "aws_security_group_protects_eni", group_key, eni["_key"])


def test_the_stop_time_is_read_from_the_transition_reason():
    assert state_changed_on("User initiated (2019-07-31 17:01:22 GMT)") == 1564592482000
    assert state_changed_on("") is None and state_changed_on(None) is None


@pytest.fixture
def deny_instances_in_eu_west_1():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError(
                {"Error": {"Code": "UnauthorizedOperation", "Message": "denied by an SCP"}}, model.name
            )

    entry = ("before-call.ec2.DescribeInstances", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_marks_instances_partial_and_keeps_the_rest(
    run_steps, client, deny_instances_in_eu_west_1
):
    for region in ("us-east-1", "eu-west-1"):
        client("ec2", region).run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    result = run_steps("fetch-ec2-instances", "fetch-ec2-ebs-volumes")
    step = status(result, "fetch-ec2-instances")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-ec2-instances: eu-west-1: access denied (UnauthorizedOperation); "
        "the role needs ec2:DescribeInstances, ec2:DescribeInstanceTypes"
    )
    assert [i["region"] for i in result.job_state.iter_entities("aws_instance")] == ["us-east-1"]
    assert {"aws_instance", "aws_subnet_has_instance", "aws_instance_uses_ebs_volume"} <= set(
        result.partial_types
    )
    assert status(result, "fetch-ec2-ebs-volumes").status is StepStatus.SUCCESS
    assert {v["region"] for v in result.job_state.iter_entities("aws_ebs_volume")} == {
        "us-east-1",
        "eu-west-1",
    }


@pytest.fixture
def two_instances_without_an_id():
    """DescribeInstances answering, besides moto's instances, two with InstanceId '' (as the
    property test of converters generated them): both once made the key `arn:...:instance/`; and
    one without an InstanceId, which once failed the region."""

    def hook(parsed, **_):
        parsed.setdefault("Reservations", []).append(
            {"Instances": [{"InstanceId": ""}, {"InstanceId": ""}, {"InstanceType": "t3.micro"}]}
        )

    entry = ("after-call.ec2.DescribeInstances", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_instances_without_an_id_cost_only_themselves(run_steps, client, two_instances_without_an_id):
    client("ec2", "us-east-1").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    result = run_steps("fetch-ec2-instances", regions=("us-east-1",))
    step = status(result, "fetch-ec2-instances")
    assert step.status is StepStatus.SUCCESS
    assert len(list(result.job_state.iter_entities("aws_instance"))) == 1
    assert step.warnings == ["us-east-1: an instance with an empty InstanceId left out: it has no id"] * 3
