"""Profile `graph-aws collect` in every thread (cProfile sees only the thread it starts in).

    python bench/profile_collect.py OUT.pstats [--top 30] -- collect --organization ...

Runs the command line in this process with a profiler in each thread (account jobs, steps and
regions all run in threads), timed by each thread's own CPU clock (waits cost nothing), merges
the profiles into OUT.pstats and prints the functions that cost the most CPU of their own, and the
share spent in botocore, urllib3, the store and graph-aws's other code. AWS_ENDPOINT_URL and
credentials come from the environment.
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
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]

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
    stats.dump_stats(str(args.out))
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        area = next((label for label, marker in AREAS if marker in filename or marker in name), "other")
        by_area[area] += row[2]
    print(f"own CPU time by area (all threads, {total:.1f} s of CPU profiled; cProfile's own cost included):")
    for area, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {area:<28}{seconds:8.1f} s  {100 * seconds / total:5.1f} %")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
