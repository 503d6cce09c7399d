"""The single-object mutations of JupiterOne's GraphQL API, by `_id`, as the `jupiterone` client sends them.

Each object a mutation makes or changes lives in a scope of its own, `mutation:entity:<_key>` or
`mutation:relationship:<_key>`, so a mutation replaces exactly one object in one transaction.
`updateEntity` of a collected or synchronized entity keeps the changed properties in that scope: they
overlay what account scopes, API scopes and integration instances hold (scopes merge in name order;
an organization's view of an account still wins, as it does for collected data), until
`deleteEntityV2` removes them. `deleteEntityV2` deletes what the API made; an entity that a collect
or a sync job owns goes when its source no longer reports it, and the mutation says so (after
undoing the API's changes to it, if any).
"""

from __future__ import annotations

from typing import Any

from graph_aws.errors import GraphAwsError
from graph_aws.serve.graph_reads import entity_by_key, neighbourhood
from graph_aws.serve.shapes import edge, vertex
from graph_aws.serve.validation import BadGraphObject, check_properties, clean_entity, clean_relationship
from graph_aws.store import Store

ENTITY_SCOPE, RELATIONSHIP_SCOPE = "mutation:entity:", "mutation:relationship:"


class MutationFailed(GraphAwsError):
    """A mutation that cannot be done as asked; the message names the object and the fix."""


class Mutations:
    def __init__(self, serve: Any) -> None:
        self._serve = serve  # ServeState: write(), readers, ids

    async def _entity_key(self, entity_id_: str, name: str = "entityId") -> str:
        key = await self._serve.ids.entity_key(entity_id_)
        if key is None:
            raise MutationFailed(f"{name} {entity_id_!r}: no entity has this _id")
        return key

    async def create_entity(
        self, key: str, type_: str, classes: list[str], properties: Any, account: str
    ) -> dict[str, Any]:
        props = self._checked(properties, f"entity {key!r}")
        try:
            entity = clean_entity({**props, "_key": key, "_type": type_, "_class": classes, "_source": "api"})
        except BadGraphObject as error:
            raise MutationFailed(str(error)) from None
        entity.setdefault("displayName", props.get("name") or key)
        await self._serve.write(lambda store: store.sync_scope(ENTITY_SCOPE + key, [entity], []))
        return await self._entity_answer(key, account)

    async def update_entity(self, entity_id_: str, properties: Any, account: str) -> dict[str, Any]:
        key = await self._entity_key(entity_id_)
        props = self._checked(properties, f"entity {key!r}")

        def update(store: Store) -> None:
            current = entity_by_key(store, key)
            if current is None:
                raise MutationFailed(f"entityId {entity_id_!r}: the entity is gone")
            overlay = next(iter(store.scope_contents(ENTITY_SCOPE + key)[0]), None) or {}
            changed = {
                **overlay,
                **props,
                "_key": key,
                "_type": current["_type"],
                "_class": current["_class"],
            }
            store.sync_scope(ENTITY_SCOPE + key, [changed], [])

        await self._serve.write(update)
        return await self._entity_answer(key, account)

    async def delete_entity(self, entity_id_: str, account: str) -> dict[str, Any]:
        key = await self._entity_key(entity_id_)

        def delete(store: Store) -> dict[str, Any] | None:
            before = entity_by_key(store, key)
            if not store.scope_contents(ENTITY_SCOPE + key)[0]:
                raise MutationFailed(
                    f"entity {key!r} was collected or synchronized, not made by the API: it is deleted when "
                    "the job that reports it no longer does"
                )
            store.delete_scope(ENTITY_SCOPE + key)
            if entity_by_key(store, key) is not None:
                raise MutationFailed(
                    f"the API's changes to entity {key!r} are undone, but the entity itself was collected or "
                    "synchronized: it is deleted when the job that reports it no longer does"
                )
            for rel in neighbourhood(store, key)["edges"]:  # what the API linked to it goes with it
                store.delete_scope(RELATIONSHIP_SCOPE + rel["_key"])
            return before

        before = await self._serve.write(delete)
        return {"entity": vertex(before, account)["entity"] if before else {"_id": entity_id_}}

    async def create_relationship(
        self,
        key: str,
        type_: str,
        class_: str,
        from_id: str,
        to_id: str,
        properties: Any,
        account: str,
    ) -> dict[str, Any]:
        from_key = await self._entity_key(from_id, "fromEntityId")
        to_key = await self._entity_key(to_id, "toEntityId")
        props = self._checked(properties, f"relationship {key!r}")
        verb = class_.upper()
        try:
            relationship = clean_relationship(
                {
                    "displayName": verb,
                    **props,
                    "_key": key,
                    "_type": type_,
                    "_class": verb,
                    "_fromEntityKey": from_key,
                    "_toEntityKey": to_key,
                    "_source": "api",
                }
            )
        except BadGraphObject as error:
            raise MutationFailed(str(error)) from None
        await self._serve.write(lambda store: store.sync_scope(RELATIONSHIP_SCOPE + key, [], [relationship]))
        return self._relationship_answer(relationship, account)

    async def delete_relationship(self, relationship_id_: str, account: str) -> dict[str, Any]:
        key = await self._serve.ids.relationship_key(relationship_id_)
        if key is None:
            raise MutationFailed(f"relationshipId {relationship_id_!r}: no relationship has this _id")

        def delete(store: Store) -> dict[str, Any]:
            owned = store.scope_contents(RELATIONSHIP_SCOPE + key)[1]
            if not owned:
                raise MutationFailed(
                    f"relationship {key!r} was collected or synchronized, not made by the API: it is deleted "
                    "when the job that reports it no longer does"
                )
            store.delete_scope(RELATIONSHIP_SCOPE + key)
            return owned[0]

        return self._relationship_answer(await self._serve.write(delete), account)

    @staticmethod
    def _checked(properties: Any, where: str) -> dict[str, Any]:
        try:
            return check_properties(properties, where)
        except BadGraphObject as error:
            raise MutationFailed(str(error)) from None

    async def _entity_answer(self, key: str, account: str) -> dict[str, Any]:
        entity = await self._serve.readers.run(lambda store: entity_by_key(store, key))
        if entity is None:  # cannot happen after our own write, unless another writer raced it
            raise MutationFailed(f"entity {key!r} is gone")
        shaped = vertex(entity, account)
        return {"entity": shaped["entity"], "vertex": shaped}

    @staticmethod
    def _relationship_answer(relationship: dict[str, Any], account: str) -> dict[str, Any]:
        shaped = edge(relationship, account)
        return {"relationship": shaped["relationship"], "edge": shaped}
