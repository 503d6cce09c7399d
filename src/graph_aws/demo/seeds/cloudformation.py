"""CloudFormation: in the first region, a stack that notifies a topic and one that notifies nothing
(what cloudformation-stack-notification-check flags); neither has been checked for drift."""

from __future__ import annotations

import json
import warnings

from graph_aws.demo.seeds import ClientFactory

# The smallest template: a resource that creates nothing.
TEMPLATE = json.dumps({"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    region = regions[0]
    topic = client("sns", region).create_topic(Name="graph-aws-demo-stack-events")["TopicArn"]
    cloudformation = client("cloudformation", region)
    with warnings.catch_warnings():  # moto says it does not model the handle: it need not
        warnings.simplefilter("ignore", UserWarning)
        cloudformation.create_stack(
            StackName="graph-aws-demo-network",
            TemplateBody=TEMPLATE,
            NotificationARNs=[topic],
            Tags=[{"Key": "owner", "Value": "platform"}],
        )
        cloudformation.create_stack(StackName="graph-aws-demo-app", TemplateBody=TEMPLATE)
