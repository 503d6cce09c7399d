"""Redshift: clusters with encryption, network and the parameter groups they use, with parameters."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.redshift import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:redshift:us-east-1:{ACCOUNT}"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_clusters_and_their_parameter_groups(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    key = client("kms", "us-east-1").list_keys()["Keys"][0]["KeyArn"]
    ec2 = client("ec2", "us-east-1")
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    result = run_steps(
        "fetch-redshift-clusters", "fetch-redshift-cluster-parameter-groups", regions=("us-east-1",)
    )
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)

    (cluster,) = result.job_state.iter_entities("aws_redshift_cluster")
    assert cluster["_key"] == cluster["arn"] == f"{PREFIX}:cluster:graph-aws-demo"
    assert cluster["_class"] == ["DataStore", "Database", "Cluster"] and cluster["accountId"] == ACCOUNT
    assert cluster["encrypted"] is True and cluster["kmsKeyId"] == key and cluster["public"] is False
    assert cluster["vpcId"] == vpc and cluster["parameterGroupNames"] == ["graph-aws-demo"]
    assert (
        cluster["port"] == 5439 and cluster["tag.owner"] == "data" and isinstance(cluster["createdOn"], int)
    )

    groups = {g["name"]: g for g in result.job_state.iter_entities("aws_redshift_cluster_parameter_group")}
    assert set(groups) == {"graph-aws-demo", "default.redshift-1.0"}
    demo = groups["graph-aws-demo"]
    assert demo["_key"] == f"{PREFIX}:parametergroup:graph-aws-demo" and demo["family"] == "redshift-1.0"
    assert demo["_class"] == ["Configuration"] and demo["parameter.requireSsl"] is False
    assert demo["parameter.enableUserActivityLogging"] is False and demo["parameter.datestyle"] == "ISO, MDY"

    assert ends(result, "aws_redshift_cluster_uses_parameter_group") == {(cluster["_key"], demo["_key"])}
    group_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group['GroupId']}"
    assert ends(result, "aws_redshift_cluster_has_security_group") == {(cluster["_key"], group_key)}
    assert ends(result, "aws_vpc_has_redshift_cluster") == {
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{vpc}", cluster["_key"])
    }
    assert ends(result, "aws_redshift_cluster_uses_kms_key") == {(cluster["_key"], key)}


def test_a_security_group_membership_without_an_id_is_skipped_and_the_others_kept():
    cluster = {
        "ClusterIdentifier": "warehouse",
        "VpcSecurityGroups": [{"Status": "active"}, {"VpcSecurityGroupId": "sg-0123456789abcdef0"}],
    }
    result = run_on_answers("fetch-redshift-clusters", answers={"DescribeClusters": {"Clusters": [cluster]}})
    step = step_result(result, "fetch-redshift-clusters")
    assert step.status is StepStatus.SUCCESS, step.error
    groups = {
        r["_toEntityKey"]
        for r in result.job_state.relationships()
        if r["_type"] == "aws_redshift_cluster_has_security_group"
    }
    assert groups == {"arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0"}
