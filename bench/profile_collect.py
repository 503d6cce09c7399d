"""Profile `graph-aws collect` in every thread (cProfile sees only the thread it starts in).

    python bench/profile_collect.py OUT.pstats [--top 30] -- collect --organization ...
    python bench/profile_collect.py OUT.pstats --replay RECORDING --accounts N [--workers 1] [--db FILE]

Runs the command line in this process with a profiler in each thread (account jobs, steps and
regions all run in threads), timed by each thread's own CPU clock (waits cost nothing), merges
the profiles into OUT.pstats and prints the functions that cost the most CPU of their own, and the
share spent in botocore, urllib3, the store and graph-aws's other code. AWS_ENDPOINT_URL and
credentials come from the environment. With --replay, it starts the replay server on RECORDING
for N members and profiles replay_collect.py's collect against it (dummy credentials, one region).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

AREAS = (
    ("botocore", "/botocore/"),
    ("urllib3 and http.client", "/urllib3/"),
    ("http.client", "/http/client.py"),
    ("graph-aws store", "/graph_aws/store/"),
    ("graph-aws aws", "/graph_aws/aws/"),
    ("graph-aws engine", "/graph_aws/engine/"),
    ("graph-aws model", "/graph_aws/model/"),
    ("json", "/json/"),
    ("sqlite3 (C)", "sqlite3.Connection"),
)


def main() -> int:
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--replay", type=Path, help="a recording to replay (bench/replay_collect.py)")
    parser.add_argument("--accounts", type=int, default=60, help="members with --replay (default 60)")
    parser.add_argument("--workers", default="1", help="--workers with --replay (default 1)")
    parser.add_argument("--db", help="the store with --replay (default: a temporary SQLite file)")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    if args.replay:
        return profile_replay(args)
    return profile(command, args.out, args.top)


def profile_replay(args: argparse.Namespace) -> int:
    """The replay benchmark's collect, in this process, against a replay server of its own."""
    import os
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from graph_aws.demo.replay.server import ReplayServer
    from org_collect import dummy_credentials
    from replay_collect import EXTERNAL_ID, REGION, ROLE_NAME

    dummy_credentials()
    with tempfile.TemporaryDirectory(prefix="graph-aws-profile-") as folder:
        db = args.db or str(Path(folder) / "profile.db")
        command = [
            "collect", "--organization", "--role-name", ROLE_NAME, "--regions", REGION, "--db", db,
            "--workers", args.workers,
        ]  # fmt: skip
        with ReplayServer(args.replay, args.accounts) as server:
            os.environ.update({"AWS_ENDPOINT_URL": server.url, "GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID})
            started = time.process_time()
            code = profile(command, args.out, args.top)
            calls = server.stats()["served"]
        cpu = time.process_time() - started
        per_call = 1000 * cpu / max(calls, 1)
        print(f"{calls} calls, {cpu:.1f} s of process CPU (profiler included): {per_call:.2f} ms per call")
    return code


def profile(command: list[str], out: Path, top: int) -> int:

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)  # each thread's own CPU, not the wall clock
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original_run(self)
        finally:
            profile.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    main_profile = cProfile.Profile(time.thread_time)
    profiles.append(main_profile)
    from graph_aws.cli import cli

    main_profile.enable()
    try:
        cli(command, prog_name="graph-aws")
    except SystemExit as exit_:
        print(f"the command exited {exit_.code}", file=sys.stderr)
    finally:
        main_profile.disable()
        threading.Thread.run = original_run  # type: ignore[method-assign]

    stats = pstats.Stats(main_profile)
    for profile in profiles[:-1]:
        if profile.getstats():
            stats.add(profile)
    stats.dump_stats(str(out))
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        area = next((label for label, marker in AREAS if marker in filename or marker in name), "other")
        by_area[area] += row[2]
    print(f"own CPU time by area (all threads, {total:.1f} s of CPU profiled; cProfile's own cost included):")
    for area, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {area:<28}{seconds:8.1f} s  {100 * seconds / total:5.1f} %")
    stats.sort_stats("tottime").print_stats(top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
