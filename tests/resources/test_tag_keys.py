"""Tag keys as AWS allows them, end to end through the EC2 instances step: an instance launched from
a launch template carries AWS's own `aws:ec2launchtemplate:id`, and stacks and Auto Scaling add
theirs. Each becomes `tag.<Key>` unchanged, as JupiterOne's SDK writes it; a key graph-aws cannot
store costs only that property, never the instance or its neighbours."""

from __future__ import annotations

import logging

from graph_aws.engine import StepStatus
from graph_aws.model.sources import with_integration_metadata
from graph_aws.query.run import run_query

AWS_TAGS = {
    "aws:cloudformation:stack-name": "web-stack",
    "aws:autoscaling:groupName": "web-asg",
    "kubernetes.io/cluster/prod": "owned",
    "Cost Center": "42",
    "Équipe": "plateforme",
}
UNSTORABLE = ['bad"quote', "k" * 200]  # moto accepts them; AWS refuses both, graph-aws drops them


def test_tag_keys_aws_allows_are_kept_and_one_bad_key_costs_only_itself(
    run_steps, client, sqlite_store, caplog
):
    store = sqlite_store  # the end of the test queries it with J1QL
    ec2 = client("ec2")
    template = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    (web,) = ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template}, MinCount=1, MaxCount=1)[
        "Instances"
    ]
    ec2.create_tags(
        Resources=[web["InstanceId"]],
        Tags=[{"Key": k, "Value": v} for k, v in AWS_TAGS.items()]
        + [{"Key": k, "Value": "x"} for k in UNSTORABLE],
    )
    (neighbour,) = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "batch"}]}],
    )["Instances"]

    with caplog.at_level(logging.WARNING):
        result = run_steps("fetch-ec2-instances", regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    instances = {e["instanceId"]: e for e in result.job_state.iter_entities("aws_instance")}
    assert set(instances) == {web["InstanceId"], neighbour["InstanceId"]}
    launched = instances[web["InstanceId"]]
    assert launched["tag.aws:ec2launchtemplate:id"] == template
    assert launched["tag.aws:ec2launchtemplate:version"] == "1"
    assert {k: launched[f"tag.{k}"] for k in AWS_TAGS} == AWS_TAGS
    assert not [name for name in launched if name in {f"tag.{k}" for k in UNSTORABLE}]
    for key in UNSTORABLE:
        assert f"{f'tag.{key}'!r} dropped" in caplog.text
    assert instances[neighbour["InstanceId"]]["name"] == "batch"

    # Stored and queried as JupiterOne's J1QL reaches such names: in brackets.
    scope = "account:123456789012"
    store.sync_scope(scope, with_integration_metadata(result.job_state.entities(), scope), [])
    found = run_query(
        store,
        "FIND aws_instance WITH [tag.aws:cloudformation:stack-name] = 'web-stack' "
        "RETURN aws_instance.[tag.aws:ec2launchtemplate:id]",
    )
    assert found.rows == [(template,)]
