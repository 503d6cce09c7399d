"""Fixtures of the serve tests: a real serve on loopback, and the stores it serves."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from serve_helpers import Served, start_serve

from built_once import built_once
from graph_aws.store import SqliteStore


def _factory(folder: Path) -> tuple[Callable[..., Served], list[Served]]:
    started: list[Served] = []

    def start(
        db: Path | None = None, *options: str, cli_options: tuple[str, ...] = (), key: str | None = None
    ) -> Served:
        db = db or folder / f"served-{len(started)}.db"
        log = folder / f"serve-{len(started)}.log"
        served = start_serve(db, log, *options, cli_options=cli_options, key=key)
        started.append(served)
        return served

    return start, started


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    start, started = _factory(tmp_path)
    yield start
    for served in started:
        served.stop()


@pytest.fixture(scope="module")
def module_serve_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Served]]:
    """For a module's tests that only read: one serve each, started once (a start costs seconds)."""
    start, started = _factory(tmp_path_factory.mktemp("module-serve"))
    yield start
    for served in started:
        served.stop()


@pytest.fixture
def served(serve_factory: Callable[..., Served]) -> Served:
    return serve_factory()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's emulated organization, collected once per run by `graph-aws demo` (read-only for
    tests)."""
    return built_once(tmp_path_factory, "demo", _collect_demo)


def _collect_demo(db: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", "demo", "--db", str(db), "--accounts", "4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo-copy.db"
    source = SqliteStore(demo_db)  # a consistent copy, whatever the WAL holds
    try:
        source.read(f"VACUUM INTO '{copy}'")
    finally:
        source.close()
    return copy
