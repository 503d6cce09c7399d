"""botocore sessions that share what can be shared (the service models and the client classes),
and the policy every call of a run follows (timeouts, a time budget for its retries, the stop signal).

Building a client from a fresh session otherwise re-reads and re-parses the service model (about
280 ms for EC2) and rebuilds the client class (a third of a client's cost).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import botocore.client
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from graph_aws.engine import StopSignal

RETRY_ATTEMPTS = 10  # total attempts of one call: throttling and transient errors are retried
# A host that does not resolve or refuses connections is not throttling: a few tries are enough.
UNREACHABLE_ATTEMPTS = 3
_STARTED = "graph_aws_call_started"


class _ModelsWithoutDocumentation(botocore.loaders.Loader):
    """botocore's loader, but the service models it keeps lose their `documentation` strings (they
    serve only docstrings and help: 11 MB of 103 MB for 41 services' clients) and keep their shapes
    as text, each parsed when botocore asks for it (see _ShapesOnDemand)."""

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        model = super().load_service_model(service_name, type_name, api_version)
        if type_name == "service-2":
            with _MODEL_EDITS:  # the model is the loader's cached copy: edited once
                if not isinstance(model.get("shapes"), _ShapesOnDemand):
                    _strip_documentation(model)
                    model["shapes"] = _ShapesOnDemand(model.get("shapes", {}))
        return model


_MODEL_EDITS = threading.Lock()


def _strip_documentation(model: dict[str, Any]) -> None:
    """Drop the documentation of the service, its operations and its shapes and their members, in
    place (the loader's cached copy). Member names are data: only the documented keys are removed."""
    model.pop("documentation", None)
    for operation in model.get("operations", {}).values():
        operation.pop("documentation", None)
        operation.pop("documentationUrl", None)
        for error in operation.get("errors", ()):
            error.pop("documentation", None)
    for shape in model.get("shapes", {}).values():
        shape.pop("documentation", None)
        for member in shape.get("members", {}).values():
            member.pop("documentation", None)


class _ShapesOnDemand(Mapping[str, Any]):
    """A service model's shapes, each kept as compact JSON text and parsed anew when asked for.

    A run calls a few operations of each service (22 of EC2's 830), whose shapes are a sixth of the
    model; parsed, the whole of 47 services' shapes held 67 MB in every process. botocore reads
    shapes by name only (`ShapeResolver`) and keeps the Shape objects it builds from them (an
    operation's input and output, each member's shape), so the shapes of the operations called
    are parsed once and the rest stays text (about 40 MB less per process). Its scan of every
    shape for the service's exceptions parses each once and keeps only the exceptions."""

    def __init__(self, shapes: Mapping[str, Any]) -> None:
        self._texts = {name: json.dumps(shape, separators=(",", ":")) for name, shape in shapes.items()}

    def __getitem__(self, name: str) -> Any:
        return json.loads(self._texts[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, name: object) -> bool:
        return name in self._texts


_LOADER = _ModelsWithoutDocumentation()
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


@dataclass(frozen=True)
class CallPolicy:
    """How every AWS call of a run behaves.

    Each attempt waits at most `connect_timeout` to connect and `read_timeout` for an answer; a call
    is not retried once a further attempt could end after `call_timeout` (its first attempt
    included), nor after UNREACHABLE_ATTEMPTS when the host does not resolve or refuses; and once
    `stop` is set no call and no retry starts, so a stopping run waits for one read at most.
    """

    connect_timeout: float = 5
    read_timeout: float = 30
    call_timeout: float = 120
    stop: StopSignal | None = None

    def register(self, session: botocore.session.Session) -> None:
        """Clients built from `session` afterwards follow the policy (they copy its handlers)."""
        session.register("before-call.*.*", self._before_call)
        session.register("before-send.*.*", self._before_send)
        # More specific than botocore's own `needs-retry.<service>` handler, so it is asked first:
        # False ends the retries, None lets botocore decide (and compute the back-off).
        session.register("needs-retry.*.*", self._needs_retry)

    def _before_call(self, **kwargs: Any) -> None:
        if self.stop is not None:
            self.stop.check()
        kwargs["context"][_STARTED] = time.monotonic()

    def _before_send(self, **_: Any) -> None:
        if self.stop is not None:
            self.stop.check()  # a retry after the stop: refused (raised from the call)

    def _needs_retry(self, **kwargs: Any) -> Any:  # a handler's answer: False, or None to defer
        if self.stop:
            return False
        unreachable = isinstance(kwargs.get("caught_exception"), EndpointConnectionError)
        if unreachable and kwargs["attempts"] >= UNREACHABLE_ATTEMPTS:
            return False
        started = kwargs["request_dict"].get("context", {}).get(_STARTED)
        if started is not None and time.monotonic() - started + self.read_timeout > self.call_timeout:
            return False
        return None


def client_config(
    max_pool_connections: int,
    *,
    retry_mode: Literal["standard", "adaptive"],
    policy: CallPolicy | None = None,
) -> Config:
    """Every client's settings. Adaptive mode adds a client-side rate limiter to the standard
    retries of throttling and transient errors (TooManyRequestsException, Throttling, SlowDown, 5xx)."""
    policy = policy or CallPolicy()
    return Config(
        retries={"mode": retry_mode, "total_max_attempts": RETRY_ATTEMPTS},
        max_pool_connections=max_pool_connections,
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.read_timeout,
        user_agent_extra="graph-aws",
    )


def new_botocore_session(policy: CallPolicy | None = None) -> botocore.session.Session:
    """A botocore session that shares the service models and client classes of all the others,
    whose clients follow `policy` (given: timeouts and retries bounded, stop signal honoured)."""
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    setattr(session.get_component("event_emitter"), _SHARED_CLASSES, True)
    if policy is not None:
        policy.register(session)
    return session


_REGION_LOOKUPS = threading.Lock()


@functools.cache
def region_data_session() -> botocore.session.Session:
    """The process's one session for botocore's endpoint data (which regions offer a service).

    Each new session parses endpoints.json again on its first look-up (tens of ms): one per
    service was a quarter of a small collect's CPU. Only read, never used to build a client.
    """
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    return session


@functools.cache
def offered_regions(service: str, partition: str) -> frozenset[str]:
    """The regions of `partition` where botocore's endpoint data lists `service` (no AWS call)."""
    # Account jobs ask from many threads; the session builds its resolver lazily, so one at a time.
    with _REGION_LOOKUPS:
        return frozenset(region_data_session().get_available_regions(service, partition))


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition that this botocore knows (its endpoint data; no AWS call)."""
    session = region_data_session()
    regions: set[str] = set()
    with _REGION_LOOKUPS:
        for partition in session.get_available_partitions():
            for service in ("ec2", "sts"):
                regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)
