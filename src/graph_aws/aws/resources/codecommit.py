"""CodeCommit: repositories (ListRepositories alone: name and id; no rule reads more, so none is
described). CodeCommit repositories are never public."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.model import Entity, EntityType, make_entity

CODECOMMIT = ServiceSpec("codecommit", "CodeCommit", EntityType("CodeCommit", "aws_codecommit", ("Service",)))
REPOSITORY = EntityType("CodeCommit Repository", "aws_codecommit_repository", ("CodeRepo",))


def to_repository(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = where.arn("codecommit", raw["repositoryName"])
    return make_entity(
        key=arn,
        type=REPOSITORY.type,
        classes=REPOSITORY.classes,
        name=raw["repositoryName"],
        properties={
            "arn": arn,
            "id": raw.get("repositoryId"),
            "public": False,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


REPOSITORIES = ResourceSpec(
    step_id="fetch-codecommit-repositories",
    name="Fetch CodeCommit repositories",
    service=CODECOMMIT,
    client="codecommit",
    operation="list_repositories",
    result_key="repositories",
    entity=REPOSITORY,
    convert=to_repository,
    permissions=("codecommit:ListRepositories",),
    only_where_offered=True,
)

STEPS = (CODECOMMIT.step(), resource_step(REPOSITORIES))


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_codecommit_repository": "moto, patched (ListRepositories)",
}
