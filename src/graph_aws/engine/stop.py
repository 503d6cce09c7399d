"""The run's stop signal: once set (SIGINT, SIGTERM, a store that cannot be written), no new job,
step or AWS call starts; what is in flight finishes or times out."""

from __future__ import annotations

import threading

from graph_aws.errors import Interrupted


class StopSignal:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        """Safe from a signal handler: it only sets a flag (the first reason is kept)."""
        if self.reason is None:
            self.reason = reason
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Interrupted when the run is stopping: call this before starting any work."""
        if self._event.is_set():
            raise Interrupted(f"not started: {self.reason}")
