"""The web UI's own reads (it queries J1QL through GraphQL `queryV1`, as JupiterOne's clients do):

    GET /ui-api/session          who the key is, and whether the graph picture's library is installed
    GET /ui-api/accounts         the `accounts` view, each row with the `_id` of its aws_account
    GET /ui-api/checks           every check: status, and its offending entities with their `_id`
    GET /ui-api/entities/{id}    one entity, and its neighbours with the relationships to them

All need the API key, like every route that returns data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graph_aws.accounts import COLUMNS, account_rows
from graph_aws.checks import run_checks
from graph_aws.serve.graph_reads import entity_by_key, neighbourhood
from graph_aws.serve.shapes import edge, entity_id, vertex
from graph_aws.store import Store

GRAPH_LIBRARY = Path(__file__).parent / "static" / "vendor" / "cytoscape.min.js"


def _serve(request: Request) -> Any:
    return request.app.state.serve


async def _session(request: Request) -> JSONResponse:
    key = request.state.api_key
    return JSONResponse(
        {"keyName": key.name, "account": request.state.account, "graphPicture": GRAPH_LIBRARY.is_file()}
    )


def _accounts(store: Store) -> dict[str, Any]:
    keys = {e.get("accountId"): e["_key"] for e in store.entities("aws_account")}
    rows = []
    for row in account_rows(store):
        shown = row.as_dict()
        key = keys.get(row.id)
        shown["_id"] = entity_id(key) if key else None
        rows.append(shown)
    return {"columns": list(COLUMNS), "rows": rows}


async def _accounts_route(request: Request) -> JSONResponse:
    return JSONResponse(await _serve(request).readers.run(_accounts))


def _checks(store: Store) -> dict[str, Any]:
    checks = []
    for result in run_checks(store):
        shown = result.as_json()
        for finding in shown["findings"]:
            finding["_id"] = entity_id(finding["_key"])
        checks.append(shown)
    return {"checks": checks}


async def _checks_route(request: Request) -> JSONResponse:
    return JSONResponse(await _serve(request).readers.run(_checks))


async def _entity_route(request: Request) -> JSONResponse:
    serve, account = _serve(request), request.state.account
    key = await serve.ids.entity_key(request.path_params["entity_id"])
    if key is None:
        return JSONResponse({"errors": [{"message": "no entity has this _id"}]}, status_code=404)

    def read(store: Store) -> dict[str, Any] | None:
        entity = entity_by_key(store, key)
        if entity is None:
            return None
        around = neighbourhood(store, key)
        others = {v["_key"]: v for v in around["vertices"]}
        neighbours: list[dict[str, Any]] = []
        for rel in around["edges"]:
            outgoing = rel["_fromEntityKey"] == key
            other_key = rel["_toEntityKey"] if outgoing else rel["_fromEntityKey"]
            other = others.get(other_key)
            neighbours.append(
                {
                    "direction": "out" if outgoing else "in",
                    "edge": edge(rel, account),
                    "other": vertex(other, account) if other else None,
                }
            )
        neighbours.sort(key=lambda n: (n["direction"], n["edge"]["relationship"]["_class"], n["edge"]["id"]))
        return {"entity": vertex(entity, account), "neighbours": neighbours}

    answer = await serve.readers.run(read)
    if answer is None:
        return JSONResponse({"errors": [{"message": "this entity is gone"}]}, status_code=404)
    return JSONResponse(answer)


def ui_routes() -> list[Route]:
    return [
        Route("/ui-api/session", _session, methods=["GET"]),
        Route("/ui-api/accounts", _accounts_route, methods=["GET"]),
        Route("/ui-api/checks", _checks_route, methods=["GET"]),
        Route("/ui-api/entities/{entity_id}", _entity_route, methods=["GET"]),
    ]
