"""Every AWS call has bounded time: per-attempt timeouts, a budget for all its retries, few tries
for hosts that cannot be reached, and none at all once the run is stopping. Real sockets, real
botocore clients; network failures are reported naming the endpoint."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import BotoCoreError

from graph_aws.aws.api import network_problem
from graph_aws.aws.botocore_sessions import UNREACHABLE_ATTEMPTS, CallPolicy
from graph_aws.aws.sessions import ambient_session
from graph_aws.demo.moto_server import free_port
from graph_aws.engine import StopSignal
from graph_aws.errors import CredentialsError, Interrupted, NetworkError


class SilentServer:
    """Accepts connections, reads what comes, never answers (a firewall that swallows replies)."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.accepted = 0
        self._open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.accepted += 1
            self._open.append(connection)

    def close(self) -> None:
        self._socket.close()
        for connection in self._open:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def sts_client(url: str, policy: CallPolicy):
    return (
        ambient_session(policy=policy)
        ._botocore_session()
        .create_client("sts", region_name="us-east-1", endpoint_url=url, config=_config(policy))
    )


def _config(policy: CallPolicy):
    from graph_aws.aws.botocore_sessions import client_config

    return client_config(2, retry_mode="standard", policy=policy)


def timed_failure(call) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises((BotoCoreError, Interrupted)) as error:
        call()
    return error.value, time.monotonic() - started


def test_a_call_that_never_answers_gives_up_within_its_budget(silent):
    policy = CallPolicy(connect_timeout=1, read_timeout=0.5, call_timeout=2)
    error, elapsed = timed_failure(sts_client(silent.url, policy).get_caller_identity)
    assert elapsed < policy.call_timeout + 5  # not 10 tries with back-off
    assert silent.accepted >= 2  # it was retried, within the budget
    assert network_problem(error) == (
        f"network error: {silent.url}/: no answer in time (read timeout; --read-timeout sets it); "
        "check the network, proxy and AWS_ENDPOINT_URL"
    )


def test_a_refused_connection_is_tried_a_few_times_and_named():
    url = f"http://127.0.0.1:{free_port()}"
    attempts = []
    policy = CallPolicy(connect_timeout=1, read_timeout=1, call_timeout=60)
    client = sts_client(url, policy)
    client.meta.events.register("before-send", lambda **_: attempts.append(1))
    error, elapsed = timed_failure(client.get_caller_identity)
    assert len(attempts) == UNREACHABLE_ATTEMPTS
    assert elapsed < 10
    assert "the connection was refused" in network_problem(error) and url in network_problem(error)


def test_a_host_that_does_not_resolve_is_a_dns_failure():
    policy = CallPolicy(connect_timeout=2, read_timeout=2, call_timeout=20)
    error, _ = timed_failure(sts_client("http://graph-aws-no-such-host.invalid", policy).get_caller_identity)
    assert "graph-aws-no-such-host.invalid" in network_problem(error)
    assert "does not resolve (DNS)" in network_problem(error)


def test_once_stopped_no_call_starts(silent):
    stop = StopSignal()
    stop.set("interrupted by SIGTERM")
    policy = CallPolicy(read_timeout=5, stop=stop)
    error, elapsed = timed_failure(sts_client(silent.url, policy).get_caller_identity)
    assert isinstance(error, Interrupted) and "interrupted by SIGTERM" in str(error)
    assert silent.accepted == 0 and elapsed < 1


def test_a_stop_during_a_call_ends_its_retries(silent):
    stop = StopSignal()
    policy = CallPolicy(connect_timeout=1, read_timeout=0.5, call_timeout=60, stop=stop)
    client = sts_client(silent.url, policy)

    def stop_once_in_flight() -> None:
        while not silent.accepted:
            time.sleep(0.01)
        stop.set("interrupted by SIGINT")

    threading.Thread(target=stop_once_in_flight, daemon=True).start()
    error, elapsed = timed_failure(client.get_caller_identity)
    assert "no answer in time" in network_problem(error)  # the call in flight timed out...
    assert silent.accepted == 1  # ...and no retry started after the stop
    assert elapsed < 5


def test_checking_credentials_against_an_unreachable_endpoint_is_a_network_error(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    session = ambient_session(policy=CallPolicy(connect_timeout=1, read_timeout=1, call_timeout=5))
    with pytest.raises(NetworkError, match="network error: .*the connection was refused") as error:
        session.identity()
    assert not isinstance(error.value, CredentialsError)
    assert "no usable AWS credentials" not in str(error.value)
