"""RDS: per region, an encrypted Aurora cluster with one instance, behind the default security group,
and a manual snapshot of it; and a small unencrypted PostgreSQL instance whose manual snapshot anyone
may restore (what rds-snapshots-public-prohibited and rds-snapshot-encrypted flag)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        key_arn = a_key_arn(client("kms", region))
        group = client("ec2", region).describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
        rds = client("rds", region)
        rds.create_db_cluster(
            DBClusterIdentifier="graph-aws-demo",
            Engine="aurora-mysql",
            MasterUsername="admin",
            MasterUserPassword="not-a-secret-1",
            StorageEncrypted=True,
            KmsKeyId=key_arn,
            VpcSecurityGroupIds=[group["GroupId"]],
            BackupRetentionPeriod=7,
            Tags=[{"Key": "owner", "Value": "data"}],
        )
        # A cluster member takes the cluster's storage, key and security groups.
        rds.create_db_instance(
            DBInstanceIdentifier="graph-aws-demo-1",
            DBClusterIdentifier="graph-aws-demo",
            Engine="aurora-mysql",
            DBInstanceClass="db.r6g.large",
        )
        rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier="graph-aws-demo-before-upgrade", DBClusterIdentifier="graph-aws-demo"
        )
        rds.create_db_instance(
            DBInstanceIdentifier="graph-aws-demo-legacy",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="not-a-secret-1",
        )
        rds.create_db_snapshot(
            DBSnapshotIdentifier="graph-aws-demo-legacy-export", DBInstanceIdentifier="graph-aws-demo-legacy"
        )
        rds.modify_db_snapshot_attribute(
            DBSnapshotIdentifier="graph-aws-demo-legacy-export", AttributeName="restore", ValuesToAdd=["all"]
        )
