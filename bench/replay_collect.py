"""Benchmark: `graph-aws collect --organization` against the replay server (issue 10 item 6).

One account is recorded from moto (every call an account job makes, with the demo's resources of
every type in one region), and the replay server answers it for a synthetic organization of N
members. Three comparisons, each optional, printed side by side; it asserts nothing.

    serial    default settings vs `--concurrency 1 --calls-per-account 1` (truly serial), at L ms
              of latency per call (default N = 500, L = 20; target: default >= 6x faster)
    cpu       graph-aws's CPU per call beside a bare boto3 loop making the same calls against the
              same server, at 0 ms (target: <= 1.2x the loop's)
    workers   --workers 1 vs --workers 2 at 0 ms, where the run is CPU-bound (target: >= 1.7x)
    scale     N = 1,000 and 3,000 (--scale-accounts) on SQLite and on PostgreSQL (a durable
              throwaway cluster): wall time, calls, peak RSS, CPU, store size

    memory    the default collect at N = 300 and 1,000 (--memory-accounts), 0 ms: peak RSS and PSS of
              all processes, and of each (target: RSS of all < 500 MB, flat with N)

    python bench/replay_collect.py [--serial] [--cpu] [--workers] [--scale] [--memory] [--accounts 500]
        [--latency-ms 20] [--scale-accounts 1000,3000] [--backends sqlite,postgresql]
        [--memory-accounts 300,1000] [--recording FILE] [--profile FILE]

With none of --serial, --cpu, --workers, --scale, --memory, the first four run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from org_collect import code_version, dummy_credentials, maxrss_mb, process_cpu_seconds  # noqa: E402

EXTERNAL_ID = "bench-external-id"
ROLE_NAME = "OrganizationAccountAccessRole"
REGION = "us-east-1"


@dataclass
class Run:
    label: str
    exit_code: int
    wall_s: float
    cpu_s: float  # the child's user + system CPU
    peak_rss_mb: float  # the largest single process (rusage)
    calls: int  # as the replay server counted them
    misses: int
    throttled: int
    server_cpu_s: float
    entities: int = 0
    relationships: int = 0
    store_mb: float = 0.0
    tail: str = ""
    tree_rss_mb: float = 0.0  # all processes at once (sampled every 0.2 s)
    tree_pss_mb: float = 0.0  # the same, shared pages counted once
    memory: MemoryPeaks | None = None
    members: int = 0  # when the runs side by side differ in N
    finished_at_ms: list[int] = field(default_factory=list)  # each account's end, from the store

    def time_per_account_by_tenth(self) -> list[float]:
        """ms per account in each tenth of the accounts, in the order they ended: flat if the
        10th thousand costs what the first did."""
        ends = sorted(self.finished_at_ms)
        tenth = len(ends) // 10
        if tenth < 2:
            return []
        bounds = [ends[i * tenth] for i in range(10)] + [ends[-1]]
        sizes = [tenth] * 9 + [len(ends) - 9 * tenth]
        return [(bounds[i + 1] - bounds[i]) / sizes[i] for i in range(10)]

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_s / max(self.calls, 1)


@dataclass(frozen=True)
class ProcessMemory:
    """One process's memory from /proc/<pid>/smaps_rollup, in MB. `pss` counts each shared page
    (the interpreter, libraries, pages the kernel shares) once across the processes that map it,
    divided among them, so the PSS of all processes sums to what they hold together; the RSS sum
    counts shared pages once per process."""

    pid: int
    rss: float
    pss: float
    anonymous: float  # the heap: Python objects, malloc's arenas (never shared after a spawn)
    role: str = "parent"

    @property
    def file_backed(self) -> float:
        return self.rss - self.anonymous


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (its --workers), parent first (Linux /proc)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop(0)
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # it ended while we looked
    return found


def process_memory(pid: int) -> ProcessMemory | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None  # it ended while we looked
    fields = {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) / 1024
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    role = "tracker" if b"resource_tracker" in command else "worker" if b"spawn_main" in command else "parent"
    return ProcessMemory(pid, fields.get("Rss", 0), fields.get("Pss", 0), fields.get("Anonymous", 0), role)


@dataclass
class MemoryPeaks:
    """The peaks of a process tree's memory, sampled: of the RSS sum, of the PSS sum, of each process."""

    rss_all: float = 0.0
    pss_all: float = 0.0
    at_rss_peak: list[ProcessMemory] = field(default_factory=list)  # each process when rss_all peaked
    largest: dict[int, ProcessMemory] = field(default_factory=dict)  # each process at its own RSS peak

    def sample(self, pid: int) -> None:
        processes = [m for m in map(process_memory, process_tree(pid)) if m is not None]
        rss, pss = sum(m.rss for m in processes), sum(m.pss for m in processes)
        if rss > self.rss_all:
            self.rss_all, self.at_rss_peak = rss, processes
        self.pss_all = max(self.pss_all, pss)
        for memory in processes:
            known = self.largest.get(memory.pid)
            if known is None or memory.rss > known.rss:
                self.largest[memory.pid] = memory


