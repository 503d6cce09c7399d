"""Benchmark: how many calls a second the replay server answers (issue 10 item 5: at least 5,000).

It records one account from moto (or reads --recording), starts the replay server for N accounts,
and drives it from K client processes, each keeping C connections busy with the recorded calls of
random accounts (raw HTTP/1.1 keep-alive requests, so the client costs as little as it can). It
prints calls a second as the server counted them, the share that were answered from the recording,
and the CPU of the server and of the clients. It asserts nothing.

    python bench/replay_load.py [--accounts 1000] [--seconds 10] [--clients 1] [--connections 32]
        [--latency-ms 0] [--recording FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from org_collect import code_version, dummy_credentials, process_cpu_seconds  # noqa: E402


def request_bytes(key: str, account: str, template: str, port: int) -> bytes:
    """A raw request that the server files under `key`, signed as `account`."""
    from graph_aws.demo.replay.wire import access_key_for

    service, region, method, rest = key.split(" ", 3)
    target_and_query, target, body = rest.split(" ", 2)
    path, _, query = target_and_query.partition("?")
    request_target = f"{path}?{query}" if query else path
    request_target = request_target.replace(template, account)
    body_bytes = body.replace(template, account).encode()
    headers = [
        f"{method} {request_target} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: AWS4-HMAC-SHA256 Credential={access_key_for(account)}/20240101/{region}/{service}"
        "/aws4_request, SignedHeaders=host, Signature=0",
        f"Content-Length: {len(body_bytes)}",
    ]
    if target:
        headers += [f"X-Amz-Target: {target}", "Content-Type: application/x-amz-json-1.1"]
    elif body.startswith("{"):
        headers.append("Content-Type: application/json")
    elif body:
        headers.append("Content-Type: application/x-www-form-urlencoded; charset=utf-8")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body_bytes


async def drive(port: int, requests: list[bytes], connections: int, seconds: float) -> int:
    done = 0
    deadline = time.monotonic() + seconds

    async def one(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            writer.write(rng.choice(requests))
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            done += 1
        writer.close()

    await asyncio.gather(*(one(i) for i in range(connections)))
    return done


def client(
    port: int, recording: Path, accounts: int, connections: int, seconds: float, seed: int, out: Any
) -> None:
    from graph_aws.demo.replay.organization import SyntheticOrganization
    from graph_aws.demo.replay.recording import Recording

    loaded = Recording.load(recording)
    ids = SyntheticOrganization(accounts).account_ids
    rng = random.Random(seed)
    requests = [
        request_bytes(key, rng.choice(ids), loaded.account, port)
        for key in loaded.exchanges
        for _ in range(5)
    ]
    started = time.process_time()
    done = asyncio.run(drive(port, requests, connections, seconds))
    out.put((done, time.process_time() - started))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--connections", type=int, default=32, help="connections per client process")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--recording", type=Path, help="a recording to reuse (default: record one from moto)")
    args = parser.parse_args(argv)
    dummy_credentials()
    from graph_aws.demo.replay.server import ReplayServer

    print(f"replay server load: code {code_version()}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        recording = args.recording or record_from_moto(Path(folder) / "recording.json")
        with ReplayServer(recording, args.accounts, latency_ms=args.latency_ms) as server:
            port = int(server.url.rsplit(":", 1)[1])
            queue: Any = multiprocessing.Queue()
            processes = [
                multiprocessing.Process(
                    target=client,
                    args=(port, recording, args.accounts, args.connections, args.seconds, i, queue),
                )
                for i in range(args.clients)
            ]
            for process in processes:
                process.start()
            time.sleep(1.5)  # the clients' imports and request building, before counting starts
            server.reset()
            cpu_before = process_cpu_seconds(server.pid)
            started = time.monotonic()
            results = [queue.get(timeout=args.seconds + 120) for _ in processes]
            elapsed = time.monotonic() - started
            cpu_after = process_cpu_seconds(server.pid)
            stats = server.stats()
            for process in processes:
                process.join()
    served, misses = stats["served"], stats["misses"]
    server_cpu = (cpu_after or 0) - (cpu_before or 0)
    print(
        f"{args.accounts} accounts, {args.clients} client process(es) x {args.connections} connections, "
        f"latency {args.latency_ms} ms"
    )
    print(f"  calls answered        {served} in {elapsed:.1f} s = {served / elapsed:,.0f} calls/s")
    print(f"  from the recording    {served - misses} ({misses} misses)")
    print(f"  server CPU            {server_cpu:.1f} s ({1e6 * server_cpu / max(served, 1):.0f} us a call)")
    print(
        f"  client CPU            {sum(cpu for _, cpu in results):.1f} s "
        f"for {sum(n for n, _ in results)} calls"
    )
    return 0


def record_from_moto(path: Path) -> Path:
    from graph_aws.demo.moto_server import MotoServer
    from graph_aws.demo.replay.recording import record

    server = MotoServer().start()
    try:
        started = time.monotonic()
        recording = record(server.url)
        recording.save(path)
        print(
            f"recorded {sum(recording.operations.values())} calls of one account from moto "
            f"in {time.monotonic() - started:.1f} s"
        )
    finally:
        server.stop()
    return path


if __name__ == "__main__":
    sys.exit(main())
