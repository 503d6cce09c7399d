"""JupiterOne's GraphQL API as its clients use it: `queryV1` and the single-object mutations.

Parsed, validated and executed by graphql-core (the schema bound with Ariadne): a request that is
not GraphQL, or not valid against this schema, is answered 400 with GraphQL `errors`; a J1QL error
or a refused mutation is answered 200 with `errors` and a null field, as JupiterOne answers them.
The `jupiterone` client posts to its URL as given, so the endpoint is `/` as well as `/graphql`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ariadne import MutationType, QueryType, ScalarType, make_executable_schema
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from graphql.execution import execute
from starlette.requests import Request
from starlette.responses import JSONResponse

from graph_aws.serve.guard import log, where_raised
from graph_aws.serve.mutations import MutationFailed
from graph_aws.serve.persister import ApiError, read_json
from graph_aws.serve.queries import QueryFailed

TYPE_DEFS = """
scalar JSON
scalar Long

enum DeferredResponseOption { DISABLED FORCE }

input QueryV1Flags {
  variableResultSize: Boolean
  rowMetadata: Boolean
  computedProperties: Boolean
}

type QueryV1Response {
  type: String!
  data: JSON
  cursor: String
  url: String
}

type EntityMetadata {
  _id: String!
  _key: String!
  _type: [String!]!
  _class: [String!]!
  displayName: String
  _accountId: String
  _deleted: Boolean
  _source: String
  _scope: String
  _integrationInstanceId: String
  _createdOn: Long
  _beginOn: Long
  _version: Int
}

type Vertex {
  id: String!
  entity: EntityMetadata!
  properties: JSON
}

type EntityMutationResult {
  entity: EntityMetadata
  vertex: Vertex
}

type DeleteEntityResult {
  entity: JSON
}

type RelationshipMetadata {
  _id: String!
  _key: String!
  _type: String!
  _class: String!
  displayName: String
  _fromEntityId: String
  _toEntityId: String
  _fromEntityKey: String
  _toEntityKey: String
  _accountId: String
  _source: String
}

type Edge {
  id: String!
  fromVertexId: String!
  toVertexId: String!
  relationship: RelationshipMetadata!
  properties: JSON
}

type RelationshipMutationResult {
  relationship: RelationshipMetadata
  edge: Edge
}

type Query {
  queryV1(
    query: String!
    variables: JSON
    cursor: String
    deferredResponse: DeferredResponseOption
    flags: QueryV1Flags
    includeDeleted: Boolean
    dryRun: Boolean
    scopeFilters: [JSON]
  ): QueryV1Response
}

