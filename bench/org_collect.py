"""Benchmark: `graph-aws collect --organization` of an emulated organization on moto's server.

An organization of N member accounts (default 500) is built on moto's HTTP server; a fault-injecting
proxy in front of it adds L ms of latency to every call (default 20) and counts calls per operation.
The real command line then collects the organization through the proxy, once at the default
concurrency and once at --concurrency 1. For each run it prints the AWS calls per operation beside the
number the design's formula predicts, the wall time, the child's peak RSS and CPU, the CPU of the moto
server and of the proxy, and the objects written to the store. It prints figures; it asserts nothing.

    python bench/org_collect.py [--accounts 500] [--latency-ms 20] [--concurrency 8] [--skip-serial]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROLE_NAME = "OrganizationAccountAccessRole"
EXTERNAL_ID = "bench-external-id"
ORG_PAGE = 20  # graph-aws asks Organizations for pages of 20 (and the patched moto server answers so)
IAM_PAGE = 100  # ListUsers without MaxItems: moto's (and AWS's) default page of 100
CONTACT_TYPES = 3  # SECURITY, BILLING, OPERATIONS
TARGET_RATIO = 1 / 6
TARGET_RSS_MB = 250.0


# ---------------------------------------------------------------------------------------------- setup


def dummy_credentials() -> None:
    """Credentials moto accepts, and nothing from the developer's own AWS configuration."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    unset = ("MOTO_ACCOUNT_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")
    for name in unset:
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith(("GRAPH_AWS_", "AWS_ENDPOINT_URL"))]:
        os.environ.pop(name)


def seed_server(url: str, seed: int = 42) -> None:
    """Deterministic account and OU ids, so runs of the benchmark are comparable."""
    request = urllib.request.Request(f"{url}/moto-api/seed?a={seed}", method="POST")
    urllib.request.urlopen(request, timeout=30).close()


# ---------------------------------------------------------------------------------------------- formula


@dataclass
class Shape:
    """What the formula needs to know of the organization, read from the server (not through the proxy)."""

    accounts_total: int  # members + management, as ListAccounts lists them
    selected_members: int  # members that are assumed into (not skipped, not suspended)
    users_per_account: int
    children_per_parent: dict[str, int] = field(default_factory=dict)  # root/OU id -> child OUs
    accounts_per_parent: dict[str, int] = field(default_factory=dict)  # root/OU id -> accounts
    policies: int = 0  # service control policies

    @property
    def ingested(self) -> int:
        return self.selected_members + 1  # the management account is always ingested


