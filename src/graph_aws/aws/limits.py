"""A bound on the AWS calls one account has in flight, whatever the steps and regions running.

With `--concurrency` accounts at once and this bound per account, a large organization never opens
more than concurrency x calls_per_account connections. The slot is held from botocore's
`before-call` to `after-call` (or `after-call-error`), retries and their back-off included.
"""

from __future__ import annotations

import threading
from typing import Any

_HELD = "graph_aws_call_slot"


class CallLimiter:
    def __init__(self, calls: int) -> None:
        self.calls = calls
        self._slots = threading.BoundedSemaphore(calls)

    def attach(self, client: Any) -> Any:
        events = client.meta.events
        events.register("before-call", self._acquire)
        events.register("after-call", self._release)
        events.register("after-call-error", self._release)
        return client

    def _acquire(self, context: dict[str, Any], **_: Any) -> None:
        self._slots.acquire()
        context[_HELD] = True

    def _release(self, context: dict[str, Any], **_: Any) -> None:
        if context.pop(_HELD, False):
            self._slots.release()
