"""Transfer Family: in the first region, a public SFTP server that logs through a role, with a
user whose home directory is in the S3 seed's data bucket.

moto lacks ListUsers; `patch_moto` answers it from the users moto keeps on each server.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory

TRUST_TRANSFER = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "transfer.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def patch_moto() -> None:
    from moto.transfer.responses import TransferResponse

    if hasattr(TransferResponse, "list_users"):
        return

    def list_users(self: Any) -> str:
        server_id = json.loads(self.body)["ServerId"]
        server = self.transfer_backend.servers[server_id]
        users = [
            {
                "Arn": u.arn,
                "HomeDirectory": u.home_directory,
                "HomeDirectoryType": u.home_directory_type,
                "Role": u.role,
                "SshPublicKeyCount": len(u.ssh_public_keys),
                "UserName": u.user_name,
            }
            for u in server._users
        ]
        return json.dumps({"ServerId": server_id, "Users": users})

    setattr(TransferResponse, "list_users", list_users)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    region = regions[0]
    iam = client("iam", region)
    role = iam.create_role(
        RoleName="graph-aws-demo-transfer", AssumeRolePolicyDocument=json.dumps(TRUST_TRANSFER)
    )["Role"]["Arn"]
    transfer = client("transfer", region)
    server = transfer.create_server(
        Domain="S3",
        EndpointType="PUBLIC",
        IdentityProviderType="SERVICE_MANAGED",
        Protocols=["SFTP"],
        LoggingRole=role,
        Tags=[{"Key": "owner", "Value": "partners"}],
    )["ServerId"]
    transfer.create_user(
        ServerId=server,
        UserName="partner-upload",
        Role=role,
        HomeDirectory=f"/graph-aws-data-{account_id}-{region}/incoming",
        HomeDirectoryType="PATH",
    )
