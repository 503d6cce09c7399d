"""botocore sessions that share what can be shared: the service models and the client classes.

Building a client from a fresh session otherwise re-reads and re-parses the service model (about
280 ms for EC2) and rebuilds the client class (a third of a client's cost).
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import botocore.client
import botocore.loaders
import botocore.session
from botocore.config import Config

RETRY_ATTEMPTS = 10  # total attempts of one call: throttling and transient errors are retried
_LOADER = botocore.loaders.create_loader()
_SHARED_CLASSES = "_graph_aws_shares_client_classes"


def _share_client_classes() -> None:
    """Build each service's client class once, not once per session.

    botocore builds a new class (one method per API operation, with its docstring) for every client
    of every session: a third of the cost of a client. Our sessions are all made alike by
    `new_botocore_session`, so a class built for one serves all; other sessions in the process are
    left alone (they are not marked).
    """
    creator: Any = botocore.client.ClientCreator  # the method is private: not in the type stubs
    create_class = creator._create_client_class
    if getattr(create_class, _SHARED_CLASSES, False):
        return
    classes: dict[tuple[str, str], type] = {}
    lock = threading.Lock()

    def shared(self: Any, service_name: str, service_model: Any) -> type:
        if not getattr(self._event_emitter, _SHARED_CLASSES, False):
            return create_class(self, service_name, service_model)
        key = (service_name, service_model.api_version)
        with lock:
            if key not in classes:
                classes[key] = create_class(self, service_name, service_model)
            return classes[key]

    setattr(shared, _SHARED_CLASSES, True)
    creator._create_client_class = shared


_share_client_classes()


def client_config(max_pool_connections: int, *, retry_mode: Literal["standard", "adaptive"]) -> Config:
    """Every client's settings. Adaptive mode adds a client-side rate limiter to the standard
    retries of throttling and transient errors (TooManyRequestsException, Throttling, SlowDown, 5xx)."""
    return Config(
        retries={"mode": retry_mode, "total_max_attempts": RETRY_ATTEMPTS},
        max_pool_connections=max_pool_connections,
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra="graph-aws",
    )


def new_botocore_session() -> botocore.session.Session:
    """A botocore session that shares the service models and client classes of all the others."""
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    setattr(session.get_component("event_emitter"), _SHARED_CLASSES, True)
    return session
