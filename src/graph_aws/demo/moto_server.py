"""moto's HTTP server with graph-aws's patches, as a child process (tests and benchmarks).

Run directly: `python -m graph_aws.demo.moto_server -H 127.0.0.1 -p 5123`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """Starts the patched server on a free port and waits until it answers."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> MotoServer:
        # Without default AMIs an account's first EC2 call costs 5 ms instead of 43 ms.
        env = {**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
        env.pop("MOTO_ACCOUNT_ID", None)  # it would make every member look like the management account
        self._process = subprocess.Popen(
            [sys.executable, "-m", "graph_aws.demo.moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with status {self._process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {timeout} s")

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).close()

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    from graph_aws.demo.emulator import patch_moto

    patch_moto()
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
