"""`graph-aws serve` under load: queryV1 queries per second, sync throughput, and serve's peak memory.

    .venv/bin/python bench/serve_bench.py [--entities 100000] [--accounts 200] [--queries 2000] [--clients 4]

1. A store of N entities in `--accounts` account scopes (an aws_account HAS each of its aws_instance,
   each instance USES an aws_ebs_volume: about N relationships), written through the store's own sync.
2. `graph-aws upload` of that store into a fresh `serve` (a child process): the real client, one job
   per account scope, 6 batches in flight; entities per second end to end. Then one job of N entities
   and N-1 relationships in batches of 250, as `j1-integration sync` 8.x sends them: upload and
   finalize timed apart.
3. One-hop queries through GraphQL `queryV1` by JupiterOne's own `jupiterone` client (`query_v1`),
   `FIND aws_account WITH accountId = '...' THAT HAS aws_instance` (one row) and the same `AS i
   RETURN i.*` (the account's 249 instances), a different account each time, from `--clients`
   threads at once: queries per second and latency percentiles.
4. serve's peak RSS (VmHWM from /proc) after all of it.

It prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from graph_aws.model import make_entity, make_relationship
from graph_aws.serve.keys import create_api_key
from graph_aws.store import SqliteStore

# One hop, twice: the accounts that have instances (JupiterOne's rows of whole entities, one here), and
# the instances of one account (a page of 249 rows, each a whole entity).
QUERIES = {
    "account THAT HAS instances": "FIND aws_account WITH accountId = '{account}' THAT HAS aws_instance",
    "an account's instances": (
        "FIND aws_account WITH accountId = '{account}' THAT HAS aws_instance AS i RETURN i.*"
    ),
}


def account_id(i: int) -> str:
    return f"{100000000000 + i:012d}"


def build_store(db: Path, entities: int, accounts: int) -> tuple[int, int]:
    store = SqliteStore(db)
    per_account = max(3, entities // accounts)
    made = linked = 0
    for a in range(accounts):
        aid = account_id(a)
        account = make_entity(
            key=f"arn:aws:iam::{aid}:root",
            type="aws_account",
            classes=["Account"],
            name=f"acct-{a}",
            properties={"accountId": aid},
        )
        objects, relationships = [account], []
        for i in range((per_account - 1) // 2):
            instance = make_entity(
                key=f"arn:aws:ec2:us-east-1:{aid}:instance/i-{i:08x}",
                type="aws_instance",
                classes=["Host"],
                name=f"i-{i}",
                properties={"accountId": aid, "state": random.choice(["running", "stopped"])},
            )
            volume = make_entity(
                key=f"arn:aws:ec2:us-east-1:{aid}:volume/vol-{i:08x}",
                type="aws_ebs_volume",
                classes=["DataStore", "Disk"],
                name=f"vol-{i}",
                properties={"accountId": aid, "encrypted": i % 3 == 0},
            )
            objects += [instance, volume]
            relationships += [
                make_relationship(from_entity=account, to_entity=instance, verb="HAS"),
                make_relationship(from_entity=instance, to_entity=volume, verb="USES"),
            ]
        store.sync_scope(f"account:{aid}", objects, relationships)
        made += len(objects)
        linked += len(relationships)
    store.close()
    return made, linked


def start_serve(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graph_aws.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            "0",
            "--log-level",
            "warning",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    for _ in range(600):
        for line in log.read_text().splitlines():
            if line.startswith("graph-aws serve: http"):
                url = line.split()[2]
                try:
                    if httpx.get(url + "health", timeout=2).status_code == 200:
                        return process, url
                except httpx.HTTPError:
                    pass
        time.sleep(0.1)
    raise SystemExit(f"serve did not start: {log.read_text()}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_one_job(url: str, key: str, count: int) -> None:
    """One integration instance's job of `count` entities, posted as j1-integration sync 8.x posts them:
    batches of 250, 6 in flight; then finalize."""
    from concurrent.futures import ThreadPoolExecutor

    entities = [
        {
            "_key": f"okta-user-{i:07d}",
            "_type": "okta_user",
            "_class": ["User"],
            "name": f"user {i}",
            "displayName": f"user {i}",
            "email": f"user{i}@example.com",
            "active": i % 5 != 0,
            "login": f"u{i}",
        }
        for i in range(count)
    ]
    relationships = [
        {
            "_key": f"okta-user-{i:07d}|manages|okta-user-{i + 1:07d}",
            "_type": "okta_user_manages_user",
            "_class": "MANAGES",
            "_fromEntityKey": f"okta-user-{i:07d}",
            "_toEntityKey": f"okta-user-{i + 1:07d}",
            "displayName": "MANAGES",
        }
        for i in range(count - 1)
    ]
    headers = {"Authorization": f"Bearer {key}", "LifeOmic-Account": "bench"}
    base = "/persister/synchronization/jobs"
    with httpx.Client(
        base_url=url, headers=headers, timeout=600, limits=httpx.Limits(max_connections=8)
    ) as client:
        job = client.post(
            base, json={"source": "integration-managed", "integrationInstanceId": "okta"}
        ).json()["job"]
        started = time.perf_counter()
        with ThreadPoolExecutor(6) as pool:
            for kind, objects in (("entities", entities), ("relationships", relationships)):
                batches = [objects[i : i + 250] for i in range(0, len(objects), 250)]
                for answer in pool.map(
                    lambda b, k=kind: client.post(f"{base}/{job['id']}/{k}", json={k: b}), batches
                ):
                    answer.raise_for_status()
        uploaded = time.perf_counter() - started
        done = client.post(f"{base}/{job['id']}/finalize", json={"partialDatasets": {"types": []}}).json()[
            "job"
        ]
        total = time.perf_counter() - started
    print(
        f"one sync job, {count:,} entities and {count - 1:,} relationships (batches of 250, 6 in flight): "
        f"uploads {uploaded:.1f} s ({count / uploaded:,.0f} entities/s), finalize {total - uploaded:.1f} s, "
        f"in all {total:.1f} s = {count / total:,.0f} entities/s; {done['status']}, "
        f"{done['numEntitiesCreated']:,} entities and {done['numRelationshipsCreated']:,} relationships "
        "created"
    )


def measure_queries(url: str, key: str, accounts: int, total: int, clients: int, name: str) -> None:
    latencies: list[float] = []
    rows: list[int] = []
    lock = threading.Lock()
    per_client = total // clients

    def work(seed: int) -> None:
        from jupiterone import JupiterOneClient  # JupiterOne's own client: what a user's script runs

        chooser = random.Random(seed)
        client = JupiterOneClient(account="bench", token=key, url=url, sync_url=url.rstrip("/"))
        for _ in range(per_client):
            aid = account_id(chooser.randrange(accounts))
            started = time.perf_counter()
            data = client.query_v1(QUERIES[name].format(account=aid))["data"]
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                rows.append(len(data))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    print(
        f"queryV1, one hop ({name}), {clients} clients: {len(latencies)} queries in {wall:.1f} s = "
        f"{len(latencies) / wall:.0f} queries/s; latency p50 {q[49] * 1000:.1f} ms, "
        f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms; {statistics.mean(rows):.0f} rows per answer"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as folder:
        here, there = Path(folder) / "local.db", Path(folder) / "served.db"
        started = time.perf_counter()
        entities, relationships = build_store(here, args.entities, args.accounts)
        print(
            f"local store: {entities:,} entities, {relationships:,} relationships in {args.accounts} account "
            f"scopes (built in {time.perf_counter() - started:.1f} s)"
        )
        store = SqliteStore(there)
        key, _ = create_api_key(store, "bench")
        store.close()
        process, url = start_serve(there, Path(folder) / "serve.log")
        try:
            print(f"serve started, peak RSS {peak_rss_mb(process.pid):.1f} MB")
            started = time.perf_counter()
            upload = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "graph_aws.cli",
                    "upload",
                    "--db",
                    str(here),
                    "--api-base-url",
                    url,
                    "--account",
                    "bench",
                ],
                env={**os.environ, "GRAPH_AWS_API_KEY": key},
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - started
            if upload.returncode != 0:
                raise SystemExit(upload.stderr)
            print(
                f"graph-aws upload into serve: {entities:,} entities and {relationships:,} relationships in "
                f"{wall:.1f} s = {entities / wall:,.0f} entities/s ({(entities + relationships) / wall:,.0f} "
                f"objects/s), {len(upload.stdout.splitlines())} jobs"
            )
            print(f"serve peak RSS after the upload: {peak_rss_mb(process.pid):.1f} MB")
            measure_one_job(url, key, args.entities)
            print(f"serve peak RSS after the single job: {peak_rss_mb(process.pid):.1f} MB")
            for name in QUERIES:
                measure_queries(url, key, args.accounts, args.queries, args.clients, name)
            print(f"serve peak RSS at the end: {peak_rss_mb(process.pid):.1f} MB")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