def run_child(
    label: str, command: list[str], server: Any, env: dict[str, str] | None = None, timeout: float = 7200
) -> Run:
    """A child process, timed, with its own rusage (peak RSS, CPU) and the server's call counts."""
    server.reset()
    server_cpu = process_cpu_seconds(server.pid) or 0.0
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        peaks = MemoryPeaks()
        done = threading.Event()

        def sample() -> None:  # every 0.2 s: the sum over the processes, as a cgroup would count it
            while not done.wait(0.2):
                peaks.sample(child.pid)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, rusage = os.wait4(child.pid, 0)  # CPU: the child's and its reaped workers'
        finally:
            timer.cancel()
            done.set()
            sampler.join()
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        tail = "\n".join(out.read().decode("utf-8", "replace").strip().splitlines()[-12:])
    stats = server.stats()
    return Run(
        label=label,
        exit_code=child.returncode,
        wall_s=wall,
        cpu_s=rusage.ru_utime + rusage.ru_stime,
        peak_rss_mb=maxrss_mb(rusage),
        tree_rss_mb=peaks.rss_all,
        tree_pss_mb=peaks.pss_all,
        memory=peaks,
        calls=stats["served"],
        misses=stats["misses"],
        throttled=stats["throttled"],
        server_cpu_s=(process_cpu_seconds(server.pid) or 0.0) - server_cpu,
        tail=tail,
    )


