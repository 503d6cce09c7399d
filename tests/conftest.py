"""Shared fixtures: fake credentials, moto in-process, moto's server behind the fault proxy, stores."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest

from backends import Backend, postgresql_backend, sqlite_backend
from built_once import built_once
from graph_aws.demo.emulator import patch_moto
from graph_aws.demo.faultproxy import FaultProxy, Faults
from graph_aws.demo.moto_server import MotoServer
from graph_aws.demo.postgres_cluster import PostgresCluster, PostgresUnavailable
from graph_aws.store import SqliteStore, Store
from helpers import FAKE_CREDENTIALS


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach real AWS or a developer's profile."""
    isolate_from_aws(monkeypatch)


def isolate_from_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # moto in-process: 40 ms less per region
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("GRAPH_AWS_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def mock_aws() -> Iterator[None]:
    """moto in-process, patched for contact information and AWS's page size of 20."""
    from moto import mock_aws as moto_mock

    patch_moto()
    with moto_mock():
        yield


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the session. Where PostgreSQL is missing the PostgreSQL
    tests are skipped on a developer's machine, and fail on CI (which must install it)."""
    try:
        cluster = PostgresCluster().start()
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is needed on CI: {error}")
        pytest.skip(str(error))
    yield cluster
    cluster.stop()


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A new empty database for one test."""
    name = f"test_{os.getpid()}_{next(_databases)}"
    yield postgres_cluster.create_database(name)
    postgres_cluster.drop_database(name)


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each store test runs twice: on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        chosen = sqlite_backend(tmp_path)
    else:
        chosen = postgresql_backend(request.getfixturevalue("postgres_url"))
    yield chosen
    for opened in chosen.opened:
        opened.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """`backend` for a module's shared graph (the J1QL tests): one store per backend and module."""
    if request.param == "sqlite":
        yield from _opened(sqlite_backend(tmp_path_factory.mktemp("graph")))
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"module_{os.getpid()}_{next(_databases)}"
    yield from _opened(postgresql_backend(cluster.create_database(name)))
    cluster.drop_database(name)


def _opened(chosen: Backend) -> Iterator[Backend]:
    yield chosen
    for opened in chosen.opened:
        opened.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A SQLite store alone, for tests whose subject is a file: paths, permissions."""
    db = SqliteStore(tmp_path / "graph.db")
    yield db
    db.close()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@dataclass
class Emulated:
    """moto's server, reset for the test, with a fault proxy in front of it."""

    server: MotoServer
    proxy: FaultProxy

    def cli(
        self, *args: str, db: Path | str, env: dict[str, str] | None = None, **popen: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run the real command line against the proxy, as a user would."""
        return subprocess.run(
            self.command(*args, db=db),
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=300,
            **popen,
        )

    def start(
        self, *args: str, db: Path | str, env: dict[str, str] | None = None, **popen: Any
    ) -> Popen[str]:
        """The real command line, started in the background (to signal or kill it)."""
        return subprocess.Popen(
            self.command(*args, db=db),
            env=self.environment(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **popen,
        )

    def command(self, *args: str, db: Path | str) -> list[str]:
        return [sys.executable, "-m", "graph_aws.cli", *args, "--db", str(db)]

    def environment(self, env: dict[str, str] | None = None) -> dict[str, str]:
        return {**os.environ, **FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.proxy.url, **(env or {})}


@pytest.fixture
def emulated(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulated]:
    moto_server.reset()
    # Building the organization talks to the server directly, not through the faults.
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    proxy = FaultProxy(moto_server.url, Faults()).start()
    yield Emulated(moto_server, proxy)
    proxy.stop()


@pytest.fixture(scope="module")
def module_emulated(moto_server: MotoServer) -> Iterator[Emulated]:
    """`emulated` for a module whose tests share one organization, built by a module fixture.
    Module fixtures are set up before the autouse `aws_credentials`, so this isolates them too."""
    moto_server.reset()
    with pytest.MonkeyPatch.context() as env:
        isolate_from_aws(env)
        env.setenv("AWS_ENDPOINT_URL", moto_server.url)
        proxy = FaultProxy(moto_server.url, Faults()).start()
        yield Emulated(moto_server, proxy)
        proxy.stop()


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    """An organization with every resource type the demo seeds, in two regions, collected once per
    run in-process (the management account and four members, one skipped and one suspended)."""
    store = SqliteStore(built_once(tmp_path_factory, "seeded", _collect_seeded_organization))
    yield store
    store.close()


def _collect_seeded_organization(path: Path) -> None:
    from moto import mock_aws as moto_mock

    from graph_aws.config import load_settings
    from graph_aws.demo.emulator import build_organization
    from graph_aws.runner import Runner
    from helpers import EXTERNAL_ID, ROLE

    patch_moto()
    with pytest.MonkeyPatch.context() as env, moto_mock():
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        regions = ["us-east-1", "eu-west-1"]
        build_organization(4, users_per_account=1, resource_regions=regions, seeded_members=4)
        store = SqliteStore(path)
        settings = {"organization": True, "role_name": ROLE, "external_id": EXTERNAL_ID, "regions": regions}
        settings["workers"] = 1  # moto answers in this process only
        try:
            report = Runner(load_settings(settings, None, {}), store).run()
        finally:
            store.close()
        assert report.succeeded, report.failures
