"""OpenSearch: per region, an encrypted OpenSearch domain inside the default VPC, and a legacy
Elasticsearch domain with a public endpoint."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        ec2, opensearch = client("ec2", region), client("opensearch", region)
        subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5)[
            "Subnets"
        ][0]["SubnetId"]
        group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
        opensearch.create_domain(
            DomainName="graph-aws-demo-search",
            EngineVersion="OpenSearch_2.11",
            VPCOptions={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
            EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": a_key_arn(client("kms", region))},
            NodeToNodeEncryptionOptions={"Enabled": True},
            DomainEndpointOptions={"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        )
        opensearch.create_domain(DomainName="graph-aws-demo-logs", EngineVersion="Elasticsearch_7.10")
