"""JupiterOne's published rule packs (@jupiterone/jupiterone-alert-rules, from npm, installed by
`make test`): every AWS query in them parses and runs on a store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph_aws.query import QueryResult, parse, run_query
from graph_aws.store import Store

PACKS = Path(__file__).parents[2] / "node_modules" / "@jupiterone" / "jupiterone-alert-rules" / "rule-packs"
AWS = re.compile(r"\baws_", re.I)


def aws_queries() -> list[tuple[str, str]]:
    if not PACKS.is_dir():
        pytest.fail(f"{PACKS} is missing: `make test` installs it (npm ci, package.json)")
    found = []
    for path in sorted(PACKS.glob("*.json")):
        for rule in json.loads(path.read_text()):
            for query in rule.get("queries", []):
                if AWS.search(query.get("query", "")):
                    found.append((f"{path.stem}/{rule['name']}/{query.get('name')}", query["query"]))
    return found


def test_every_aws_query_of_the_published_packs_parses_and_runs(graph_store: Store) -> None:
    queries = aws_queries()
    assert len(queries) == 20  # @jupiterone/jupiterone-alert-rules 0.3.0: its aws-config pack
    failures = []
    for name, text in queries:
        try:
            parse(text)
            result = run_query(graph_store, text)
        except Exception as error:  # collect them all, to report every failure at once
            failures.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0]}")
            continue
        assert isinstance(result, QueryResult)
    assert failures == []


def test_a_published_query_finds_what_it_asks_for(graph_store: Store) -> None:
    # "iam-root-access-key-check": no account records AccountMFAEnabled, and != matches a missing
    # property, so every account that is not a system-mapper one is reported.
    text = next(t for n, t in aws_queries() if "iam-root-access-key-check" in n)
    names = sorted(row[0]["name"] for row in run_query(graph_store, text).rows)
    assert names == ["dev", "mgmt", "solo"]
