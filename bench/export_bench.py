"""`export --format json` and `--format j1` on a synthetic graph (SQLite), and the cost of make_entity.

    .venv/bin/python bench/export_bench.py [--entities N] [--keep PATH]

Builds the graph as bench/query_bench.py does (1,000 entities and 3,000 relationships per account,
straight into the store's merged tables), records one run whose steps declare its types, then
exports it both ways and prints wall time, objects per second, files written and the peak memory
Python allocated (tracemalloc). It prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import timeit
import tracemalloc
from pathlib import Path

from graph_aws.export.j1_export import export_j1
from graph_aws.export.json_export import write_json
from graph_aws.model import make_entity
from graph_aws.store import JobRecord, open_store
from query_bench import SHAPE, build


def record_run(store) -> None:
    """One job whose steps produced every type of the synthetic graph (the export places by step)."""
    types = [t for t, _, _ in SHAPE]
    results = [
        {
            "id": "fetch-resources",
            "name": "Resources",
            "status": "success",
            "declaredTypes": types,
            "partialTypes": [],
            "encounteredTypes": types,
            "dependsOn": [],
        },
    ]
    run = store.start_run("account", {})
    store.record_job(
        run, JobRecord("account:bench", "succeeded", None, 0, 0, summary={"integrationStepResults": results})
    )
    store.finish_run(run, "succeeded", None)


def measure(label: str, work) -> None:
    """Run `work` (which returns the objects it wrote and a description) twice: timed, then under
    tracemalloc for the peak memory Python allocated (tracemalloc slows it down)."""
    started = time.perf_counter()
    objects, description = work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:5} {elapsed:7.1f} s  {objects / elapsed:9,.0f} objects/s  "
        f"peak Python memory {peak / 1e6:6.1f} MB  {description}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument(
        "--keep", type=Path, help="build into (or reuse) this file instead of a temporary one"
    )
    args = parser.parse_args()

    props = {f"property{i}": "value" for i in range(25)}
    tags = [{"Key": f"aws:tag:{i}", "Value": "v"} for i in range(5)]
    n = 20_000
    seconds = timeit.timeit(
        lambda: make_entity(
            key="arn:aws:ec2:us-east-1:123456789012:instance/i-0",
            type="aws_instance",
            classes=["Host"],
            name="i-0",
            properties=props,
            tags=tags,
        ),
        number=n,
    )
    print(f"make_entity {seconds / n * 1e6:7.1f} us per Host entity (25 properties, 5 tags)")

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        if not path.exists():
            print(f"building {args.entities:,} entities and {args.entities * 3:,} relationships in {path}")
            build(path, args.entities)
        store = open_store(str(path))
        if not store.runs():
            record_run(store)

        def as_json() -> tuple[int, str]:
            target = Path(tmp) / "graph.json"
            with open(target, "w", encoding="utf-8") as out:
                entities, relationships = write_json(store, out)
            size = target.stat().st_size / 1e6
            return (
                entities + relationships,
                f"{entities:,} entities, {relationships:,} relationships, {size:.0f} MB",
            )

        def as_j1() -> tuple[int, str]:
            counts = export_j1(store, str(Path(tmp) / "j1"))
            files = counts.files["entities"] + counts.files["relationships"]
            objects = counts.entities + counts.relationships
            return (
                objects,
                f"{counts.entities:,} entities, {counts.relationships:,} relationships in {files:,} files",
            )

        measure("json", as_json)
        measure("j1", as_j1)
        store.close()


if __name__ == "__main__":
    main()
