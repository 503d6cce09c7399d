"""The collected-types tables of the README, generated from the step registry.

Every entity type a step declares gets a row: its JupiterOne class, the steps that make it, the API
calls and IAM actions they need, whether they read each region or the account (or organization)
once, and how the tests reach it: moto, moto with a local patch (a seed module's `patch_moto`), or
responses shaped as botocore's service model says. A service module says the last in an optional
`TESTED_WITH = {"aws_type": "..."}`; a type it does not name is tested on moto.

    python -m graph_aws.aws.catalog README.md    # rewrite the tables between their markers
    python -m graph_aws.aws.catalog              # print them

`tests/test_catalog.py` fails when the README's tables differ from what this prints.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from graph_aws.aws import resources
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS
from graph_aws.engine import Step

TYPES_START, TYPES_END = "<!-- collected-types:start -->", "<!-- collected-types:end -->"
RELATIONSHIPS_START, RELATIONSHIPS_END = (
    "<!-- collected-relationships:start -->",
    "<!-- collected-relationships:end -->",
)
MOTO = "moto"

# JupiterOne's 107 documented AWS entity types (its AWS integration's entity table, 2023;
# reference/jupiterone-aws-coverage.md): the README says how many of them graph-aws collects.
JUPITERONE_TYPES = frozenset(
    [
        "aws_accessanalyzer_analyzer",
        "aws_accessanalyzer_finding",
        "aws_account",
        "aws_acm_certificate",
        "aws_alb",
        "aws_ami",
        "aws_api_gateway_rest_api",
        "aws_api_gateway_v2_api",
        "aws_api_gateway_v2_authorizer",
        "aws_api_gateway_v2_integration",
        "aws_api_gateway_v2_route",
        "aws_autoscaling_group",
        "aws_batch_compute_environment",
        "aws_batch_job",
        "aws_batch_job_definition",
        "aws_batch_job_queue",
        "aws_cloudformation_stack",
        "aws_cloudfront_distribution",
        "aws_cloudfront_distribution_origin",
        "aws_cloudwatch_log_group",
        "aws_cloudwatch_metric_alarm",
        "aws_codecommit_repository",
        "aws_codepipeline_pipeline",
        "aws_config_rule",
        "aws_db_cluster_snapshot",
        "aws_db_instance",
        "aws_db_snapshot",
        "aws_dynamodb_table",
        "aws_ebs_snapshot",
        "aws_ebs_volume",
        "aws_ecr_image",
        "aws_ecr_image_scan_finding",
        "aws_ecr_repository",
        "aws_ecs_cluster",
        "aws_ecs_container_instance",
        "aws_ecs_service",
        "aws_ecs_task",
        "aws_ecs_task_definition",
        "aws_efs_file_system",
        "aws_efs_mount_target",
        "aws_eip",
        "aws_eks_cluster",
        "aws_elasticache_cluster_node",
        "aws_elasticache_memcached_cluster",
        "aws_elasticache_redis_cluster",
        "aws_elasticache_snapshot",
        "aws_elasticsearch_domain",
        "aws_elb",
        "aws_eni",
        "aws_guardduty_detector",
        "aws_guardduty_finding",
        "aws_iam_access_key",
        "aws_iam_account_password_policy",
        "aws_iam_group",
        "aws_iam_group_policy",
        "aws_iam_oidc_provider",
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_saml_provider",
        "aws_iam_user",
        "aws_iam_user_policy",
        "aws_inspector_assessment",
        "aws_inspector_finding",
        "aws_instance",
        "aws_instance_inventory",
        "aws_internet_gateway",
        "aws_key_pair",
        "aws_kinesis_stream",
        "aws_kms_key",
        "aws_lambda_function",
        "aws_launch_template",
        "aws_lb_listener",
        "aws_lb_listener_rule",
        "aws_lb_target_group",
        "aws_macie",
        "aws_macie_finding",
        "aws_nat_gateway",
        "aws_network_acl",
        "aws_nlb",
        "aws_organizational_unit",
        "aws_patch_baseline",
        "aws_patch_group",
        "aws_patch_state",
        "aws_rds_cluster",
        "aws_redshift_cluster",
        "aws_route53_domain",
        "aws_route53_record",
        "aws_route53_zone",
        "aws_route_table",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_secure_string_parameter",
        "aws_security_group",
        "aws_sns_subscription",
        "aws_sns_topic",
        "aws_sqs_queue",
        "aws_subnet",
        "aws_transfer_server",
        "aws_transfer_user",
        "aws_vpc",
        "aws_vpn_gateway",
        "aws_waf_v2_web_acl",
        "aws_waf_web_acl",
        "aws_workspace",
        "aws_workspaces_bundle",
        "mfa_device",
    ]
)

# IAM prefixes whose API is not the botocore client of the same name.
_CLIENTS = {
    "elasticloadbalancing": ("elb", "elbv2"),
    "elasticfilesystem": ("efs",),
    "es": ("es", "opensearch"),
}
# IAM actions named otherwise than the API call they allow.
_CALLS = {
    "s3:ListAllMyBuckets": "ListBuckets",
    "s3:GetEncryptionConfiguration": "GetBucketEncryption",
    "s3:GetBucketPublicAccessBlock": "GetPublicAccessBlock",
    "s3:GetReplicationConfiguration": "GetBucketReplication",
    "s3:GetBucketObjectLockConfiguration": "GetObjectLockConfiguration",
}


@dataclass
class TypeRow:
    type: str
    classes: tuple[str, ...]
    steps: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    tested_with: str = MOTO


def _scope(step: Step) -> str:
    if step in ORGANIZATION_STEPS:
        return "organization"
    if not step.permissions:
        return "made, not read"  # a service entity, the Internet: no call
    return "each region" if "fetch-regions" in step.depends_on else "once per account"


def _modules() -> Iterator[ModuleType]:
    """The modules that define steps: the account's and organization's, and every service module."""
    yield importlib.import_module("graph_aws.aws.account.steps")
    yield importlib.import_module("graph_aws.aws.organization.steps")
    for info in pkgutil.iter_modules(resources.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{resources.__name__}.{info.name}")


def tested_with() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in _modules():
        found.update(getattr(module, "TESTED_WITH", {}))
    return found


def type_rows() -> list[TypeRow]:
    rows: dict[str, TypeRow] = {}
    notes = tested_with()
    for step in (*ORGANIZATION_STEPS, *account_job_steps()):
        for entity in step.entities:
            row = rows.setdefault(
                entity.type, TypeRow(entity.type, entity.classes, tested_with=notes.get(entity.type, MOTO))
            )
            row.steps.append(step.id)
            row.permissions.extend(p for p in step.permissions if p not in row.permissions)
            if _scope(step) not in row.scopes:
                row.scopes.append(_scope(step))
    return sorted(rows.values(), key=lambda r: r.type)


@functools.cache
def _operations(client: str) -> frozenset[str]:
    import botocore.session

    session = botocore.session.get_session()
    if client not in session.get_available_services():
        return frozenset()
    return frozenset(session.get_service_model(client).operation_names)


def api_calls(permissions: Iterable[str]) -> str:
    """The API calls the IAM actions allow, by service: "kms: ListKeys, DescribeKey"."""
    calls: dict[str, list[str]] = {}
    for permission in permissions:
        prefix, action = permission.split(":", 1)
        call = _CALLS.get(permission, action)
        clients = _CLIENTS.get(prefix, (prefix,))
        if any(call in _operations(c) for c in clients):
            calls.setdefault(prefix, []).append(call)
    return "; ".join(f"{prefix}: {', '.join(names)}" for prefix, names in calls.items())


def _code(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def types_table() -> str:
    rows = type_rows()
    documented = sorted(JUPITERONE_TYPES & {r.type for r in rows})
    lines = [
        f"{len(rows)} entity types, {len(documented)} of them among the {len(JUPITERONE_TYPES)} AWS types "
        "JupiterOne documents.",
        "",
        "| Type | Class | Steps | API calls | IAM actions | Read | Tested with |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        calls = api_calls(row.permissions) or "-"
        lines.append(
            f"| `{row.type}` | {', '.join(row.classes)} | {_code(row.steps)} | {calls} "
            f"| {_code(row.permissions) or '-'} | {', '.join(row.scopes)} | {row.tested_with} |"
        )
    return "\n".join(lines)


def relationships_table() -> str:
    seen: dict[str, tuple[str, str, str, list[str]]] = {}
    for step in (*ORGANIZATION_STEPS, *account_job_steps()):
        for relationship in step.relationships:
            entry = seen.setdefault(
                relationship.type, (relationship.source.type, relationship.verb, relationship.target.type, [])
            )
            entry[3].append(step.id)
    lines = ["| Relationship | From | Verb | To | Steps |", "|---|---|---|---|---|"]
    for type_, (source, verb, target, steps) in sorted(seen.items()):
        lines.append(f"| `{type_}` | `{source}` | {verb} | `{target}` | {_code(steps)} |")
    return "\n".join(lines)


def _replace(text: str, start: str, end: str, table: str) -> str:
    before, found, rest = text.partition(start)
    if not found or end not in rest:
        raise SystemExit(f"the README has no {start} ... {end} block to put the table in")
    return f"{before}{start}\n{table}\n{end}{rest.partition(end)[2]}"


def rewrite(readme: str) -> str:
    text = _replace(readme, TYPES_START, TYPES_END, types_table())
    return _replace(text, RELATIONSHIPS_START, RELATIONSHIPS_END, relationships_table())


def main(argv: list[str]) -> None:
    if not argv:
        print(types_table(), relationships_table(), sep="\n\n")
        return
    path = Path(argv[0])
    path.write_text(rewrite(path.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