def collect(label: str, server: Any, db: str, *options: str, profile: Path | None = None) -> Run:
    runner = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else [sys.executable]
    command = [
        *runner, "-m", "graph_aws.cli", "collect", "--organization", "--role-name", ROLE_NAME,
        "--regions", REGION, "--db", db, *options,
    ]  # fmt: skip
    env = {"AWS_ENDPOINT_URL": server.url, "GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}
    run = run_child(label, command, server, env)
    measure_store(run, db)
    return run


LAST_RUN_ENDS = "SELECT finished_at FROM account_outcome WHERE run_id = (SELECT MAX(id) FROM run)"


def measure_store(run: Run, db: str) -> None:
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as connection:
            run.entities = connection.execute("SELECT COUNT(*) FROM entity").fetchone()[0]  # type: ignore[index]
            run.relationships = connection.execute("SELECT COUNT(*) FROM relationship").fetchone()[0]  # type: ignore[index]
            size = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
            run.finished_at_ms = [row[0] for row in connection.execute(LAST_RUN_ENDS)]
        run.store_mb = size / 1e6
        return
    if not Path(db).exists():
        return
    with sqlite3.connect(db) as connection:
        run.entities = connection.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        run.relationships = connection.execute("SELECT COUNT(*) FROM relationship").fetchone()[0]
        run.finished_at_ms = [row[0] for row in connection.execute(LAST_RUN_ENDS)]
    run.store_mb = sum(p.stat().st_size for p in Path(db).parent.glob(Path(db).name + "*")) / 1e6


def print_runs(runs: list[Run], accounts: int) -> None:
    print(f"{'':<34}" + "".join(f"{r.label:>22}" for r in runs))
    rows: list[tuple[str, Any]] = [
        ("exit status", lambda r: f"{r.exit_code}"),
        ("wall time", lambda r: f"{r.wall_s:.1f} s"),
        ("time per account", lambda r: f"{1000 * r.wall_s / ((r.members or accounts) + 1):.1f} ms"),
        ("AWS calls (server count)", lambda r: f"{r.calls:,}"),
        ("calls per second", lambda r: f"{r.calls / r.wall_s:,.0f}"),
        ("replay misses / throttled", lambda r: f"{r.misses} / {r.throttled}"),
        ("CPU of the child", lambda r: f"{r.cpu_s:.1f} s"),
        ("CPU per call", lambda r: f"{r.cpu_ms_per_call:.2f} ms"),
        ("CPU of the replay server", lambda r: f"{r.server_cpu_s:.1f} s"),
        ("peak RSS, largest process", lambda r: f"{r.peak_rss_mb:.0f} MB"),
        ("peak RSS, all processes", lambda r: f"{r.tree_rss_mb:.0f} MB"),
        ("peak PSS, all processes", lambda r: f"{r.tree_pss_mb:.0f} MB"),
        ("store: entities / relationships", lambda r: f"{r.entities:,} / {r.relationships:,}"),
        ("store size", lambda r: f"{r.store_mb:.1f} MB"),
    ]
    for name, cell in rows:
        print(f"  {name:<32}" + "".join(f"{cell(r):>22}" for r in runs))
    print(f"  (load average of the machine after these runs: {os.getloadavg()[0]:.1f})")
    for run in runs:
        tenths = run.time_per_account_by_tenth()
        if tenths:
            cells = " ".join(f"{ms:.0f}" for ms in tenths)
            print(f"  {run.label}: ms per account in each tenth of the accounts, as they ended: {cells}")
    for run in runs:
        if run.exit_code:
            print(f"  {run.label} exited {run.exit_code}; its last lines:")
            for line in run.tail.splitlines():
                print(f"    {line}")


def print_memory(runs: list[Run]) -> None:
    """Each process of each run: at the peak of the RSS sum, and at its own peak."""
    print("  each process (MB): RSS = anonymous (heap) + file-backed (code, libraries); PSS shares")
    print("  the file-backed pages among the processes that map them")
    for run in runs:
        if run.memory is None:
            continue
        print(f"  {run.label}: at the peak of the RSS sum / at its own peak")
        for memory in run.memory.at_rss_peak:
            own = run.memory.largest.get(memory.pid, memory)
            print(f"    {memory.role:<8} {describe(memory)}   /   {describe(own)}")


def describe(memory: ProcessMemory) -> str:
    return (
        f"RSS {memory.rss:5.0f} = {memory.anonymous:4.0f} + {memory.file_backed:3.0f}, PSS {memory.pss:5.0f}"
    )


# ------------------------------------------------------------------ the bare boto3 loop


def bare_loop(url: str, recording_path: str, members: int) -> int:
    """The calls graph-aws makes, made by the plainest boto3 code: one client per service, one
    account after another. Returns the number of calls it made."""
    import boto3
    import botocore
    import botocore.exceptions
    import botocore.session
    from botocore.config import Config

    from graph_aws.demo.replay.organization import SyntheticOrganization
    from graph_aws.demo.replay.recording import Recording

    recording = Recording.load(Path(recording_path))
    session = botocore.session.Session()
    config = Config(retries={"mode": "standard", "total_max_attempts": 10}, max_pool_connections=10)
    boto = boto3.session.Session(botocore_session=session)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto.client(service, region_name=REGION, endpoint_url=url, config=config)  # type: ignore[call-overload]
        return clients[service]

    calls = 0

    def call(service: str, operation: str, **params: Any) -> Any:
        nonlocal calls
        calls += 1
        try:
            return getattr(client(service), botocore.xform_name(operation))(**params)
        except botocore.exceptions.ClientError as error:  # recorded errors are answers too
            return error.response

    call("sts", "GetCallerIdentity")
    call("organizations", "DescribeOrganization")
    roots = call("organizations", "ListRoots")["Roots"]
    queue = [r["Id"] for r in roots]
    while queue:
        parent = queue.pop(0)
        for operation, key in (
            ("ListOrganizationalUnitsForParent", "OrganizationalUnits"),
            ("ListAccountsForParent", "Accounts"),
        ):
            token = None
            while True:
                page = call(
                    "organizations",
                    operation,
                    ParentId=parent,
                    MaxResults=20,
                    **({"NextToken": token} if token else {}),
                )
                if key == "OrganizationalUnits":
                    queue += [u["Id"] for u in page[key]]
                token = page.get("NextToken")
                if not token:
                    break
    accounts, token = [], None
    while True:
        page = call("organizations", "ListAccounts", MaxResults=20, **({"NextToken": token} if token else {}))
        accounts += [a["Id"] for a in page["Accounts"]]
        token = page.get("NextToken")
        if not token:
            break
    for account in accounts:
        call("organizations", "ListTagsForResource", ResourceId=account)
    for policy in call("organizations", "ListPolicies", Filter="SERVICE_CONTROL_POLICY")["Policies"]:
        call("organizations", "DescribePolicy", PolicyId=policy["Id"])
        call("organizations", "ListTargetsForPolicy", PolicyId=policy["Id"])

    credentials = session.get_credentials()
    ambient = (credentials.access_key, credentials.secret_key, credentials.token)
    management = SyntheticOrganization(members).management_id
    template = json.dumps(recording.calls)
    for account in accounts:
        if account == management:
            credentials.access_key, credentials.secret_key, credentials.token = ambient
        else:
            credentials.access_key, credentials.secret_key, credentials.token = ambient
            assumed = call(
                "sts", "AssumeRole", RoleArn=f"arn:aws:iam::{account}:role/{ROLE_NAME}",
                RoleSessionName="bare-loop", ExternalId=EXTERNAL_ID,
            )["Credentials"]  # fmt: skip
            credentials.access_key = assumed["AccessKeyId"]
            credentials.secret_key = assumed["SecretAccessKey"]
            credentials.token = assumed["SessionToken"]
        for recorded in json.loads(template.replace(recording.account, account)):
            call(recorded["service"], recorded["operation"], **recorded["params"])
    return calls


# ------------------------------------------------------------------ main


def record_from_moto(path: Path) -> Path:
    from graph_aws.demo.moto_server import MotoServer
    from graph_aws.demo.replay.recording import record

    server = MotoServer().start()
    try:
        started = time.monotonic()
        recording = record(server.url)
        recording.save(path)
        calls = sum(recording.operations.values())
        elapsed = time.monotonic() - started
        print(f"recorded one account from moto in {elapsed:.1f} s: {calls} calls per account job")
    finally:
        server.stop()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--serial", action="store_true", help="default vs truly serial at --latency-ms")
    add("--cpu", action="store_true", help="CPU per call: graph-aws vs a bare boto3 loop, at 0 ms")
    add("--scale", action="store_true", help="--scale-accounts on each of --backends")
    add("--workers", action="store_true", help="--workers 1 vs --workers 2 at 0 ms (CPU-bound), SQLite")
    add("--memory", action="store_true", help="memory of the default collect at --memory-accounts, 0 ms")
    add("--memory-accounts", default="300,1000", help="members for --memory (default 300,1000)")
    add("--accounts", type=int, default=500, help="members for --serial and --cpu (default 500)")
    add("--latency-ms", type=float, default=20, help="latency per call for --serial and --scale (default 20)")
    add("--scale-accounts", default="1000,3000")
    add("--backends", default="sqlite,postgresql")
    add("--recording", type=Path, help="a recording to reuse (default: record one from moto)")
    add("--profile", type=Path, help="profile the default collect of --cpu into this file (cProfile)")
    add("--bare-loop-child", nargs=3, metavar=("URL", "RECORDING", "MEMBERS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    dummy_credentials()
    if args.bare_loop_child:
        url, recording, members = args.bare_loop_child
        print(json.dumps({"calls": bare_loop(url, recording, int(members))}))
        return 0
    everything = not (args.serial or args.cpu or args.scale or args.workers or args.memory)
    from importlib.metadata import version

    from graph_aws.demo.replay.server import ReplayServer

    print(f"graph-aws on the replay server: code {code_version()}")
    machine = f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    print(f"machine: {machine}, Python {platform.python_version()}, botocore {version('botocore')}")
    print(f"load average at start (the machine is shared): {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="graph-aws-bench-") as folder:
        work = Path(folder)
        recording = args.recording or record_from_moto(work / "recording.json")
        if args.serial or everything:
            print(
                f"\n== default vs truly serial: N = {args.accounts}, {args.latency_ms:g} ms per call, SQLite"
            )
            with ReplayServer(recording, args.accounts, latency_ms=args.latency_ms) as server:
                runs = [
                    collect("default", server, str(work / "default.db")),
                    collect(
                        "serial (1 x 1)",
                        server,
                        str(work / "serial.db"),
                        "--concurrency",
                        "1",
                        "--calls-per-account",
                        "1",
                        "--workers",
                        "1",
                    ),
                ]
            print_runs(runs, args.accounts)
            ratio = runs[1].wall_s / runs[0].wall_s
            print(f"  speed-up of the default over serial: x{ratio:.2f} (target x6)")
        if args.cpu or everything:
            print(f"\n== CPU per call: N = {args.accounts}, 0 ms per call")
            with ReplayServer(recording, args.accounts) as server:
                tool = collect("graph-aws default", server, str(work / "cpu.db"), profile=args.profile)
                loop_command = [
                    sys.executable,
                    __file__,
                    "--bare-loop-child",
                    server.url,
                    str(recording),
                    str(args.accounts),
                ]
                loop = run_child("bare boto3 loop", loop_command, server)
            print_runs([tool, loop], args.accounts)
            ratio = tool.cpu_ms_per_call / loop.cpu_ms_per_call
            print(f"  CPU per call, graph-aws / bare loop: {ratio:.2f} (target <= 1.2)")
            if args.profile:
                print(f"  profile of the graph-aws run (main thread only, cProfile) in {args.profile}")
        if args.workers or everything:
            print(f"\n== --workers 1 vs --workers 2: N = {args.accounts}, 0 ms per call (CPU-bound), SQLite")
            with ReplayServer(recording, args.accounts) as server:
                runs = [
                    collect(f"--workers {n}", server, str(work / f"workers-{n}.db"), "--workers", str(n))
                    for n in (1, 2)
                ]
            print_runs(runs, args.accounts)
            print(f"  speed-up of 2 workers over 1: x{runs[0].wall_s / runs[1].wall_s:.2f} (target x1.7)")
        if args.scale or everything:
            scale(args, recording, work)
        if args.memory:
            memory(args, recording, work)
    return 0


def memory(args: argparse.Namespace, recording: Path, work: Path) -> None:
    from graph_aws.demo.replay.server import ReplayServer

    runs = []
    for size in [int(n) for n in args.memory_accounts.split(",")]:
        with ReplayServer(recording, size) as server:
            run = collect(f"N = {size}", server, str(work / f"memory-{size}.db"))
        run.members = size
        runs.append(run)
    print(f"\n== memory: default settings, N = {args.memory_accounts}, 0 ms per call, SQLite, one region")
    print_runs(runs, 0)
    print_memory(runs)


def scale(args: argparse.Namespace, recording: Path, work: Path) -> None:
    from graph_aws.demo.postgres_cluster import PostgresCluster
    from graph_aws.demo.replay.server import ReplayServer

    sizes = [int(n) for n in args.scale_accounts.split(",")]
    backends = args.backends.split(",")
    cluster = PostgresCluster(durable=True).start() if "postgresql" in backends else None
    try:
        for size in sizes:
            print(f"\n== N = {size} members, one region, {args.latency_ms:g} ms per call, default settings")
            runs = []
            with ReplayServer(recording, size, latency_ms=args.latency_ms) as server:
                for backend in backends:
                    db = (
                        cluster.create_database(f"scale_{size}")
                        if backend == "postgresql" and cluster
                        else str(work / f"scale-{size}.db")
                    )
                    runs.append(collect(backend, server, db))
            print_runs(runs, size)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
