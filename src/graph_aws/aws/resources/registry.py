"""Resource types as data, in the manner of Cloud Custodian's resource registry.

A `ResourceSpec` says which list operation returns a resource, where the items are in the response,
which entity type they become and how (a pure converter); `resource_step` turns it into a step that
lists every enabled region side by side (or the account once, for a global service), adds the
entities, and links each to its service entity (`aws_ec2` HAS `aws_vpc`). Loops are written by hand
only for enrichment: `enrich` gets each item after it is added.

A region that fails (AccessDenied, a service control policy) does not stop the others: the step
keeps what it found, then fails with one line per region, so its types are partial (kept, never
deleted) and the run records why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import botocore.session

from graph_aws.aws import types as t
from graph_aws.aws.api import RegionErrors, paginate
from graph_aws.aws.context import AccountResources
from graph_aws.engine import Step, StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

REGIONS = "regions"  # job data: the regions this account's regional steps read


@dataclass(frozen=True)
class Where:
    """Where an item was found: what converters need besides the item itself."""

    account_id: str
    partition: str
    region: str

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class ServiceSpec:
    """A service entity (`aws_ec2 : Service`), one per service and account, which the account HAS.

    The data model's Service requires `category` and `function`, lists of its example words
    (infrastructure; compute, IAM, storage, ...)."""

    name: str  # as in the entity type: aws_<name>
    title: str  # "EC2"
    entity: EntityType
    function: tuple[str, ...] = ("other",)
    category: tuple[str, ...] = ("infrastructure",)

    @property
    def step_id(self) -> str:
        return f"create-{self.name}-service"

    @property
    def key_of(self) -> Callable[[str], str]:
        return lambda account_id: t.service_key(self.name, account_id)

    def has(self, target: EntityType) -> RelationshipType:
        return RelationshipType(self.entity, "HAS", target)

    @property
    def account_has(self) -> RelationshipType:
        return RelationshipType(t.ACCOUNT, "HAS", self.entity)

    def add_to(self, context: StepContext) -> Entity:
        """Add the service entity of the job's account, and the account HAS it."""
        resources: AccountResources = context.resources
        service = context.job_state.add_entity(
            make_entity(
                key=self.key_of(resources.account_id),
                type=self.entity.type,
                classes=self.entity.classes,
                name=self.title,
                display_name=f"AWS {self.title}",
                properties={
                    "accountId": resources.account_id,
                    "category": list(self.category),
                    "function": list(self.function),
                },
            )
        )
        context.job_state.add_relationship(
            make_relationship(
                from_type=t.ACCOUNT.type, from_key=resources.account_key, verb="HAS", to_entity=service
            )
        )
        return service

    def step(self) -> Step:
        def create(context: StepContext) -> None:
            self.add_to(context)

        return Step(
            id=self.step_id,
            name=f"Create the {self.title} service entity",
            handler=create,
            entities=(self.entity,),
            relationships=(self.account_has,),
        )


# A listed item is usually a mapping, sometimes a bare name or id (ListDetectors gives ids).
Converter = Callable[[Any, Where], Entity]
Enricher = Callable[[StepContext, Any, Where, Any, Entity], None]


@dataclass(frozen=True)
class ResourceSpec:
    step_id: str  # fetch-<service>-<things>
    name: str
    service: ServiceSpec
    client: str  # boto3 client name: "ec2", "s3", "rds"
    operation: str  # snake_case client method: "describe_vpcs"
    result_key: str  # where the items are in each page: "Vpcs"
    entity: EntityType
    convert: Converter
    permissions: tuple[str, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    paginated: bool = True
    regional: bool = True
    enrich: Enricher | None = None  # extra calls per item, more properties or relationships
    extra_entities: tuple[EntityType, ...] = ()
    relationships: tuple[RelationshipType, ...] = ()  # besides service HAS entity
    depends_on: tuple[str, ...] = ()
    # How the service entity relates to each entity: JupiterOne's `aws_ssm` MANAGES its parameters.
    service_verb: str = "HAS"
    # Read only the regions where the service is offered, as botocore's endpoint data lists them
    # (Inspector Classic is in twelve): elsewhere its endpoint has no address, a failure that says
    # nothing about the account.
    only_where_offered: bool = False


@functools.cache
def offered_regions(client: str, partition: str) -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_available_regions(client, partition))


def regions_of(context: StepContext) -> list[str]:
    resources: AccountResources = context.resources
    return list(context.job_state.get_data(REGIONS) or resources.fallback_regions)


def for_each_region(context: StepContext, work: Callable[[str], None], regions: Iterable[str]) -> None:
    """Run `work(region)` for every region side by side; raise RegionErrors for those that failed,
    after all have finished, so what the others found is kept."""
    resources: AccountResources = context.resources
    futures: dict[str, Future[None]] = {r: resources.region_pool.submit(work, r) for r in regions}
    errors = {}
    for region, future in futures.items():
        error = future.exception()
        if error is not None:
            errors[region] = error
    if errors:
        raise RegionErrors(errors)


def list_items(client: Any, spec: ResourceSpec) -> Iterable[Mapping[str, Any]]:
    if spec.paginated:
        return paginate(client, spec.operation, spec.result_key, **spec.parameters)
    return getattr(client, spec.operation)(**spec.parameters).get(spec.result_key, [])


def resource_step(spec: ResourceSpec) -> Step:
    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        service_key = spec.service.key_of(resources.account_id)

        def in_region(region: str) -> None:
            client = resources.session.client(spec.client, region)
            where = Where(resources.account_id, resources.partition, region)
            failed: list[Exception] = []
            for item in list_items(client, spec):
                entity = context.job_state.add_entity(spec.convert(item, where))
                context.job_state.add_relationship(
                    make_relationship(
                        from_type=spec.service.entity.type,
                        from_key=service_key,
                        verb=spec.service_verb,
                        to_entity=entity,
                    )
                )
                if spec.enrich:
                    # One item that cannot be read in detail (a bucket whose policy denies us) must
                    # not cost the items after it: go on, then fail the region with the first error.
                    try:
                        spec.enrich(context, client, where, item, entity)
                    except Exception as error:
                        failed.append(error)
            if failed:
                if len(failed) > 1:
                    context.warn(f"{region}: {len(failed)} items could not be read in full")
                raise failed[0]

        regions = regions_of(context) if spec.regional else [resources.session.region]
        if spec.only_where_offered:
            offered = offered_regions(spec.client, resources.partition)
            regions = [r for r in regions if r in offered]
        for_each_region(context, in_region, regions)

    depends = (spec.service.step_id, *(("fetch-regions",) if spec.regional else ()), *spec.depends_on)
    return Step(
        id=spec.step_id,
        name=spec.name,
        handler=handler,
        entities=(spec.entity, *spec.extra_entities),
        relationships=(
            RelationshipType(spec.service.entity, spec.service_verb, spec.entity),
            *spec.relationships,
        ),
        depends_on=tuple(dict.fromkeys(depends)),
        permissions=spec.permissions,
    )
