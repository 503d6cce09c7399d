"""Expensive stores built once per test run, however many pytest processes share it (xdist's -n)."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A SQLite store that `build(path)` makes, for this process to use as it likes. Under xdist the
    first process to ask builds it, holding a lock in the folder its processes share, and the others
    wait for it and take a copy; in a single process it is simply built."""
    own = tmp_path_factory.mktemp(name) / f"{name}.db"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        build(own)
        return own
    shared = tmp_path_factory.getbasetemp().parent / f"built-once-{name}"
    shared.mkdir(exist_ok=True)
    finished = shared / f"{name}.db"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process dies
        if not finished.exists():  # not yet, or the process that tried first failed
            building = shared / "building" / f"{name}.db"
            shutil.rmtree(building.parent, ignore_errors=True)
            building.parent.mkdir()
            build(building)
            _single_file_copy(building, shared / "finished.tmp")
            os.replace(shared / "finished.tmp", finished)  # only ever seen whole
            shutil.rmtree(building.parent)
    shutil.copy(finished, own)
    return own


def _single_file_copy(db: Path, copy: Path) -> None:
    """The store and whatever its WAL still holds, as one file."""
    copy.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    try:
        connection.execute("VACUUM INTO ?", (str(copy),))
    finally:
        connection.close()
