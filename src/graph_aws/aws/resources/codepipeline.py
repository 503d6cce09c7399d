"""CodePipeline: pipelines (ListPipelines alone: their version and type; no rule reads a
pipeline's stages, so none is described)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

CODEPIPELINE = ServiceSpec(
    "codepipeline",
    "CodePipeline",
    EntityType("CodePipeline", "aws_codepipeline", ("Service",)),
    function=("workflow",),
)
PIPELINE = EntityType("CodePipeline Pipeline", "aws_codepipeline_pipeline", ("Workflow",))


def to_pipeline(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = where.arn("codepipeline", raw["name"])
    return make_entity(
        key=arn,
        type=PIPELINE.type,
        classes=PIPELINE.classes,
        name=raw["name"],
        properties={
            "arn": arn,
            "version": raw.get("version"),
            "pipelineType": raw.get("pipelineType"),
            "executionMode": raw.get("executionMode"),
            "createdOn": epoch_millis(raw.get("created")),
            "updatedOn": epoch_millis(raw.get("updated")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


PIPELINES = ResourceSpec(
    step_id="fetch-codepipeline-pipelines",
    name="Fetch CodePipeline pipelines",
    service=CODEPIPELINE,
    client="codepipeline",
    operation="list_pipelines",
    result_key="pipelines",
    entity=PIPELINE,
    convert=to_pipeline,
    permissions=("codepipeline:ListPipelines",),
    only_where_offered=True,
)

STEPS = (CODEPIPELINE.step(), resource_step(PIPELINES))
