"""Sessions and credentials: the ambient chain, AssumeRole with an external ID, refreshed before expiry."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.client
import botocore.loaders
import botocore.session
from botocore.credentials import CredentialProvider, Credentials, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from graph_aws import redaction
from graph_aws.aws.api import network_problem
from graph_aws.aws.botocore_sessions import CallPolicy, client_config, new_botocore_session
from graph_aws.aws.limits import CallLimiter
from graph_aws.aws.shared_clients import BoundSession, SharedClients
from graph_aws.errors import CredentialsError, NetworkError

# Answers that mean the credentials themselves are wrong (rather than the network or a permission).
_BAD_CREDENTIALS = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "AccessDenied",
    }
)
# Real AWS secrets are 40 characters and more; emulators' fakes ("testing", "demo") are not secrets.
_AMBIENT_SECRET_MIN_LENGTH = 16

DEFAULT_REGION = "us-east-1"
SESSION_DURATION_SECONDS = 3600


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
    """The credentials of one account and clients of its own (the organization's calls, AssumeRole);
    account jobs call AWS through `bind()` instead, on the run's shared clients.

    botocore clients are thread-safe once built; building them is not, hence the lock.
    """

    def __init__(
        self,
        region: str,
        pool_size: int = 10,
        *,
        botocore_session: botocore.session.Session | None = None,
        credentials: RefreshableCredentials | None = None,
        secrets: list[str] | None = None,
        policy: CallPolicy | None = None,
    ) -> None:
        """From a botocore session (the ambient chain), or from credentials we obtained (AssumeRole),
        in which case the session is only built if this object's own clients are asked for.
        `secrets` is where those credentials' registrations with `redaction` are listed, renewals
        included, for `forget_secrets`."""
        self._session = botocore_session
        self._credentials = credentials
        self._secrets = secrets if secrets is not None else []
        self.region = region
        self.policy = policy
        self._config = client_config(pool_size, retry_mode="adaptive", policy=policy)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _botocore_session(self) -> botocore.session.Session:
        if self._session is None:
            self._session = new_botocore_session(self.policy)
            if self._credentials is not None:
                provider = _GivenCredentials(self._credentials)
                self._session.get_component("credential_provider").insert_before("env", provider)
        return self._session

    def bind(self, shared: SharedClients, calls: int) -> BoundSession:
        """This account's credentials on the run's shared clients, with at most `calls` calls in flight:
        what an account job's steps use."""
        credentials = self._credentials or self._botocore_session().get_credentials()
        if credentials is None:
            raise CredentialsError("no AWS credentials found (environment, profile, SSO or instance role)")
        if self._credentials is None:  # assumed credentials are registered as AssumeRole returns them
            _register_ambient(credentials)
        return BoundSession(shared, credentials, self.region, CallLimiter(calls))

    def forget_secrets(self) -> None:
        """Done with these credentials: `redaction` need no longer look for them."""
        redaction.forget(self._secrets)
        self._secrets.clear()

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._botocore_session()
                client = session.create_client(service, region_name=key[1], config=self._config)
                self._clients[key] = client
        return client

    def identity(self) -> Identity:
        """Who these credentials are (GetCallerIdentity): a network failure, missing or rejected
        credentials, and any other refusal are told apart."""
        try:
            response = self.client("sts").get_caller_identity()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "Error")
            message = error.response.get("Error", {}).get("Message", "")
            if code in _BAD_CREDENTIALS:
                raise CredentialsError(f"the AWS credentials were refused: {code} ({message})") from None
            raise CredentialsError(f"GetCallerIdentity failed: {code} ({message})") from None
        except BotoCoreError as error:
            network = network_problem(error)
            if network:
                raise NetworkError(f"cannot check the AWS credentials: {network}") from None
            raise CredentialsError(f"no usable AWS credentials: {error}") from None
        if self._session is not None and self._credentials is None:
            ambient = self._session.get_credentials()
            if ambient is not None:
                _register_ambient(ambient)
        return Identity(account_id=response["Account"], arn=response["Arn"])


def _register_ambient(credentials: Credentials) -> None:
    frozen = credentials.get_frozen_credentials()
    for secret in (frozen.secret_key, frozen.token):
        redaction.register(secret, min_length=_AMBIENT_SECRET_MIN_LENGTH)


def ambient_session(
    region: str | None = None, pool_size: int = 10, policy: CallPolicy | None = None
) -> AccountSession:
    """The standard credential chain: environment, profiles, SSO, instance roles."""
    session = new_botocore_session(policy)
    region = region or session.get_config_variable("region") or DEFAULT_REGION
    return AccountSession(region, pool_size, botocore_session=session, policy=policy)


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
    registered: list[str] = []

    def fetch() -> dict[str, str]:
        if on_call:
            on_call()
        response = sts.assume_role(RoleSessionName=f"graph-aws-{uuid.uuid4().hex[:16]}", **params)
        credentials = response["Credentials"]
        # Known as secrets before anything could log them (botocore logs the answer at DEBUG
        # before this returns: the field patterns of redaction cover that line).
        for secret in (credentials["SecretAccessKey"], credentials["SessionToken"]):
            redaction.register(secret)
            registered.append(secret)
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
        network = network_problem(error)
        raise CredentialsError(f"AssumeRole {arn}: {network or error}") from None
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=metadata, refresh_using=fetch, method=_GivenCredentials.METHOD
    )
    return AccountSession(
        source.region, pool_size, credentials=credentials, secrets=registered, policy=source.policy
    )
