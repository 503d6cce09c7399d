"""The policy graph: every identity policy (managed, inline, AWS-managed: the default version) ALLOWS
what its Allow statements grant and DENIES what its Deny statements deny (iam_policy/grants.py), one
relationship per statement and target, as JupiterOne's rules query them:
`FIND User THAT ASSIGNED AccessPolicy THAT ALLOWS AS perm aws_iam WHERE perm.normalizedActions ~=
('iam:createpolicyversion' OR 'iam:*')`.

Two steps, so that a resource step that fails makes only the resource edges partial:
- service grants (Resource `*` or a service-wide ARN): to the account's `aws_<service>` entities,
  those other steps create and, for the services the rule packs ask about that graph-aws does not
  collect (POLICY_ONLY_SERVICES), one made here when some policy grants on it; and to the account
  itself for `*` (every action of every service);
- resource grants: to this account's entities of RESOURCE_TARGET_TYPES whose ARN a Resource
  pattern matches.

Relationship properties are primitives (JupiterOne's schema has no lists there): lists are joined
with ", " (SEPARATOR). No action, IAM name or ARN outside S3 object keys holds a space, so a
substring test for one item (`~= 'iam:*'`) never matches across two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from graph_aws.aws import types as t
from graph_aws.aws.context import AccountResources
from graph_aws.aws.iam_policy.documents import ALLOW, statements
from graph_aws.aws.iam_policy.grants import Grant, Target, grants
from graph_aws.aws.iam_policy.patterns import arn_service
from graph_aws.aws.resources.iam.service import POLICY_TYPES
from graph_aws.aws.resources.registry import ServiceSpec
from graph_aws.engine import Step, StepContext
from graph_aws.model import Entity, EntityType, Relationship, RelationshipType, make_relationship

SEPARATOR = ", "
VERBS = {ALLOW: "ALLOWS", "Deny": "DENIES"}
POLICY_STEPS = ("fetch-iam-authorization-details", "fetch-iam-aws-managed-policies")

# Services JupiterOne's rules traverse to (`THAT ALLOWS aws_glue`) that graph-aws does not collect.
POLICY_ONLY_SERVICES = tuple(
    ServiceSpec(name, title, EntityType(title, f"aws_{name}", ("Service",)))
    for name, title in (
        ("codestar", "CodeStar"),
        ("ecs", "ECS"),
        ("glue", "Glue"),
        ("sts", "STS"),
        ("support", "Support"),
    )
)
# A service entity's name, where it differs from the IAM prefix of its actions.
IAM_PREFIXES: dict[str, str] = {"efs": "elasticfilesystem", "waf_v2": "wafv2"}

# Resources identity policies name by ARN, as far as graph-aws collects them.
RESOURCE_TARGET_TYPES = frozenset(
    {
        "aws_acm_certificate",
        "aws_cloudwatch_log_group",
        "aws_db_cluster_snapshot",
        "aws_db_instance",
        "aws_db_snapshot",
        "aws_dynamodb_table",
        "aws_ebs_snapshot",
        "aws_ebs_volume",
        "aws_ecr_repository",
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_ecs_task",
        "aws_ecs_task_definition",
        "aws_efs_file_system",
        "aws_eks_cluster",
        "aws_elasticsearch_domain",
        "aws_iam_group",
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_user",
        "aws_instance",
        "aws_kinesis_stream",
        "aws_kms_key",
        "aws_lambda_function",
        "aws_rds_cluster",
        "aws_redshift_cluster",
        "aws_s3_bucket",
        "aws_secure_string_parameter",
        "aws_sns_topic",
        "aws_sqs_queue",
    }
)

_SERVICE_STEP = re.compile(r"^create-(?P<name>[a-z0-9-]+)-service$")  # create-waf-v2-service


def _service_specs(steps: Sequence[Step]) -> dict[str, EntityType]:
    """The service entities other steps create: {name: type} (create-ec2-service makes aws_ec2)."""
    found = {}
    for step in steps:
        match = _SERVICE_STEP.match(step.id)
        if match and step.entities:
            found[match["name"].replace("-", "_")] = step.entities[0]
    return found


def _relationship(policy: Entity, grant: Grant) -> Relationship:
    statement = grant.statement
    resources = SEPARATOR.join(statement.resources)
    relationship = make_relationship(
        from_entity=policy,
        verb=VERBS[statement.effect],
        to_type=grant.target.type,
        to_key=grant.target.key,
        properties={
            "actions" if not statement.not_action else "notActions": SEPARATOR.join(
                grant.actions if not statement.not_action else statement.actions
            ),
            "normalizedActions": SEPARATOR.join(grant.normalized),
            "resources" if not statement.not_resource else "notResources": resources or None,
            "effect": statement.effect,
            "conditions": json.dumps(statement.condition, sort_keys=True) if statement.condition else None,
            "admin": grant.admin,
            "permission": grant.permission,
            "sid": statement.sid,
        },
    )
    relationship["_key"] += f"|{statement.index}"  # one per statement: a policy may have several
    return relationship


def _policies(context: StepContext) -> list[Entity]:
    types = {p.type for p in POLICY_TYPES}
    return [e for e in context.job_state.iter_entities() if e["_type"] in types and e.get("document")]


Targets = tuple[list[Target], Target | None, list[Target]]  # services, the account, resources


def _link(context: StepContext, targets: Callable[[AccountResources], Targets]) -> set[str]:
    """Add the grants of every policy; return the keys of the targets that got one."""
    resources: AccountResources = context.resources
    services, account, others = targets(resources)
    reached = set()
    for policy in _policies(context):
        found = grants(statements(policy["document"]), services, account, others, resources.account_id)
        for grant in found:
            context.job_state.add_relationship(_relationship(policy, grant))
            reached.add(grant.target.key)
        if any(g.admin and g.statement.effect == ALLOW for g in found):
            context.job_state.enrich_entity(policy["_key"], {"admin": True})
    return reached


def service_grants_step(steps: Sequence[Step]) -> Step:
    collected = _service_specs(steps)
    policy_only = [s for s in POLICY_ONLY_SERVICES if s.name not in collected]
    target_types = [*collected.values(), *(s.entity for s in policy_only), t.ACCOUNT]

    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        state = context.job_state

        def targets(resources: AccountResources) -> Targets:
            services = [
                Target(key, type.type, IAM_PREFIXES.get(name, name))
                for name, type in collected.items()
                if state.find_entity(key := t.service_key(name, resources.account_id)) is not None
            ]
            services += [Target(s.key_of(resources.account_id), s.entity.type, s.name) for s in policy_only]
            return services, Target(resources.account_key, t.ACCOUNT.type, None), []

        # Relationships first, then the service entities they reach that no other step made.
        reached = _link(context, targets)
        for service in policy_only:
            key = service.key_of(resources.account_id)
            if key in reached and state.find_entity(key) is None:
                service.add_to(context)

    return Step(
        id="create-iam-policy-service-grants",
        name="Link every IAM policy to the services (and the account) its statements allow or deny",
        handler=handler,
        entities=tuple(s.entity for s in policy_only),
        relationships=(
            *(s.account_has for s in policy_only),
            *(
                RelationshipType(policy, verb, target)
                for policy in POLICY_TYPES
                for verb in VERBS.values()
                for target in target_types
            ),
        ),
        # The service entities never fail (they call nothing): only the policies can make these partial.
        depends_on=(*POLICY_STEPS, *(s.id for s in steps if _SERVICE_STEP.match(s.id))),
    )


def resource_grants_step(steps: Sequence[Step]) -> Step:
    declaring = [s for s in steps if any(e.type in RESOURCE_TARGET_TYPES for e in s.entities)]
    target_types = list(
        dict.fromkeys(e for s in declaring for e in s.entities if e.type in RESOURCE_TARGET_TYPES)
    )
    types = {e.type for e in target_types}

    def handler(context: StepContext) -> None:
        def targets(resources: AccountResources) -> Targets:
            found = []
            for entity in context.job_state.iter_entities():
                if entity["_type"] not in types or entity.get("vendorManaged"):
                    continue  # AWS-managed policies are AWS's, not the account's resources
                arn = entity.get("arn") or (entity["_key"] if entity["_key"].startswith("arn:") else None)
                if isinstance(arn, str) and (service := arn_service(arn)):
                    found.append(Target(entity["_key"], entity["_type"], service, arn))
            return [], None, found

        _link(context, targets)

    return Step(
        id="create-iam-policy-resource-grants",
        name="Link every IAM policy to the account's resources its statements name by ARN",
        handler=handler,
        relationships=tuple(
            RelationshipType(policy, verb, target)
            for policy in POLICY_TYPES
            for verb in VERBS.values()
            for target in target_types
        ),
        depends_on=tuple(dict.fromkeys([*POLICY_STEPS, *(s.id for s in declaring)])),
    )
