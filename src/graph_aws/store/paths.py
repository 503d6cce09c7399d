"""What can be wrong with a SQLite store's path, found before SQLite is asked, in one line each.

SQLite's own messages ("unable to open database file") name neither the path nor the fix, and a
read command given a typo would silently create an empty store and succeed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from graph_aws.errors import StoreError, StorePathError

COLLECT_FIRST = "run `graph-aws collect` (or `graph-aws demo`) first, or give the path of an existing store"


def check_sqlite_path(path: Path, *, create: bool) -> None:
    """Raise StorePathError naming `path` and the fix, when a store cannot be at `path`.

    `create`: the command writes (collect), so a missing file is created; otherwise it only reads,
    and a missing file is an error rather than a new empty store."""
    shown = str(path)
    if path.is_dir():
        raise StorePathError(
            f"--db {shown}: is a folder; give the path of a file, e.g. {path / 'graph-aws.db'}"
        )
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise StorePathError(f"--db {shown}: the folder {parent} {what}; create it or give another path")
    if not path.exists():
        if not create:
            raise StorePathError(f"--db {shown}: no such store; {COLLECT_FIRST}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise StorePathError(
                f"--db {shown}: the folder {parent} is read-only; give a path where files can be written"
            )
        return
    if not os.access(path, os.R_OK):
        raise StorePathError(f"--db {shown}: permission denied (the file cannot be read)")
    if not create and path.stat().st_size == 0:
        raise StorePathError(f"--db {shown}: the file is empty, not a graph-aws store; {COLLECT_FIRST}")
    if create and not os.access(path, os.W_OK):
        raise StorePathError(
            f"--db {shown}: the file is read-only and collect writes to it; make it writable "
            "or give another path"
        )
    if create and not os.access(parent, os.W_OK | os.X_OK):
        raise StorePathError(
            f"--db {shown}: its folder {parent} is read-only, and SQLite writes beside the file "
            f"({path.name}-wal, {path.name}-shm); move the file or make the folder writable"
        )


# SQLite's primary result codes that are about the file rather than the statement.
_FILE_CONDITIONS = ("FULL", "IOERR", "READONLY", "BUSY", "LOCKED", "CORRUPT", "NOTADB", "CANTOPEN", "PERM")


def is_store_condition(error: sqlite3.Error) -> bool:
    name = str(getattr(error, "sqlite_errorname", "")).removeprefix("SQLITE_")
    return name.split("_")[0] in _FILE_CONDITIONS


def store_error(path: str, error: sqlite3.Error) -> StoreError:
    """One line for what SQLite reports: the path, what is wrong, and the fix."""
    text = str(error)
    lowered = text.lower()
    name = getattr(error, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR_WRITE") or "disk is full" in lowered:
        return StoreError(
            f"{path}: could not write: the disk is full or the file reached its size limit ({text}); "
            "nothing half-written was kept: free some space and run again"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StorePathError(f"--db {path}: cannot write it ({text}); make the file and its folder writable")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(f"{path} is locked by another process that is writing to it; wait for it to finish")
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return StorePathError(
            f"--db {path}: the file is damaged or is not a graph-aws store ({text}); restore it from a "
            "backup, or collect into a new file"
        )
    if "unable to open" in lowered:
        return StorePathError(f"--db {path}: cannot open it ({text}); check the path and its permissions")
    return StoreError(f"{path}: the SQLite store failed: {text}")
