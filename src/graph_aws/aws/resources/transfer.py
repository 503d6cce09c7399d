"""Transfer Family: servers (SFTP, FTPS, FTP, AS2 endpoints: whether the Internet reaches them)
and each server's users, with the role each is ASSIGNED and the bucket whose home directory it
ALLOWS them into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.iam.service import IAM_ROLE
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    required_id,
    resource_step,
)
from graph_aws.aws.resources.s3 import S3_BUCKET
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

TRANSFER = ServiceSpec(
    "transfer",
    "Transfer Family",
    EntityType("Transfer Family", "aws_transfer", ("Service",)),
    function=("SFTP",),
)
SERVER = EntityType("Transfer Server", "aws_transfer_server", ("Host", "Gateway"))
USER = EntityType("Transfer User", "aws_transfer_user", ("User",))


def to_server(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=SERVER.type,
        classes=SERVER.classes,
        name=raw["ServerId"],
        properties={
            "arn": raw["Arn"],
            "id": raw["ServerId"],
            "domain": raw.get("Domain"),
            "endpointType": raw.get("EndpointType"),
            "identityProviderType": raw.get("IdentityProviderType"),
            "loggingRole": raw.get("LoggingRole"),
            "state": raw.get("State"),
            "userCount": raw.get("UserCount"),
            # The data model's Gateway (Host's own category is a string: no value is both).
            "category": ["application"],
            "function": ["remote-access-gateway"],
            "public": raw.get("EndpointType") == "PUBLIC",
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def server_details(detail: Mapping[str, Any]) -> dict[str, Any]:
    endpoint = detail.get("EndpointDetails") or {}
    internet_facing = detail.get("EndpointType") == "PUBLIC" or bool(endpoint.get("AddressAllocationIds"))
    return {
        "protocols": detail.get("Protocols") or None,
        "securityPolicyName": detail.get("SecurityPolicyName"),
        "certificate": detail.get("Certificate"),
        "vpcId": endpoint.get("VpcId"),
        "subnetIds": endpoint.get("SubnetIds") or None,
        "securityGroupIds": endpoint.get("SecurityGroupIds") or None,
        "public": internet_facing,
        "hostKeyFingerprint": detail.get("HostKeyFingerprint"),
    }


def home_bucket(user: Mapping[str, Any], domain: str | None) -> str | None:
    """The bucket of an S3 server's user's home directory (`/bucket/prefix`), if it has one."""
    home = str(user.get("HomeDirectory") or "")
    if domain not in (None, "S3") or user.get("HomeDirectoryType") == "LOGICAL" or not home.startswith("/"):
        return None
    return home.strip("/").split("/", 1)[0] or None


def to_user(raw: Mapping[str, Any], where: Where, server: Entity) -> Entity:
    arn = required_id(raw.get("Arn") or "", "Arn", f"a user of {server['_key']}")
    name = raw.get("UserName") or arn.rsplit("/", 1)[-1]
    return make_entity(
        key=arn,
        type=USER.type,
        classes=USER.classes,
        name=name,
        properties={
            "arn": arn,
            "username": [name],  # the data model's User: a list of names
            "userName": raw.get("UserName"),
            "serverId": server["id"],
            "homeDirectory": raw.get("HomeDirectory"),
            "homeDirectoryType": raw.get("HomeDirectoryType"),
            "role": raw.get("Role"),
            "sshPublicKeyCount": raw.get("SshPublicKeyCount"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_server(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], server: Entity
) -> None:
    """The server's endpoint and protocols (DescribeServer), and its users: ListUsers answers per
    server (the API nests)."""
    state = context.job_state
    detail = client.describe_server(ServerId=raw["ServerId"]).get("Server")
    if detail is None:  # nothing more is known of the server than ListServers said
        context.warn(f"{server['_key']}: DescribeServer answered no Server; its details are left out")
    else:
        state.enrich_entity(server["_key"], server_details(detail))
        if detail.get("LoggingRole"):
            with one_item(context, f"{server['_key']}: its logging role"):
                state.add_relationship(
                    make_relationship(
                        from_type=IAM_ROLE.type,
                        from_key=detail["LoggingRole"],
                        verb="ASSIGNED",
                        to_entity=server,
                    )
                )
    for item in paginate(client, "list_users", "Users", ServerId=raw["ServerId"]):
        with one_item(context, f"{server['_key']}: a user"):
            add_user(context, where, server, item, raw.get("Domain"))


def add_user(
    context: StepContext, where: Where, server: Entity, item: Mapping[str, Any], domain: str | None
) -> None:
    state = context.job_state
    user = state.add_entity(to_user(item, where, server))
    state.add_relationship(
        make_relationship(
            from_type=TRANSFER.entity.type,
            from_key=TRANSFER.key_of(where.account_id),
            verb="HAS",
            to_entity=user,
        )
    )
    state.add_relationship(make_relationship(from_entity=server, verb="HAS", to_entity=user))
    if item.get("Role"):
        with one_item(context, f"{user['_key']}: its role"):
            state.add_relationship(
                make_relationship(
                    from_type=IAM_ROLE.type, from_key=item["Role"], verb="ASSIGNED", to_entity=user
                )
            )
    bucket = home_bucket(item, domain)
    if bucket:
        with one_item(context, f"{user['_key']}: its home bucket"):
            state.add_relationship(
                make_relationship(
                    from_type=S3_BUCKET.type,
                    from_key=f"arn:{where.partition}:s3:::{bucket}",
                    verb="ALLOWS",
                    to_entity=user,
                )
            )


SERVERS = ResourceSpec(
    step_id="fetch-transfer-servers",
    name="Fetch Transfer Family servers and users",
    service=TRANSFER,
    client="transfer",
    operation="list_servers",
    result_key="Servers",
    entity=SERVER,
    convert=to_server,
    enrich=enrich_server,
    extra_entities=(USER,),
    relationships=(
        TRANSFER.has(USER),
        RelationshipType(SERVER, "HAS", USER),
        RelationshipType(IAM_ROLE, "ASSIGNED", SERVER),
        RelationshipType(IAM_ROLE, "ASSIGNED", USER),
        RelationshipType(S3_BUCKET, "ALLOWS", USER),
    ),
    permissions=("transfer:ListServers", "transfer:DescribeServer", "transfer:ListUsers"),
    only_where_offered=True,
)

STEPS = (TRANSFER.step(), resource_step(SERVERS))


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_transfer_user": "moto, patched (ListUsers)",
}
