"""EKS: clusters with endpoint exposure, secrets encryption, logging and security groups."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.eks import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_clusters_with_endpoint_encryption_logging_and_groups(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    key = client("kms", "us-east-1").list_keys()["Keys"][0]["KeyArn"]
    group = client("ec2", "us-east-1").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    client("eks", "eu-west-1").create_cluster(
        name="private",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": [], "endpointPublicAccess": False, "endpointPrivateAccess": True},
    )
    result = run_steps("fetch-eks-clusters")
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    clusters = {c["name"]: c for c in result.job_state.iter_entities("aws_eks_cluster")}
    assert set(clusters) == {"graph-aws-demo", "private"}
    demo, private = clusters["graph-aws-demo"], clusters["private"]
    assert demo["_key"] == demo["arn"] == f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/graph-aws-demo"
    assert demo["_class"] == ["Cluster"] and demo["accountId"] == ACCOUNT and demo["region"] == "us-east-1"
    assert demo["vpcEndpointPublicAccess"] is True and demo["vpcEndpointPrivateAccess"] is False
    assert private["vpcEndpointPublicAccess"] is False and private["region"] == "eu-west-1"
    assert (
        demo["secretsEncrypted"] is True and demo["kmsKeyArn"] == key and private["secretsEncrypted"] is False
    )
    assert demo["loggingEnabled"] is True and demo["enabledLogTypes"] == ["api", "audit"]
    assert (
        demo["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/graph-aws-demo-eks"
        and demo["tag.owner"] == "platform"
    )
    assert demo["status"] == "ACTIVE" and demo["version"] and isinstance(demo["createdOn"], int)
    group_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group['GroupId']}"
    assert ends(result, "aws_eks_cluster_has_security_group") == {(demo["_key"], group_key)}
    assert ends(result, "aws_eks_cluster_uses_kms_key") == {(demo["_key"], key)}
    assert len(ends(result, "aws_eks_has_cluster")) == 2


def test_a_cluster_whose_describe_cluster_answer_has_no_cluster_keeps_its_entity_and_warns():
    result = run_on_answers("fetch-eks-clusters", answers={"ListClusters": {"clusters": ["web"]}})
    step = step_result(result, "fetch-eks-clusters")
    assert step.status is StepStatus.SUCCESS, step.error
    (cluster,) = result.job_state.iter_entities("aws_eks_cluster")
    assert cluster["name"] == "web" and "status" not in cluster
    assert any("no cluster" in w for w in step.warnings)