type Mutation {
  createEntity(
    entityKey: String!, entityType: String!, entityClass: [String!]!, properties: JSON, timestamp: Long
  ): EntityMutationResult
  updateEntity(entityId: String!, properties: JSON, timestamp: Long): EntityMutationResult
  deleteEntityV2(entityId: String!, timestamp: Long, hardDelete: Boolean): DeleteEntityResult
  createRelationship(
    relationshipKey: String!
    relationshipType: String!
    relationshipClass: String!
    fromEntityId: String!
    toEntityId: String!
    properties: JSON
    timestamp: Long
  ): RelationshipMutationResult
  deleteRelationship(
    relationshipId: String!, fromEntityId: String, toEntityId: String, timestamp: Long
  ): RelationshipMutationResult
}
"""

_query = QueryType()
_mutation = MutationType()


def _context(info: Any) -> tuple[Any, str, str]:
    """(ServeState, JupiterOne account, base URL) of the request being answered."""
    request: Request = info.context
    return request.app.state.serve, request.state.account, str(request.base_url)


def _client_error(error: Exception) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": "BAD_USER_INPUT"})


@_query.field("queryV1")
async def _resolve_query_v1(
    _: Any, info: Any, query: str, cursor: str | None = None, deferredResponse: str | None = None, **kw: Any
) -> dict[str, Any]:
    serve, account, base_url = _context(info)
    params = kw.get("variables")  # J1QL's {{name}} parameters
    if params is not None and not isinstance(params, dict):
        raise GraphQLError(
            "variables must be an object of J1QL parameters", extensions={"code": "BAD_USER_INPUT"}
        )
    if deferredResponse == "FORCE":
        token = serve.deferred.start(query, cursor or None, account, params)
        return {"type": "deferred", "url": f"{base_url}query-results/{token}"}
    try:
        return await serve.queries.page(query, cursor or None, account, params)
    except QueryFailed as error:
        raise GraphQLError(str(error), extensions={"code": "J1QL_ERROR"}) from None


def _mutation_field(name: str) -> Any:
    def bind(resolver: Any) -> Any:
        async def guarded(_: Any, info: Any, **arguments: Any) -> Any:
            serve, account, _base = _context(info)
            try:
                return await resolver(serve.mutations, account, **arguments)
            except MutationFailed as error:
                raise _client_error(error) from None

        _mutation.set_field(name, guarded)
        return resolver

    return bind


@_mutation_field("createEntity")
async def _create_entity(m: Any, account: str, **a: Any) -> Any:
    return await m.create_entity(
        a["entityKey"], a["entityType"], a["entityClass"], a.get("properties"), account
    )


@_mutation_field("updateEntity")
async def _update_entity(m: Any, account: str, **a: Any) -> Any:
    return await m.update_entity(a["entityId"], a.get("properties"), account)


@_mutation_field("deleteEntityV2")
async def _delete_entity(m: Any, account: str, **a: Any) -> Any:
    return await m.delete_entity(a["entityId"], account)


@_mutation_field("createRelationship")
async def _create_relationship(m: Any, account: str, **a: Any) -> Any:
    return await m.create_relationship(
        a["relationshipKey"],
        a["relationshipType"],
        a["relationshipClass"],
        a["fromEntityId"],
        a["toEntityId"],
        a.get("properties"),
        account,
    )


@_mutation_field("deleteRelationship")
async def _delete_relationship(m: Any, account: str, **a: Any) -> Any:
    return await m.delete_relationship(a["relationshipId"], account)


_json = ScalarType("JSON")
_long = ScalarType("Long")
for _scalar in (_json, _long):
    _scalar.set_serializer(lambda value: value)
    _scalar.set_value_parser(lambda value: value)


def build_schema() -> GraphQLSchema:
    return make_executable_schema(TYPE_DEFS, _query, _mutation, _json, _long)


def _errors(status: int, *messages: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": m} for m in messages]}, status_code=status)


async def graphql_endpoint(request: Request) -> JSONResponse:
    schema: GraphQLSchema = request.app.state.serve.schema
    try:
        body = await read_json(request)
    except ApiError as error:
        return _errors(400, error.message)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _errors(400, 'the body must be a JSON object with a "query" string (a GraphQL request)')
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _errors(400, '"variables" must be a JSON object')
    try:
        document, invalid = _checked_document(schema, body["query"])
    except GraphQLSyntaxError as error:
        return _errors(400, error.message)
    if invalid:
        return _errors(400, *invalid)
    operation = body.get("operationName")
    result = execute(
        schema,
        document,
        context_value=request,
        variable_values=variables,
        operation_name=operation if isinstance(operation, str) else None,
    )
    if hasattr(result, "__await__"):
        result = await result
    if result.data is None and result.errors:  # variables that do not fit the operation, and the like
        return _errors(400, *(e.message for e in result.errors))
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [_public(e) for e in result.errors]
    return JSONResponse(payload)


_DOCUMENTS: OrderedDict[tuple[int, str], tuple[DocumentNode, list[str]]] = OrderedDict()


def _checked_document(schema: GraphQLSchema, text: str) -> tuple[DocumentNode, list[str]]:
    """The parsed and validated operation, remembered by its text: clients send the same few operations
    again and again, and validating one costs far more than answering it."""
    key = (id(schema), text)
    known = _DOCUMENTS.get(key)
    if known is None:
        document = parse(text)
        known = (document, [e.message for e in validate(schema, document)])
        _DOCUMENTS[key] = known
        if len(_DOCUMENTS) > 256:
            _DOCUMENTS.popitem(last=False)
    return known


def _public(error: GraphQLError) -> dict[str, Any]:
    """An execution error for the client: our own messages as they are, anything else hidden (and
    logged by its type and place only: its message may quote the graph)."""
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        log.error(
            "GraphQL field %s failed: %s",
            ".".join(map(str, error.path or [])),
            where_raised(error.original_error),
        )
        message = "internal error while answering this field; the server log says where"
    else:
        message = error.message
    formatted: dict[str, Any] = {"message": message, "path": error.path}
    if error.extensions:
        formatted["extensions"] = error.extensions
    return formatted
