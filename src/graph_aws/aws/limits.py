"""A bound on the AWS calls one account has in flight, whatever the steps and regions running.

With `--concurrency` accounts at once and this bound per account, a large organization never has
more than concurrency x calls_per_account calls open. A slot is held for the whole call, retries and
their back-off included (see shared_clients.BoundClient).
"""

from __future__ import annotations

import threading


class CallLimiter:
    def __init__(self, calls: int) -> None:
        self.calls = calls
        self._slots = threading.BoundedSemaphore(calls)

    def __enter__(self) -> CallLimiter:
        self._slots.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._slots.release()
