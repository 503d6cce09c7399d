"""CodePipeline: in the first region, a two-stage pipeline from the CodeCommit seed's repository."""

from __future__ import annotations

import json

from graph_aws.demo.seeds import ClientFactory

TRUST_CODEPIPELINE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    region = regions[0]
    role = client("iam", region).create_role(
        RoleName="graph-aws-demo-pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_CODEPIPELINE)
    )["Role"]["Arn"]
    client("codepipeline", region).create_pipeline(
        pipeline={
            "name": "graph-aws-demo-deploy",
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": f"graph-aws-data-{account_id}-{region}"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Checkout",
                            "actionTypeId": {
                                "category": "Source",
                                "owner": "AWS",
                                "provider": "CodeCommit",
                                "version": "1",
                            },
                            "configuration": {
                                "RepositoryName": "graph-aws-demo-infrastructure",
                                "BranchName": "main",
                            },
                            "outputArtifacts": [{"name": "source"}],
                        }
                    ],
                },
                {
                    "name": "Approve",
                    "actions": [
                        {
                            "name": "Review",
                            "actionTypeId": {
                                "category": "Approval",
                                "owner": "AWS",
                                "provider": "Manual",
                                "version": "1",
                            },
                        }
                    ],
                },
            ],
        },
        tags=[{"key": "owner", "value": "platform"}],
    )
