"""J1QL for `serve`: answered by `graph_aws.query.run_query` on a pool of read-only store connections,
with a time limit, and kept whole for cursor pages so that the pages of one answer stay consistent
while the store changes under them.

A cursor is `<answer id>:<offset>`. An answer is kept for ANSWER_TTL_S after its last page was read,
and at most MAX_ANSWERS of them, MAX_KEPT_ROWS rows in all, at once (the least recently read go
first; the newest always stays); a cursor past that asks the client to run the query again.
"""

from __future__ import annotations

import asyncio
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from graph_aws.errors import GraphAwsError
from graph_aws.query import QueryResult, run_query
from graph_aws.serve.shapes import tree, vertex
from graph_aws.store import Store, open_store

PAGE_SIZE = 250
ANSWER_TTL_S = 600.0
MAX_ANSWERS = 256
MAX_KEPT_ROWS = 1_000_000
T = TypeVar("T")


class QueryFailed(GraphAwsError):
    """A query that cannot be answered; the message is for the client, one line."""


@dataclass
class Answer:
    query: str
    result: QueryResult
    last_used: float = field(default_factory=time.monotonic)


class ReaderPool:
    """Read connections for queries and the UI, each used by one thread at a time, with a time limit."""

    def __init__(self, db: str, size: int, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._free: queue.Queue[Store] = queue.Queue()
        self._all = [open_store(db) for _ in range(size)]
        for store in self._all:
            self._free.put(store)

    async def run(self, work: Callable[[Store], T]) -> T:
        deadline = time.monotonic() + self.timeout_s
        running: list[Store] = []

        def in_thread() -> T:
            store = self._free.get()
            try:
                if time.monotonic() > deadline:  # gave up while waiting for a connection
                    raise TimeoutError
                running.append(store)
                return work(store)
            finally:
                running.clear()
                self._free.put(store)

        try:
            with anyio.fail_after(self.timeout_s):
                return await anyio.to_thread.run_sync(in_thread, abandon_on_cancel=True)
        except TimeoutError:
            for store in list(running):  # stop the statement; its thread then returns the connection
                interrupt = getattr(store, "interrupt", None)
                if interrupt is not None:
                    interrupt()
            raise QueryFailed(
                f"the query took longer than {self.timeout_s:g} s (serve --query-timeout); "
                "narrow it with WITH filters or a LIMIT"
            ) from None

    def close(self) -> None:
        for store in self._all:
            store.close()


class QueryService:
    def __init__(self, readers: ReaderPool) -> None:
        self.readers = readers
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()

    async def answer(self, text: str, params: dict[str, Any] | None = None) -> QueryResult:
        """Every row (queryV1 pages them by cursor, not by J1's default LIMIT of 250)."""
        try:
            return await self.readers.run(lambda store: run_query(store, text, params=params, page_size=None))
        except QueryFailed:
            raise
        except GraphAwsError as error:  # J1QL errors: one line for the client
            raise QueryFailed(str(error)) from None
        except NotImplementedError as error:
            raise QueryFailed(str(error)) from None

    async def page(
        self, text: str, cursor: str | None, account: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One page of queryV1: `{type, data, cursor?}` (a tree comes whole, with no cursor)."""
        if cursor:
            answer_id, offset, answer = self._find(text, cursor)
        else:
            result = await self.answer(text, params)
            if result.kind == "tree":
                assert result.tree is not None
                return {"type": "tree", "data": tree(result.tree["vertices"], result.tree["edges"], account)}
            answer, offset = Answer(text, result), 0
            answer_id = self._keep(answer) if len(result.rows) > PAGE_SIZE else ""
        return _page(answer, answer_id, offset, account)

    def _keep(self, answer: Answer) -> str:
        answer_id = secrets.token_urlsafe(12)
        with self._lock:
            self._expire()
            self._answers[answer_id] = answer
            rows = sum(len(a.result.rows) for a in self._answers.values())
            while len(self._answers) > 1 and (len(self._answers) > MAX_ANSWERS or rows > MAX_KEPT_ROWS):
                _, dropped = self._answers.popitem(last=False)
                rows -= len(dropped.result.rows)
        return answer_id

    def _find(self, text: str, cursor: str) -> tuple[str, int, Answer]:
        answer_id, _, offset_text = cursor.rpartition(":")
        with self._lock:
            self._expire()
            answer = self._answers.get(answer_id)
            if answer is None or not offset_text.isdigit():
                raise QueryFailed(
                    "this cursor is unknown or expired (answers are kept 10 minutes); "
                    "run the query again without it"
                )
            if answer.query != text:
                raise QueryFailed("this cursor belongs to another query; send the query it came with")
            answer.last_used = time.monotonic()
            self._answers.move_to_end(answer_id)
        return answer_id, int(offset_text), answer

    def _expire(self) -> None:
        oldest = time.monotonic() - ANSWER_TTL_S
        for answer_id in [a for a, answer in self._answers.items() if answer.last_used < oldest]:
            del self._answers[answer_id]


def _page(answer: Answer, answer_id: str, offset: int, account: str) -> dict[str, Any]:
    result = answer.result
    records = result.records()[offset : offset + PAGE_SIZE]
    if result.kind == "entities":
        page: dict[str, Any] = {"type": "list", "data": [vertex(e, account) for e in records]}
    else:
        page = {"type": "table", "data": records}
    if answer_id and offset + PAGE_SIZE < len(result.rows):
        page["cursor"] = f"{answer_id}:{offset + PAGE_SIZE}"
    return page


class DeferredAnswers:
    """`deferredResponse: FORCE`: the page is computed in the background and fetched from a URL that
    the client polls without credentials, so the URL's token is the credential: random, and gone
    once read or after ANSWER_TTL_S."""

    def __init__(self, queries: QueryService) -> None:
        self._queries = queries
        self._pending: dict[str, tuple[float, dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, text: str, cursor: str | None, account: str, params: dict[str, Any] | None = None) -> str:
        token = secrets.token_urlsafe(24)
        self._pending[token] = (time.monotonic(), {"status": "IN_PROGRESS"})

        async def compute() -> None:
            try:
                page = await self._queries.page(text, cursor, account, params)
                outcome = {"status": "COMPLETED", **page}
            except QueryFailed as error:
                outcome = {"status": "FAILED", "error": str(error), "data": []}
            self._pending[token] = (time.monotonic(), outcome)

        task = asyncio.get_running_loop().create_task(compute())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return token

    def read(self, token: str) -> dict[str, Any] | None:
        oldest = time.monotonic() - ANSWER_TTL_S
        for stale in [t for t, (at, _) in self._pending.items() if at < oldest]:
            del self._pending[stale]
        entry = self._pending.get(token)
        if entry is None:
            return None
        if entry[1]["status"] != "IN_PROGRESS":
            del self._pending[token]
        return entry[1]
