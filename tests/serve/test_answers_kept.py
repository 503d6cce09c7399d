"""The answers kept for cursor pages are bounded: the least recently read go first."""

from __future__ import annotations

import asyncio

import pytest
from serve_helpers import seed_widgets

from graph_aws.serve import queries
from graph_aws.serve.queries import QueryFailed, QueryService, ReaderPool


def test_kept_answers_are_bounded_by_rows_and_the_newest_always_stays(tmp_path, monkeypatch):
    db = tmp_path / "widgets.db"
    seed_widgets(db, 1200)
    monkeypatch.setattr(queries, "MAX_KEPT_ROWS", 2000)  # room for one 1,200-row answer, not two
    readers = ReaderPool(str(db), 2, 30)
    service = QueryService(readers)

    async def scenario() -> None:
        first = await service.page("FIND acme_widget", None, "acct")
        second = await service.page("FIND acme_widget WITH size >= 0", None, "acct")
        assert first["cursor"] and second["cursor"]
        page = await service.page("FIND acme_widget WITH size >= 0", second["cursor"], "acct")
        assert len(page["data"]) == 250  # the newest answer is kept
        with pytest.raises(QueryFailed, match="unknown or expired"):
            await service.page("FIND acme_widget", first["cursor"], "acct")

    try:
        asyncio.run(scenario())
    finally:
        readers.close()
