"""EC2 instances USE the role of their instance profile (JupiterOne's `aws_instance USES
aws_iam_role`), and the profile itself. Built here, from what the EC2 step recorded
(`iamInstanceProfileArn`) and the profiles IAM's listing gave, so EC2's modules stay EC2's."""

from __future__ import annotations

from collections.abc import Mapping

from graph_aws.aws.resources.ec2.model import INSTANCE
from graph_aws.aws.resources.iam.authorization import INSTANCE_PROFILE_ROLES
from graph_aws.aws.resources.iam.service import IAM_ROLE, INSTANCE_PROFILE
from graph_aws.engine import Step, StepContext
from graph_aws.model import RelationshipType, make_relationship


def link_instance_roles(context: StepContext) -> None:
    state = context.job_state
    profile_roles: Mapping[str, list[str]] = state.get_data(INSTANCE_PROFILE_ROLES) or {}
    for instance in list(state.iter_entities(INSTANCE.type)):
        profile = str(instance.get("iamInstanceProfileArn") or "")
        if profile not in profile_roles:
            continue  # no profile, or one that holds no role (IAM's listing reaches profiles by role)
        state.add_relationship(
            make_relationship(
                from_entity=instance, verb="USES", to_type=INSTANCE_PROFILE.type, to_key=profile
            )
        )
        for role in profile_roles[profile]:
            state.add_relationship(
                make_relationship(from_entity=instance, verb="USES", to_type=IAM_ROLE.type, to_key=role)
            )


INSTANCE_ROLES_STEP = Step(
    id="create-iam-instance-roles",
    name="Link each EC2 instance to its instance profile and the role the profile holds",
    handler=link_instance_roles,
    relationships=(
        RelationshipType(INSTANCE, "USES", IAM_ROLE),
        RelationshipType(INSTANCE, "USES", INSTANCE_PROFILE),
    ),
    depends_on=("fetch-ec2-instances", "fetch-iam-authorization-details"),
)