def read_shape(emulated: Any, users_per_account: int) -> Shape:
    import boto3

    org = boto3.client("organizations", region_name="us-east-1")

    def every(operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        return [item for page in org.get_paginator(operation).paginate(**params) for item in page[key]]

    accounts = every("list_accounts", "Accounts")
    shape = Shape(
        accounts_total=len(accounts),
        selected_members=len(emulated.members) - len({emulated.skipped, emulated.suspended} - {""}),
        users_per_account=users_per_account,
    )
    queue = [root["Id"] for root in every("list_roots", "Roots")]
    while queue:
        parent = queue.pop()
        units = every("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent)
        shape.children_per_parent[parent] = len(units)
        listed = every("list_accounts_for_parent", "Accounts", ParentId=parent)
        shape.accounts_per_parent[parent] = len(listed)
        queue.extend(unit["Id"] for unit in units)
    shape.policies = len(every("list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY"))
    return shape


def pages(items: int, size: int) -> int:
    """Calls to list `items` in pages of `size`: an empty listing still costs one call."""
    return max(1, math.ceil(items / size))


def expected_calls(shape: Shape) -> list[tuple[str, str, int]]:
    """(operation, formula, expected calls) in the order the run makes them."""
    n, i, p, u = shape.accounts_total, shape.ingested, shape.policies, shape.users_per_account
    nodes = len(shape.children_per_parent)
    ou_pages = sum(pages(c, ORG_PAGE) for c in shape.children_per_parent.values())
    account_pages = sum(pages(a, ORG_PAGE) for a in shape.accounts_per_parent.values())
    user_pages = pages(u, IAM_PAGE)
    return [
        ("sts:GetCallerIdentity", "1 (who am I)", 1),
        ("organizations:DescribeOrganization", "1", 1),
        ("organizations:ListRoots", "1", 1),
        ("organizations:ListOrganizationalUnitsForParent", f"sum ceil(OUs/20) over {nodes} nodes", ou_pages),
        ("organizations:ListAccountsForParent", f"sum ceil(accts/20) over {nodes} nodes", account_pages),
        ("organizations:ListAccounts", f"ceil(N_total/20) = ceil({n}/20)", pages(n, ORG_PAGE)),
        ("organizations:ListTagsForResource", f"N_total = {n}", n),
        ("organizations:ListPolicies", f"ceil(SCPs/20), {p} SCPs", pages(p, ORG_PAGE)),
        ("organizations:DescribePolicy", "1 per SCP", p),
        ("organizations:ListTargetsForPolicy", "1 per SCP (moto: one page)", p),
        ("sts:AssumeRole", f"selected members = {shape.selected_members}", shape.selected_members),
        ("iam:ListAccountAliases", f"1 x ingested ({i})", i),
        ("iam:GetAccountSummary", f"1 x ingested ({i})", i),
        ("account:GetAlternateContact", f"3 x ingested ({i})", CONTACT_TYPES * i),
        ("account:GetContactInformation", f"1 x ingested ({i})", i),
        ("iam:ListUsers", f"ceil({u}/100) x ingested ({i})", user_pages * i),
        ("ec2:DescribeRegions", f"1 x ingested ({i})", i),
    ]


# ---------------------------------------------------------------------------------------------- a run


@dataclass
class RunResult:
    concurrency: int
    exit_code: int | None
    timed_out: bool
    wall_s: float
    peak_rss_mb: float
    child_cpu_s: float
    server_cpu_s: float | None
    proxy_cpu_s: float
    calls: Counter[str]
    throttled: int
    entities: int = 0
    relationships: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    recorded_s: float | None = None  # the run's own start..end in the store (no interpreter start-up)
    organization_s: float | None = None  # the organization job
    accounts_s: float | None = None  # first account job start .. last account job end
    outcomes: dict[str, int] = field(default_factory=dict)
    stderr_tail: str = ""

    @property
    def objects(self) -> int:
        return self.entities + self.relationships


def process_cpu_seconds(pid: int | None) -> float | None:
    """user + system CPU of a running process (Linux /proc), or None where unavailable."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def maxrss_mb(rusage: Any) -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    return rusage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def read_store(db: Path, result: RunResult) -> None:
    if not db.exists():
        return
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        result.entities = conn.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        result.relationships = conn.execute("SELECT COUNT(*) FROM relationship").fetchone()[0]
        run = conn.execute("SELECT id, started_at, ended_at FROM run ORDER BY id DESC LIMIT 1").fetchone()
        if run is None:
            return
        run_id, started, ended = run
        if started and ended:
            result.recorded_s = (ended - started) / 1000
        created, updated, deleted = conn.execute(
            "SELECT COALESCE(SUM(created), 0), COALESCE(SUM(updated), 0), COALESCE(SUM(deleted), 0) "
            "FROM job WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        result.created, result.updated, result.deleted = created, updated, deleted
        org_job = conn.execute(
            "SELECT ended_at - started_at FROM job WHERE run_id = ? AND scope LIKE 'organization:%'",
            (run_id,),
        ).fetchone()
        result.organization_s = org_job[0] / 1000 if org_job else None
        first, last = conn.execute(
            "SELECT MIN(started_at), MAX(ended_at) FROM job WHERE run_id = ? AND scope LIKE 'account:%'",
            (run_id,),
        ).fetchone()
        result.accounts_s = (last - first) / 1000 if first is not None else None
        result.outcomes = dict(
            conn.execute(
                "SELECT outcome, COUNT(*) FROM account_outcome WHERE run_id = ? GROUP BY outcome", (run_id,)
            ).fetchall()
        )


def collect(
    proxy: Any,
    server_pid: int | None,
    db: Path,
    concurrency: int,
    regions: str,
    timeout: float,
    calls_per_account: int = 8,
) -> RunResult:
    """One `graph-aws collect --organization` in a child process, through the proxy."""
    command = [
        sys.executable, "-m", "graph_aws.cli", "collect", "--organization",
        "--role-name", ROLE_NAME, "--external-id", EXTERNAL_ID,
        "--db", str(db), "--concurrency", str(concurrency), "--regions", regions,
        "--calls-per-account", str(calls_per_account),
    ]  # fmt: skip
    env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
    proxy.reset_counts()
    server_cpu_before = process_cpu_seconds(server_pid)
    proxy_cpu_before = time.process_time()  # the proxy's threads are most of this process's CPU
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            child.kill()

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            # wait4 gives this child's own rusage (peak RSS, CPU), unlike RUSAGE_CHILDREN.
            _, status, rusage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
        out.seek(0)
        tail = out.read().decode("utf-8", "replace").strip().splitlines()[-15:]
    server_cpu_after = process_cpu_seconds(server_pid)
    result = RunResult(
        concurrency=concurrency,
        exit_code=child.returncode,
        timed_out=timed_out.is_set(),
        wall_s=wall,
        peak_rss_mb=maxrss_mb(rusage),
        child_cpu_s=rusage.ru_utime + rusage.ru_stime,
        server_cpu_s=(
            server_cpu_after - server_cpu_before
            if server_cpu_before is not None and server_cpu_after is not None
            else None
        ),
        proxy_cpu_s=time.process_time() - proxy_cpu_before,
        calls=Counter(proxy.calls),
        throttled=proxy.throttled,
        stderr_tail="\n".join(tail),
    )
    read_store(db, result)
    return result


# ---------------------------------------------------------------------------------------------- report


def print_calls(expected: list[tuple[str, str, int]], runs: list[RunResult], ingested: int) -> bool:
    """The per-operation table; True when every run's counts equal the formula. The resource steps
    (issue 3) are listed after it, per ingested account, as measured: they depend on what each
    account holds, not on the organization's shape."""
    names = [name for name, _, _ in expected]
    extra = sorted({op for run in runs for op in run.calls} - set(names))
    heads = "".join(f"{f'c={run.concurrency}':>9}" for run in runs)
    print(f"{'operation':<48}{'formula':<40}{'expected':>9}{heads}")
    print("-" * (97 + 9 * len(runs)))
    all_equal = True
    total_expected = 0
    for name, formula, count in expected:
        total_expected += count
        measured = [run.calls.get(name, 0) for run in runs]
        mark = "" if all(m == count for m in measured) else "  <-- differs"
        all_equal = all_equal and not mark
        cells = "".join(f"{m:>9}" for m in measured)
        print(f"{name:<48}{formula:<40}{count:>9}{cells}{mark}")
    print("-" * (97 + 9 * len(runs)))
    for name in extra:
        measured = [run.calls.get(name, 0) for run in runs]
        per_account = f"resource step: {measured[0] / ingested:.2f} per account"
        print(f"{name:<48}{per_account:<40}{'':>9}{''.join(f'{m:>9}' for m in measured)}")
    print("-" * (97 + 9 * len(runs)))
    cells = "".join(f"{sum(run.calls.values()):>9}" for run in runs)
    print(f"{'total':<48}{'':<40}{total_expected:>9}{cells}")
    return all_equal


def print_run(run: RunResult, accounts: int) -> None:
    status = "TIMED OUT (killed)" if run.timed_out else f"exit {run.exit_code}"
    recorded = f"{run.recorded_s:.1f} s" if run.recorded_s is not None else "-"
    server = f"{run.server_cpu_s:.1f} s" if run.server_cpu_s is not None else "n/a"
    calls = sum(run.calls.values())
    outcomes = ", ".join(f"{n} {name}" for name, n in sorted(run.outcomes.items())) or "-"
    print(f"--concurrency {run.concurrency}: {status}")
    print(f"  wall time            {run.wall_s:8.1f} s   (run recorded in the store: {recorded})")
    org_s = f"{run.organization_s:.1f} s" if run.organization_s is not None else "-"
    acc_s = f"{run.accounts_s:.1f} s" if run.accounts_s is not None else "-"
    print(f"  phases               organization job {org_s}, account jobs {acc_s}")
    rate = calls / run.wall_s
    print(f"  AWS calls            {calls:8d}     ({rate:.0f}/s; throttled by the proxy: {run.throttled})")
    print(f"  peak RSS (child)     {run.peak_rss_mb:8.1f} MB")
    print(f"  CPU: child {run.child_cpu_s:.1f} s, moto server {server}, proxy+bench {run.proxy_cpu_s:.1f} s")
    print(f"  store                {run.entities} entities, {run.relationships} relationships")
    print(f"  job counts           created {run.created}, updated {run.updated}, deleted {run.deleted}")
    per_s = run.objects / run.wall_s
    print(f"  objects per second   {per_s:8.0f}     ({accounts / run.wall_s:.1f} accounts/s)")
    print(f"  account outcomes     {outcomes}")
    if run.timed_out or run.exit_code:
        print("  last output of the command:")
        for line in run.stderr_tail.splitlines():
            print(f"    {line}")


def code_version() -> str:
    """The commit the benchmark runs, and whether the working tree has changes (read-only git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{commit or 'unknown'}" + (f" (+{len(dirty)} uncommitted changes under src/)" if dirty else "")


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    add = parser.add_argument
    add("--accounts", type=int, default=500, help="member accounts (default 500; at least 4)")
    add("--latency-ms", type=int, default=20, help="latency added to every AWS call (default 20)")
    add("--concurrency", type=int, default=8, help="the tool's --concurrency (default 8)")
    add("--users-per-account", type=int, default=2, help="IAM users in each account (default 2)")
    add("--skip-serial", action="store_true", help="skip the --concurrency 1 run")
    add("--keep-db", action="store_true", help="keep the SQLite files and print their paths")
    add("--timeout", type=float, default=900, help="seconds before a run is killed (default 900)")
    add("--regions", default="us-east-1", help="the tool's --regions (default us-east-1)")
    add("--calls-per-account", type=int, default=8, help="the tool's --calls-per-account (default 8)")
    args = parser.parse_args(argv)
    if args.accounts < 4:
        parser.error("--accounts must be at least 4 (the emulated organization has three special members)")

    dummy_credentials()
    from graph_aws.demo.emulator import build_organization
    from graph_aws.demo.faultproxy import FaultProxy, Faults
    from graph_aws.demo.moto_server import MotoServer

    print(
        f"graph-aws organization collection benchmark: N = {args.accounts} members, "
        f"latency {args.latency_ms} ms/call, --concurrency {args.concurrency}, "
        f"{args.users_per_account} IAM users per account"
    )
    import graph_aws

    print(f"code: {code_version()}; graph_aws from {Path(graph_aws.__file__).parent}")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, moto {version('moto')}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="graph-aws-bench-"))
    server = MotoServer()
    proxy = None
    try:
        server.start()
        seed_server(server.url)
        os.environ["AWS_ENDPOINT_URL"] = server.url  # build straight on the server, not through the proxy
        started = time.perf_counter()
        emulated = build_organization(args.accounts, users_per_account=args.users_per_account)
        build_s = time.perf_counter() - started
        shape = read_shape(emulated, args.users_per_account)
        os.environ.pop("AWS_ENDPOINT_URL")
        print(
            f"built the organization on moto's server in {build_s:.1f} s: {shape.accounts_total} accounts "
            f"(N_total = members + management), {len(shape.children_per_parent) - 1} OUs, "
            f"{shape.policies} SCPs, "
            f"{shape.selected_members} members to assume into, {shape.ingested} accounts to ingest"
        )
        proxy = FaultProxy(server.url, Faults(latency_ms=args.latency_ms)).start()
        print(f"fault proxy: {args.latency_ms} ms per call; collecting with --regions {args.regions}")
        server_pid = getattr(getattr(server, "_process", None), "pid", None)

        per_account = args.calls_per_account
        print(f"--calls-per-account {per_account} in every run")
        runs = [
            collect(
                proxy,
                server_pid,
                workdir / "default.db",
                args.concurrency,
                args.regions,
                args.timeout,
                per_account,
            )
        ]
        if not args.skip_serial and args.concurrency != 1:
            runs.append(
                collect(proxy, server_pid, workdir / "serial.db", 1, args.regions, args.timeout, per_account)
            )

        print()
        calls_ok = print_calls(expected_calls(shape), runs, shape.ingested)
        for run in runs:
            print()
            print_run(run, shape.ingested)

        default = runs[0]
        targets = [
            ("AWS calls per operation equal the formula", calls_ok, "see the table"),
            (
                f"peak RSS < {TARGET_RSS_MB:.0f} MB (--concurrency {args.concurrency})",
                default.peak_rss_mb < TARGET_RSS_MB,
                f"{default.peak_rss_mb:.1f} MB",
            ),
        ]
        if len(runs) > 1:
            serial = runs[1]
            ratio = default.wall_s / serial.wall_s
            targets.append(
                (
                    f"wall(--concurrency {args.concurrency}) <= wall(--concurrency 1) / 6",
                    ratio <= TARGET_RATIO,
                    f"{default.wall_s:.1f} s / {serial.wall_s:.1f} s = {ratio:.3f} (x{1 / ratio:.2f})",
                )
            )
        clean = all(not r.timed_out and r.exit_code == 0 for r in runs)
        codes = ", ".join(f"c={r.concurrency}: {r.exit_code}" for r in runs)
        targets.append(("every run exited 0", clean, codes))
        print()
        print(f"targets (N = {args.accounts}, latency {args.latency_ms} ms)")
        for text, ok, detail in targets:
            print(f"  {text:<54}{verdict(ok):<8}{detail}")
        if args.keep_db:
            print(f"databases kept in {workdir}")
        return 0
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()
        if not args.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
