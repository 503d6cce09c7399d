"""From a JupiterOne `_id` back to the `_key` it was made from.

`_id` is a one-way name-based UUID of `_key` (shapes.py), so the way back is a map, rebuilt from
the store's keys when an unknown id is asked for: at once after serve itself wrote to the store,
else at most once per REBUILD_EVERY_S (another process may write to it too), so that unknown ids
cannot make the server rescan the store in a loop.
"""

from __future__ import annotations

import threading
import time

from graph_aws.serve.queries import ReaderPool
from graph_aws.serve.shapes import entity_id, relationship_id
from graph_aws.store import Store

REBUILD_EVERY_S = 2.0


class IdIndex:
    def __init__(self, readers: ReaderPool) -> None:
        self._readers = readers
        self._entities: dict[str, str] = {}
        self._relationships: dict[str, str] = {}
        self._built_at = float("-inf")
        self._written = True
        self._lock = threading.Lock()

    def store_changed(self) -> None:
        """serve wrote to the store: the next unknown id rebuilds the map."""
        self._written = True

    async def entity_key(self, _id: str) -> str | None:
        if _id not in self._entities and self._stale():
            await self._readers.run(self._rebuild)
        return self._entities.get(_id)

    async def relationship_key(self, _id: str) -> str | None:
        if _id not in self._relationships and self._stale():
            await self._readers.run(self._rebuild)
        return self._relationships.get(_id)

    def _stale(self) -> bool:
        return self._written or time.monotonic() - self._built_at > REBUILD_EVERY_S

    def _rebuild(self, store: Store) -> None:
        with self._lock:
            self._written = False  # a write from now on is not in what is read below
            entities = {entity_id(k): k for (k,) in store.read("SELECT key FROM entity")}
            relationships = {relationship_id(k): k for (k,) in store.read("SELECT key FROM relationship")}
            self._entities, self._relationships = entities, relationships
            self._built_at = time.monotonic()
