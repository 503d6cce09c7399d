"""A throwaway PostgreSQL cluster for the tests and the benchmarks: initdb into a temporary folder,
a free port on the loopback address, stopped and removed afterwards.

initdb and postgres refuse to run as root; when this process is root, the cluster is made and run
as an unprivileged user (`postgres` where Debian's package created it, else `nobody`), which owns
the temporary folder and nothing else. Clients connect over TCP to 127.0.0.1 with trust
authentication: the cluster listens on loopback only and lives as long as the test session.

    cluster = PostgresCluster().start()
    url = cluster.create_database("graph")      # postgresql://graph@127.0.0.1:<port>/graph
    cluster.stop()

The server's binaries: $GRAPH_AWS_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin (Debian's
layout), else initdb and postgres on the PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from graph_aws.demo.moto_server import free_port

SUPERUSER = "graph"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the cluster would not start."""


def find_bindir() -> Path:
    configured = os.environ.get("GRAPH_AWS_PG_BINDIR")
    if configured:
        return Path(configured)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "no PostgreSQL server found (initdb): install it (apt-get install postgresql) "
        "or set GRAPH_AWS_PG_BINDIR to the folder of initdb and postgres"
    )


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The user the server runs as, or None to run it as ourselves (when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        "running as root, and there is no 'postgres' or 'nobody' user to run PostgreSQL as"
    )


class PostgresCluster:
    def __init__(self, *, durable: bool = False, settings: dict[str, str] | None = None) -> None:
        """`durable=False` (tests) turns fsync off: a throwaway cluster need not survive a crash."""
        self.bindir = find_bindir()
        self.port = free_port()
        self.host = "127.0.0.1"
        self.durable = durable
        self.settings = settings or {}
        self._user = _unprivileged_user()
        self._folder = Path(tempfile.mkdtemp(prefix="graph-aws-pg-"))
        self.data = self._folder / "data"
        self._process: subprocess.Popen[bytes] | None = None
        self._log = self._folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _run_as_owner(self, command: list[str], **options: object) -> subprocess.Popen[bytes]:
        user = self._user
        extra: dict[str, object] = {}
        if user is not None:
            extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        return subprocess.Popen(command, cwd=self._folder, env=env, **extra, **options)  # type: ignore[call-overload]

    def start(self, timeout: float = 60) -> PostgresCluster:
        if self._user is not None:
            os.chown(self._folder, self._user.pw_uid, self._user.pw_gid)
        initdb = self._run_as_owner(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        output, _ = initdb.communicate(timeout=timeout)
        if initdb.returncode:
            raise PostgresUnavailable(f"initdb failed: {output.decode(errors='replace').strip()[-500:]}")
        options = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self._folder),
            "max_connections": "200",
            "fsync": "on" if self.durable else "off",
            "synchronous_commit": "on" if self.durable else "off",
            "full_page_writes": "on" if self.durable else "off",
            **self.settings,
        }
        command = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for name, value in options.items():
            command += ["-c", f"{name}={value}"]
        with open(self._log, "wb") as log:
            self._process = self._run_as_owner(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise PostgresUnavailable(f"postgres exited at start: {self.log_tail()}")
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PostgresUnavailable(
                        f"postgres did not answer within {timeout} s: {self.log_tail()}"
                    ) from error
                time.sleep(0.1)

    def log_tail(self, lines: int = 10) -> str:
        try:
            return " | ".join(self._log.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
