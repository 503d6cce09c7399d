"""Resource types as data, in the manner of Cloud Custodian's resource registry.

A `ResourceSpec` says which list operation returns a resource, where the items are in the response,
which entity type they become and how (a pure converter); `resource_step` turns it into a step that
lists every enabled region side by side (or the account once, for a global service), adds the
entities, and links each to its service entity (`aws_ec2` HAS `aws_vpc`). Loops are written by hand
only for enrichment: `enrich` gets each item after it is added, `detail` describes a listed item
before it is converted, and `after_region` makes the batched calls of a region (tags by twenty).
A `RelationshipSpec` is the same for a list call whose items are relationships only (VPC peering).

Where an API nests (an ECS cluster's services, an API's routes), a spec lists once per `Parent`: per
entity an earlier step of the same job found in that account and region. Where a list call only
names its items (ListClusters gives ARNs), `Describe` reads their details several at a time.

A region that fails (AccessDenied, a service control policy) does not stop the others: the step
keeps what it found, then fails with one line per region, so its types are partial (kept, never
deleted) and the run records why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import EndpointResolutionError, InvalidRegionError, ParamValidationError

from graph_aws.aws import types as t
from graph_aws.aws.api import RegionErrors, paginate
from graph_aws.aws.botocore_sessions import offered_regions
from graph_aws.aws.context import AccountResources
from graph_aws.engine import Step, StepContext
from graph_aws.errors import GraphObjectError, UnconvertibleItem
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    make_entity,
    make_relationship,
)

REGIONS = "regions"  # job data: the regions this account's regional steps read


@dataclass(frozen=True)
class Where:
    """Where an item was found: what converters need besides the item itself."""

    account_id: str
    partition: str
    region: str
    parent: Entity | None = field(default=None, compare=False)  # listed per parent: that entity

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        """The ARN of a resource found here; UnconvertibleItem when its id is empty ("instance/"),
        since every such item would get the same key."""
        if not re.split(r"[/:]", resource)[-1].strip():  # "instance/", "security-group/ ", ""
            raise UnconvertibleItem(f"{service} resource {resource!r} left out: it has no id")
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
        return f"create-{self.name.replace('_', '-')}-service"  # step ids are kebab-case: waf_v2

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


def required_id(value: str, member: str, item: str = "an item") -> str:
    """The id a key is built from; UnconvertibleItem when AWS sent it empty, since every such item
    would get the same key (as Where.arn refuses "instance/")."""
    if not value.strip():
        raise UnconvertibleItem(f"{item} with an empty {member} left out: it has no id")
    return value


# A converter returns None for an item that is not an entity of its step (a gateway load balancer).
Converter = Callable[[Any, Where], Entity | None]
Enricher = Callable[[StepContext, Any, Where, Any, Entity], None]
Detailer = Callable[[Any, Any], Mapping[str, Any]]
RegionFinisher = Callable[[StepContext, Any, Where, list[tuple[Mapping[str, Any], Entity]]], None]
RelationshipsOfItem = Callable[[Mapping[str, Any], Where], Iterable[Relationship]]


def _itself(item: Any) -> Any:
    return item


@dataclass(frozen=True)
class Describe:
    """The details of what a list call only names (ListClusters gives ARNs), read `batch` at a time:
    `describe_clusters(clusters=[...])` once per 100 clusters instead of once per cluster."""

    operation: str  # "describe_clusters"
    parameter: str  # the request field the names go in: "clusters"
    result_key: str  # where the details are: "clusters"
    batch: int = 100
    name_of: Callable[[Any], Any] = _itself  # ListDomainNames gives {"DomainName": ...}
    parameters: Mapping[str, Any] = field(default_factory=dict)  # include=["TAGS"]


@dataclass(frozen=True)
class Parent:
    """List once per entity of an earlier step (the services of each ECS cluster), because the API
    nests; the parent `verb`s each child (`aws_ecs_cluster HAS aws_ecs_service`) unless verb is None.
    `parameters` gives the list call's parameters for one parent, or None to list nothing for it."""

    step_id: str
    entity: EntityType
    parameters: Callable[[Entity], Mapping[str, Any] | None]
    verb: str | None = "HAS"

    def relationship(self, child: EntityType) -> tuple[RelationshipType, ...]:
        return (RelationshipType(self.entity, self.verb, child),) if self.verb else ()


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
    # A call per listed item whose answer is what `convert` reads: ListTables names the tables,
    # DescribeTable describes one. `detail(client, item)`.
    detail: Detailer | None = None
    # The answer itself is the one item (GetEbsEncryptionByDefault): `result_key` is not read.
    whole_response: bool = False
    # Called once per region after its items are added (even none), for what AWS answers in
    # batches (tags of 20 load balancers at once) or what needs the whole region's items:
    # `after_region(context, client, where, [(item, entity)])`.
    after_region: RegionFinisher | None = None
    # A global service that answers in one region of each partition (CloudFront-scope WAF:
    # us-east-1 of aws); nothing is read in the partitions it does not name.
    home_regions: Mapping[str, str] | None = None
    # A list call botocore has no paginator for, paged by hand with this field: its answer's
    # "NextMarker" goes back as the next request's "NextMarker" (WAF's ListWebACLs).
    next_marker: str | None = None
    describe: Describe | None = None
    parent: Parent | None = None
    # How the service entity relates to each entity: JupiterOne's `aws_ssm` MANAGES its parameters.
    service_verb: str = "HAS"
    # Read only the regions where the service is offered, as botocore's endpoint data lists them
    # (Inspector Classic is in twelve): elsewhere its endpoint has no address, a failure that says
    # nothing about the account.
    only_where_offered: bool = False


