"""Benchmark: the store's sync of one account job, as the store grows (no AWS, no emulator).

    python bench/sync_bench.py SOURCE_DB [--accounts 100] [--every 20] [--cache-mb MB]

SOURCE_DB is a SQLite store from a collect (bench/replay_collect.py or `graph-aws demo`); its
largest account scope is synced again and again into a new store as the scope of another account
(the account id rewritten in every key and value), as a run of that many accounts would write it.
Prints, for each block of --every syncs: CPU per sync (this process's), SQL statements per sync,
and the store's size. With --cache-mb, SQLite's page cache is set to that size first (the
default is SQLite's, 2 MB). It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def largest_account_scope(source: Path) -> tuple[str, str, str]:
    """(scope, entities JSON, relationships JSON) of the account scope with the most objects."""
    db = sqlite3.connect(source)
    scope = db.execute(
        "SELECT scope FROM scope_relationship WHERE scope LIKE 'account:%' GROUP BY scope "
        "ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    texts = [
        "[" + ",".join(d for (d,) in db.execute(f"SELECT data FROM {t} WHERE scope=?", (scope,))) + "]"
        for t in ("scope_entity", "scope_relationship")
    ]
    db.close()
    return scope, texts[0], texts[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--cache-mb", type=int)
    args = parser.parse_args()
    from graph_aws.store.sqlite import SqliteStore

    scope, entities_text, relationships_text = largest_account_scope(args.source)
    account = scope.split(":", 1)[1]
    print(f"source: {scope} of {args.source}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="graph-aws-sync-bench-") as folder:
        path = Path(folder) / "sync.db"
        store = SqliteStore(path)
        connection = store._db  # the bench counts the statements a sync runs: not a public interface
        if args.cache_mb:
            connection.execute(f"PRAGMA cache_size=-{args.cache_mb * 1024}")
        statements = [0]
        connection.set_trace_callback(lambda _: statements.__setitem__(0, statements[0] + 1))
        block_cpu, block_statements = 0.0, 0
        for n in range(args.accounts):
            other = f"{900000000000 + n:012d}"
            entities = json.loads(entities_text.replace(account, other))
            relationships = json.loads(relationships_text.replace(account, other))
            before_statements, before_cpu = statements[0], time.process_time()
            store.sync_scope(f"account:{other}", entities, relationships)
            block_cpu += time.process_time() - before_cpu
            block_statements += statements[0] - before_statements
            if (n + 1) % args.every == 0:
                size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1e6
                print(
                    f"  syncs {n + 2 - args.every:>5}-{n + 1:<5} {1000 * block_cpu / args.every:7.1f} ms CPU "
                    f"per sync, {block_statements / args.every:7.1f} statements per sync, "
                    f"store {size:7.1f} MB ({len(entities)} entities, {len(relationships)} relationships "
                    f"per sync; load {os.getloadavg()[0]:.1f})"
                )
                block_cpu, block_statements = 0.0, 0
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
