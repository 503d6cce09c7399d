"""Values every account job of a run shares, computed by the first job that needs them.

AWS-managed policies are the same in every account: their documents are read once per run, not once
per account. A job that asks while another computes the same value waits for it; a computation that
fails caches nothing, so the next job tries again with its own credentials.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class RunMemo:
    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                return self._values[key]
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = compute()
            with self._lock:
                self._values[key] = value
            return value

    def __len__(self) -> int:
        return len(self._values)
