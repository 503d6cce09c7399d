"""One botocore client per service and region for every account job of a run.

Building a botocore client costs 5 to 15 ms of CPU and about 1 MB; an account job needs one per
service and region (30 and more), so a client per account would cost 500 accounts minutes of CPU
and eight concurrent accounts hundreds of MB. Instead every account job shares one client per
service and region, and each call is signed with the credentials of the account that makes it:
`BoundClient` puts them in a context variable for the duration of the call (and of each page of a
paginator), and the shared clients' credentials object reads them from there at signing time.

Retries: the shared clients use botocore's standard mode (throttling and transient errors retried
with jittered exponential back-off), not adaptive mode, whose client-side rate limiter would be
shared too and would let one throttled account slow every other account's calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials

from graph_aws.aws.botocore_sessions import CallPolicy, client_config, new_botocore_session
from graph_aws.aws.limits import CallLimiter
from graph_aws.aws.run_memo import RunMemo
from graph_aws.errors import Interrupted

_CURRENT: ContextVar[Credentials | None] = ContextVar("graph_aws_account_credentials", default=None)


class _CallersCredentials(Credentials):
    """The credentials of whichever account is making the current call (see BoundClient)."""

    method = "graph-aws-account-bound"

    def __init__(self) -> None:  # nothing of its own: everything is read from the context
        pass

    @staticmethod
    def _current() -> Credentials:
        credentials = _CURRENT.get()
        if credentials is None:
            raise RuntimeError("a shared AWS client was called outside BoundClient: no account to sign for")
        return credentials

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return self._current().get_frozen_credentials()

    @property
    def access_key(self) -> str:  # type: ignore[override]
        return str(self._current().access_key)

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return str(self._current().secret_key)

    @property
    def token(self) -> str | None:  # type: ignore[override]
        return self._current().token


class _Provider(CredentialProvider):
    METHOD = _CallersCredentials.method

    def load(self) -> Credentials:
        return _CallersCredentials()


class SharedClients:
    """The run's clients for account jobs, built on first use; thread-safe."""

    def __init__(self, pool_size: int = 10, policy: CallPolicy | None = None) -> None:
        # The loader and client classes are shared with every other session (see sessions.py).
        self._session = new_botocore_session(policy)
        self._session.get_component("credential_provider").insert_before("env", _Provider())
        self._config = client_config(pool_size, retry_mode="standard", policy=policy)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.memo = RunMemo()  # what account jobs share besides clients (AWS-managed policy documents)

    def get(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self._session.create_client(service, region_name=region, config=self._config)
                self._clients[service, region] = client
            return client

    def __len__(self) -> int:
        return len(self._clients)


class BoundSession:
    """What an account job's steps call AWS through: shared clients, this account's credentials,
    and at most `limiter.calls` calls in flight. `interrupted` tells whether the run's stop signal
    refused any of its calls (then what the job found is incomplete)."""

    def __init__(
        self, shared: SharedClients, credentials: Credentials, region: str, limiter: CallLimiter
    ) -> None:
        self._shared = shared
        self._credentials = credentials
        self.region = region
        self.limiter = limiter
        self.memo = shared.memo
        self.interrupted = False

    def client(self, service: str, region: str | None = None) -> BoundClient:
        return BoundClient(self._shared.get(service, region or self.region), self._bound)

    @contextmanager
    def _bound(self) -> Iterator[None]:
        with self.limiter:
            token = _CURRENT.set(self._credentials)
            try:
                yield
            except Interrupted:
                self.interrupted = True
                raise
            finally:
                _CURRENT.reset(token)


class BoundClient:
    """A shared client seen through one account: each API call (and each page) is made as it."""

    def __init__(self, client: Any, bound: Callable[[], AbstractContextManager[None]]) -> None:
        self._client = client
        self._bound = bound

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name == "get_paginator":
            return lambda operation: _BoundPaginator(attribute(operation), self._bound)
        if name not in self._client.meta.method_to_api_mapping:
            return attribute  # exceptions, meta, can_paginate ...

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._bound():
                return attribute(*args, **kwargs)

        return call


class _BoundPaginator:
    def __init__(self, paginator: Any, bound: Callable[[], AbstractContextManager[None]]) -> None:
        self._paginator = paginator
        self._bound = bound

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        pages = iter(self._paginator.paginate(**kwargs))
        while True:
            with self._bound():  # each page is a call of its own
                page = next(pages, None)
            if page is None:
                return
            yield page
