"""Which process a run belongs to, so that a later run can tell a run still going on from one left
open by a process that died (killed, out of memory, the machine restarted)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class RunOwner:
    host: str
    pid: int
    started: str | None  # when the process started (boot ticks), so a reused pid is not mistaken

    def is_gone(self) -> bool:
        """True when this is our host and the owner process no longer runs; on another host we
        cannot tell, so False."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # it exists, under another user
        return self.started is not None and _start_time(self.pid) not in (None, self.started)


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def this_process() -> RunOwner:
    return RunOwner(socket.gethostname(), os.getpid(), _start_time(os.getpid()))
