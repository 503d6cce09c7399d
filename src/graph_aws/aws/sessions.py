"""Sessions and credentials: the ambient chain, AssumeRole with an external ID, refreshed before expiry.

Every session shares one botocore data loader: building a client from a fresh session otherwise
re-reads and re-parses the service model (about 280 ms for EC2), which a thousand accounts would pay
a thousand times.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.client
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from graph_aws.aws.limits import CallLimiter
from graph_aws.errors import CredentialsError

DEFAULT_REGION = "us-east-1"
SESSION_DURATION_SECONDS = 3600
# Adaptive mode adds client-side rate limiting on top of standard retries of throttling and
# transient errors (TooManyRequestsException, Throttling, RequestLimitExceeded, SlowDown, 5xx).
RETRY_ATTEMPTS = 10

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


def client_config(max_pool_connections: int = 10) -> Config:
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": RETRY_ATTEMPTS},
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


class _GivenCredentials(CredentialProvider):
    """Puts credentials we obtained ourselves (AssumeRole) first in a session's chain."""

    METHOD = "graph-aws-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


@dataclass(frozen=True)
class Identity:
    account_id: str
    arn: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]


class AccountSession:
    """The credentials of one account and the clients built from them (one per service and region).

    botocore clients are thread-safe once built; building them is not, hence the lock.
    """

    def __init__(
        self,
        botocore_session: botocore.session.Session,
        region: str,
        pool_size: int = 10,
        limiter: CallLimiter | None = None,
    ) -> None:
        self._session = botocore_session
        self.region = region
        self.pool_size = pool_size
        self.limiter = limiter
        self._config = client_config(pool_size)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def limited(self, calls: int) -> AccountSession:
        """The same credentials, with at most `calls` AWS calls in flight across all its clients."""
        return AccountSession(self._session, self.region, max(self.pool_size, calls), CallLimiter(calls))

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._session.create_client(service, region_name=key[1], config=self._config)
                if self.limiter:
                    self.limiter.attach(client)
                self._clients[key] = client
        return client

    def identity(self) -> Identity:
        try:
            response = self.client("sts").get_caller_identity()
        except (ClientError, BotoCoreError) as error:
            raise CredentialsError(f"no usable AWS credentials: {error}") from None
        return Identity(account_id=response["Account"], arn=response["Arn"])


def ambient_session(region: str | None = None, pool_size: int = 10) -> AccountSession:
    """The standard credential chain: environment, profiles, SSO, instance roles."""
    session = new_botocore_session()
    return AccountSession(
        session, region or session.get_config_variable("region") or DEFAULT_REGION, pool_size
    )


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def assume_role(
    source: AccountSession,
    arn: str,
    external_id: str | None,
    *,
    pool_size: int = 10,
    on_call: Callable[[], None] | None = None,
) -> AccountSession:
    """A session for `arn`, assumed from `source` with the external ID and a random session name.

    The first AssumeRole happens here, so a job that cannot get in fails before it starts; botocore
    calls AssumeRole again some minutes before the credentials expire, so a long run keeps going.
    """
    sts = source.client("sts")
    params: dict[str, Any] = {"RoleArn": arn, "DurationSeconds": SESSION_DURATION_SECONDS}
    if external_id:
        params["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        if on_call:
            on_call()
        response = sts.assume_role(RoleSessionName=f"graph-aws-{uuid.uuid4().hex[:16]}", **params)
        credentials = response["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    try:
        metadata = fetch()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "Error")
        message = error.response.get("Error", {}).get("Message", "")
        detail = f" ({message})" if message and arn not in message else ""
        raise CredentialsError(f"AssumeRole {arn}: {code}{detail}") from None
    except BotoCoreError as error:
        raise CredentialsError(f"AssumeRole into {arn} failed: {error}") from None
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=metadata, refresh_using=fetch, method=_GivenCredentials.METHOD
    )
    session = new_botocore_session()
    session.get_component("credential_provider").insert_before("env", _GivenCredentials(credentials))
    return AccountSession(session, source.region, pool_size)
