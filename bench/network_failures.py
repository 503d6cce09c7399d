"""How long one AWS call takes to fail when the network fails, with graph-aws's call policy.

    .venv/bin/python bench/network_failures.py [--connect-timeout S] [--read-timeout S] [--call-timeout S]

Three endpoints on this machine: one that accepts connections and never answers, a closed port
(connection refused), and a host name that does not resolve. For each it prints the attempts made
and the wall time until the call gave up, with the defaults of `graph-aws collect` unless told
otherwise. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

from graph_aws.aws.api import network_problem
from graph_aws.aws.botocore_sessions import CallPolicy, client_config, new_botocore_session
from graph_aws.demo.moto_server import free_port


def silent_endpoint() -> str:
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            connection, _ = server.accept()
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}"


def time_to_fail(url: str, policy: CallPolicy) -> tuple[int, float, str]:
    session = new_botocore_session(policy)
    session.set_credentials("AKIDEXAMPLE", "not-a-secret")
    client = session.create_client(
        "sts",
        region_name="us-east-1",
        endpoint_url=url,
        config=client_config(2, retry_mode="standard", policy=policy),
    )
    attempts = []
    client.meta.events.register("before-send", lambda **_: attempts.append(1))
    started = time.monotonic()
    try:
        client.get_caller_identity()
        outcome = "answered"
    except Exception as error:
        outcome = network_problem(error) or f"{type(error).__name__}: {error}"
    return len(attempts), time.monotonic() - started, outcome


def main() -> None:
    defaults = CallPolicy()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect-timeout", type=float, default=defaults.connect_timeout)
    parser.add_argument("--read-timeout", type=float, default=defaults.read_timeout)
    parser.add_argument("--call-timeout", type=float, default=defaults.call_timeout)
    args = parser.parse_args()
    policy = CallPolicy(args.connect_timeout, args.read_timeout, args.call_timeout)
    print(
        f"connect timeout {policy.connect_timeout} s, read timeout {policy.read_timeout} s, "
        f"call timeout {policy.call_timeout} s"
    )
    cases = {
        "accepts, never answers": silent_endpoint(),
        "connection refused": f"http://127.0.0.1:{free_port()}",
        "DNS failure": "http://graph-aws-bench.invalid",
    }
    print(f"{'endpoint':<24} {'attempts':>8} {'seconds':>8}  reported as")
    for name, url in cases.items():
        attempts, seconds, outcome = time_to_fail(url, policy)
        print(f"{name:<24} {attempts:>8} {seconds:>8.1f}  {outcome}")


if __name__ == "__main__":
    main()