@dataclass(frozen=True)
class RelationshipSpec:
    """A list call whose items become relationships only: VPC peering connections (a VPC CONNECTS
    another), flow logs (a VPC LOGS to its destination). `relate(item, where)` builds them."""

    step_id: str
    name: str
    service: ServiceSpec
    client: str
    operation: str
    result_key: str
    relate: RelationshipsOfItem
    relationships: tuple[RelationshipType, ...]
    permissions: tuple[str, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    paginated: bool = True
    regional: bool = True
    depends_on: tuple[str, ...] = ()


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


def _dig(answer: Mapping[str, Any], result_key: str) -> Any:
    """`answer[result_key]`, where the key may be a path: "DistributionList.Items"."""
    value: Any = answer
    for part in result_key.split("."):
        value = (value or {}).get(part)
    return value or []


def list_items(client: Any, spec: ResourceSpec | RelationshipSpec, **parameters: Any) -> Iterator[Any]:
    parameters = {**spec.parameters, **parameters}
    if isinstance(spec, ResourceSpec) and spec.whole_response:
        answer = getattr(client, spec.operation)(**parameters)
        yield {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    elif isinstance(spec, ResourceSpec) and spec.next_marker:
        marker: dict[str, Any] = {}
        while True:
            answer = getattr(client, spec.operation)(**parameters, **marker)
            yield from _dig(answer, spec.result_key)
            if not answer.get(spec.next_marker):
                return
            marker = {spec.next_marker: answer[spec.next_marker]}
    elif spec.paginated and "." not in spec.result_key:
        yield from paginate(client, spec.operation, spec.result_key, **parameters)
    elif spec.paginated:
        for page in client.get_paginator(spec.operation).paginate(**parameters):
            yield from _dig(page, spec.result_key)
    else:
        yield from _dig(getattr(client, spec.operation)(**parameters), spec.result_key)


def described(
    context: StepContext, client: Any, describe: Describe, listed: Iterable[Any], **parameters: Any
) -> Iterator[Any]:
    """The details of the listed items, `describe.batch` names per call; an item listed without a
    name cannot be asked for, and is left out with a warning."""
    names = []
    for item in listed:
        name = describe.name_of(item)
        if name:
            names.append(name)
        else:
            context.warn(f"{describe.operation}: an item listed without its name left out")
    for start in range(0, len(names), describe.batch):
        response = getattr(client, describe.operation)(
            **describe.parameters, **parameters, **{describe.parameter: names[start : start + describe.batch]}
        )
        yield from _dig(response, describe.result_key)


def parents_in(context: StepContext, parent: Parent, where: Where, *, regional: bool) -> list[Entity]:
    """The parent step's entities found in this account (and region, for a regional service)."""
    return [
        entity
        for entity in context.job_state.iter_entities(parent.entity.type)
        if entity.get("accountId") == where.account_id
        and (not regional or entity.get("region") == where.region)
    ]


def _calls(
    context: StepContext, spec: ResourceSpec, where: Where
) -> Iterator[tuple[Where, Mapping[str, Any]]]:
    """Each list call to make: once, or once per parent, with where it finds its items."""
    if spec.parent is None:
        yield where, {}
        return
    for parent in parents_in(context, spec.parent, where, regional=spec.regional):
        parameters = spec.parent.parameters(parent)
        if parameters is not None:
            yield replace(where, parent=parent), parameters


def regions_to_read(
    context: StepContext, regional: bool, home_regions: Mapping[str, str] | None
) -> list[str]:
    resources: AccountResources = context.resources
    if regional:
        return regions_of(context)
    if home_regions is None:
        return [resources.session.region]
    home = home_regions.get(resources.partition)
    return [home] if home else []


def convert_item(spec: ResourceSpec, item: Any, where: Where) -> Entity | None:
    """`spec.convert(item, where)`, or UnconvertibleItem for an item that cannot be an entity: one
    the model refuses (a key too short), or one without a member its key needs. botocore's models
    make nearly every member optional, so a converter reads ids with `item["VpcId"]`; an answer
    without one costs that item only."""
    try:
        return spec.convert(item, where)
    except UnconvertibleItem:
        raise
    except GraphObjectError as error:
        raise UnconvertibleItem(f"{spec.entity.type} left out: {error}") from error
    except KeyError as error:
        missing = error.args[0] if error.args else None
        if isinstance(item, Mapping) and isinstance(missing, str) and missing not in item:
            raise UnconvertibleItem(f"{spec.entity.type} left out: AWS sent no {missing}") from None
        raise


# botocore's own refusals to build a request (an ARN it cannot parse, a bucket or region name it
# rejects): raised before anything is sent, from a name an answer gave, never from AWS's refusal.
_REQUEST_REFUSED = (ParamValidationError, EndpointResolutionError, InvalidRegionError)


@contextmanager
def one_item(context: StepContext, where: str) -> Iterator[None]:
    """Build one item's objects inside: an answer that cannot become them (an id AWS sent empty,
    a key the model refuses, a key another item of the job already took) costs this item only,
    with a warning that names it, and the step goes on with the others. What the block added
    before the refusal is kept: an entity stays when one of its relationships cannot be made."""
    try:
        yield
    except UnconvertibleItem as error:  # its message says what was left out
        context.warn(f"{where}: {error}")
    except GraphObjectError as error:
        context.warn(f"{where}: {error}; left out")
    except _REQUEST_REFUSED as error:  # botocore will not build a call from what AWS named
        context.warn(f"{where}: not read further, botocore refuses the request: {error}")


def _add(context: StepContext, spec: ResourceSpec, where: Where, item: Any) -> Entity | None:
    """The item's entity, linked to its service (and parent); None when it is not one of the spec's
    or cannot be added (a warning names it, the other items are kept)."""
    try:
        converted = convert_item(spec, item, where)
        if converted is None:
            return None
        entity = context.job_state.add_entity(converted)
    except (UnconvertibleItem, GraphObjectError) as error:  # DuplicateKeyError: two items, one key
        context.warn(f"{where.region}: {error}")
        return None
    with one_item(context, where.region):
        context.job_state.add_relationship(
            make_relationship(
                from_type=spec.service.entity.type,
                from_key=spec.service.key_of(where.account_id),
                verb=spec.service_verb,
                to_entity=entity,
            )
        )
        if where.parent is not None and spec.parent and spec.parent.verb:
            context.job_state.add_relationship(
                make_relationship(from_entity=where.parent, verb=spec.parent.verb, to_entity=entity)
            )
    return entity


def resource_step(spec: ResourceSpec) -> Step:
    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources

        def in_region(region: str) -> None:
            client = resources.session.client(spec.client, region)
            failed: list[Exception] = []
            added: list[tuple[Any, Entity]] = []
            region_where = Where(resources.account_id, resources.partition, region)
            for where, parameters in _calls(context, spec, region_where):
                # One item that cannot be read in detail (a bucket whose policy denies us), or one
                # parent whose children cannot be listed, must not cost the others: go on, then fail
                # the region with the first error.
                try:
                    items: Iterable[Any] = list_items(client, spec, **parameters)
                    if spec.describe:
                        items = described(context, client, spec.describe, items, **parameters)
                    for listed in items:
                        try:
                            item = spec.detail(client, listed) if spec.detail else listed
                        except Exception as error:
                            failed.append(error)
                            continue
                        entity = _add(context, spec, where, item)
                        if entity is None:
                            continue
                        added.append((item, entity))
                        if spec.enrich:
                            try:
                                with one_item(context, f"{region}: {entity['_key']}"):
                                    spec.enrich(context, client, where, item, entity)
                            except Exception as error:  # a call that failed: the item is not whole
                                failed.append(error)
                except Exception as error:
                    if spec.parent is None:
                        raise
                    failed.append(error)
            if spec.after_region:
                with one_item(context, region):
                    spec.after_region(context, client, region_where, added)
            if failed:
                if len(failed) > 1:
                    context.warn(f"{region}: {len(failed)} items could not be read in full")
                raise failed[0]

        regions = regions_to_read(context, spec.regional, spec.home_regions)
        if spec.only_where_offered:
            offered = offered_regions(spec.client, resources.partition)
            regions = [r for r in regions if r in offered]
        for_each_region(context, in_region, regions)

    depends = (
        spec.service.step_id,
        *(("fetch-regions",) if spec.regional else ()),
        *((spec.parent.step_id,) if spec.parent else ()),
        *spec.depends_on,
    )
    parent_relationships = spec.parent.relationship(spec.entity) if spec.parent else ()
    return Step(
        id=spec.step_id,
        name=spec.name,
        handler=handler,
        entities=(spec.entity, *spec.extra_entities),
        relationships=(
            RelationshipType(spec.service.entity, spec.service_verb, spec.entity),
            *parent_relationships,
            *spec.relationships,
        ),
        depends_on=tuple(dict.fromkeys(depends)),
        permissions=spec.permissions,
    )


def relationship_step(spec: RelationshipSpec) -> Step:
    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources

        def in_region(region: str) -> None:
            client = resources.session.client(spec.client, region)
            where = Where(resources.account_id, resources.partition, region)
            for item in list_items(client, spec):
                with one_item(context, region):
                    for relationship in spec.relate(item, where):
                        context.job_state.add_relationship(relationship)

        for_each_region(context, in_region, regions_to_read(context, spec.regional, None))

    depends = (spec.service.step_id, *(("fetch-regions",) if spec.regional else ()), *spec.depends_on)
    return Step(
        id=spec.step_id,
        name=spec.name,
        handler=handler,
        relationships=spec.relationships,
        depends_on=tuple(dict.fromkeys(depends)),
        permissions=spec.permissions,
    )
