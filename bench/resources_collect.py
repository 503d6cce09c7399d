"""Benchmark: every account's resources, across regions, on moto's server (issue 3).

An organization of N member accounts (default 200) is built on moto's HTTP server, and every account
gets resources of every collected type in each of R regions (default 2; about 30 resources per
account and region, at least K = 20). The real command line then collects it through the
fault-injecting proxy (L ms of latency per call, default 20), at the default settings and at
--concurrency 1. It prints AWS calls per operation (and per ingested account and region), wall time,
peak RSS, CPU of the tool, moto and the proxy, and entities per second. It asserts nothing.

    python bench/resources_collect.py [--accounts 200] [--regions 2] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import org_collect  # noqa: E402  (the run and report machinery shared with the organization benchmark)

REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2")
TARGET_RATIO = 1 / 8
TARGET_RSS_MB = 400.0


def resources_per_account_region(db: Path, accounts: int, regions: int) -> float:
    rows = (
        sqlite3.connect(db)
        .execute("SELECT COUNT(*) FROM entity WHERE json_extract(data, '$.region') IS NOT NULL")
        .fetchone()
    )
    return rows[0] / (accounts * regions)


def print_calls(runs: list[org_collect.RunResult], ingested: int, regions: int) -> None:
    operations = sorted({op for run in runs for op in run.calls})
    heads = "".join(f"{f'c={run.concurrency}':>9}" for run in runs)
    print(f"{'operation':<48}{'per account and region':>24}{heads}")
    print("-" * (72 + 9 * len(runs)))
    for name in operations:
        measured = [run.calls.get(name, 0) for run in runs]
        per = measured[0] / (ingested * regions)
        print(f"{name:<48}{per:>24.2f}{''.join(f'{m:>9}' for m in measured)}")
    print("-" * (72 + 9 * len(runs)))
    print(f"{'total':<48}{'':>24}{''.join(f'{sum(r.calls.values()):>9}' for r in runs)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200, help="member accounts (default 200; at least 4)")
    parser.add_argument(
        "--regions", type=int, default=2, choices=range(1, len(REGIONS) + 1), help="default 2"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=20, help="latency added to every AWS call (default 20)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="the tool's --concurrency (default 8)")
    parser.add_argument("--skip-serial", action="store_true", help="skip the --concurrency 1 run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    args = parser.parse_args(argv)

    org_collect.dummy_credentials()
    from graph_aws.demo.emulator import build_organization
    from graph_aws.demo.faultproxy import FaultProxy, Faults
    from graph_aws.demo.moto_server import MotoServer

    regions = REGIONS[: args.regions]
    print(
        f"graph-aws resource collection benchmark: N = {args.accounts} members x {args.regions} regions, "
        f"latency {args.latency_ms} ms/call, --concurrency {args.concurrency}"
    )
    print(f"code: {org_collect.code_version()}; machine: {os.cpu_count()} CPUs")
    workdir = Path(tempfile.mkdtemp(prefix="graph-aws-bench-"))
    server = MotoServer()
    proxy = None
    try:
        server.start()
        org_collect.seed_server(server.url)
        os.environ["AWS_ENDPOINT_URL"] = server.url  # build straight on the server
        started = time.perf_counter()
        build_organization(args.accounts, users_per_account=2, resource_regions=regions)
        build_s = time.perf_counter() - started
        os.environ.pop("AWS_ENDPOINT_URL")
        ingested = args.accounts + 1 - 2  # less the skipped and the suspended member
        print(f"built and seeded the organization on moto's server in {build_s:.1f} s")
        print(f"{ingested} accounts to ingest")
        proxy = FaultProxy(server.url, Faults(latency_ms=args.latency_ms)).start()
        server_pid = getattr(getattr(server, "_process", None), "pid", None)
        region_list = ",".join(regions)
        runs = [
            org_collect.collect(
                proxy, server_pid, workdir / "default.db", args.concurrency, region_list, args.timeout
            )
        ]
        if not args.skip_serial and args.concurrency != 1:
            runs.append(
                org_collect.collect(proxy, server_pid, workdir / "serial.db", 1, region_list, args.timeout)
            )
        print()
        print_calls(runs, ingested, len(regions))
        for run in runs:
            print()
            org_collect.print_run(run, ingested)
            entities_per_s = run.entities / run.wall_s
            print(f"  entities per second  {entities_per_s:8.0f}")
        per = resources_per_account_region(workdir / "default.db", ingested, len(regions))
        print(f"\nregional resources per ingested account and region: {per:.1f} (K asked: at least 20)")
        default = runs[0]
        print(f"\ntargets (N = {args.accounts}, R = {args.regions}, latency {args.latency_ms} ms)")
        rss = f"{org_collect.verdict(default.peak_rss_mb < TARGET_RSS_MB):<8}{default.peak_rss_mb:.1f} MB"
        print(f"  peak RSS < {TARGET_RSS_MB:.0f} MB           {rss}")
        if len(runs) > 1:
            ratio = default.wall_s / runs[1].wall_s
            ok = ratio <= TARGET_RATIO
            detail = f"{default.wall_s:.1f} s / {runs[1].wall_s:.1f} s = {ratio:.3f}"
            print(f"  wall(default) <= wall(c=1) / 8 {org_collect.verdict(ok):<8}{detail}")
        codes = ", ".join(f"c={r.concurrency}: {r.exit_code}" for r in runs)
        print(f"  exit codes                     {codes}")
        return 0
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
