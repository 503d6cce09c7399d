"""Run graph-aws's command line, and SIGKILL it at an exact point of a write: when SQLite starts the
N-th statement that matches a pattern (`now`), at the next COMMIT after it (`commit`: the
transaction is lost), or at the statement after that COMMIT (`after-commit`: it is kept).

    python tests/kill_at.py PATTERN N now|commit|after-commit -- collect --organization ...

Nothing of graph-aws is replaced: the real code runs on the real SQLite; only a trace callback is
added to each connection, so the crash lands where a power cut or an OOM kill could.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import sys


def main() -> None:
    pattern, nth, when = re.compile(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    assert sys.argv[4] == "--" and when in ("now", "commit", "after-commit")
    state = {"seen": 0, "armed": False, "committed": False}
    real_connect = sqlite3.connect

    def trace(statement: str) -> None:
        if state["committed"]:
            os.kill(os.getpid(), signal.SIGKILL)
        if state["armed"] and statement.strip().upper().startswith("COMMIT"):
            if when == "commit":
                os.kill(os.getpid(), signal.SIGKILL)
            state["committed"] = True  # kill at the next statement, once this COMMIT is done
        if not state["armed"] and pattern.search(statement):
            state["seen"] += 1
            if state["seen"] == nth:
                if when == "now":
                    os.kill(os.getpid(), signal.SIGKILL)
                state["armed"] = True

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(trace)
        return connection

    sqlite3.connect = connect  # type: ignore[assignment]
    from graph_aws.cli import main as graph_aws

    sys.argv = ["graph-aws", *sys.argv[5:]]
    graph_aws()


if __name__ == "__main__":
    main()
