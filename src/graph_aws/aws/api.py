"""Calling AWS: paging to the end, and telling a denial, a network failure and other failures apart.

Retries of throttling and transient errors happen inside botocore (see botocore_sessions.CallPolicy),
so a page that is throttled is retried, not skipped. Any other error propagates at once and fails the
step, whose types then become partial: "could not see" never looks like "nothing there".
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from graph_aws.engine import Step
from graph_aws.errors import GraphAwsError

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
NOT_IN_ORGANIZATION = (
    "this account is not in an AWS Organization; run without --organization to ingest this account "
    "alone, or run from the organization's management (or delegated administrator) account"
)
_DNS_FAILURES = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "name resolution",
)

# Organizations and most list APIs return at most 20 items a page; ask for that, so page counts are
# what AWS will actually charge against its rate limits.
ORGANIZATIONS_PAGE_SIZE = 20


def paginate(client: Any, operation: str, result_key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list operation, page after page until the last."""
    paginator = client.get_paginator(operation)
    for page in paginator.paginate(**params):
        yield from page.get(result_key, [])


def error_code(error: BaseException) -> str | None:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code")) or None
    return None


def http_status(error: BaseException) -> int | None:
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None
    return None


class RegionErrors(GraphAwsError):
    """Some regions (or the account, for a global service) could not be read; the others were."""

    def __init__(self, errors: Mapping[str, BaseException]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{region}: {error}" for region, error in sorted(self.errors.items())))


def _endpoint(url: str | None) -> str:
    """An endpoint as the user can check it: scheme, host and path, without the query."""
    parts = urllib.parse.urlsplit(url or "")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) or "the endpoint"


def network_problem(error: BaseException) -> str | None:
    """'network error: ...' naming the endpoint and what happened, or None for other errors."""
    if not isinstance(error, HTTPClientError | BotocoreConnectionError):
        return None
    kwargs = getattr(error, "kwargs", {})
    endpoint = _endpoint(kwargs.get("endpoint_url") or kwargs.get("proxy_url"))
    cause = str(kwargs.get("error") or "").lower()
    if isinstance(error, ReadTimeoutError):
        what = "no answer in time (read timeout; --read-timeout sets it)"
    elif isinstance(error, ConnectTimeoutError):
        what = "no connection in time (connect timeout; --connect-timeout sets it)"
    elif isinstance(error, ProxyConnectionError):
        what = "the proxy refused or did not answer (check HTTPS_PROXY)"
    elif isinstance(error, SSLError):
        what = "the TLS handshake failed (check the CA bundle and any proxy)"
    elif isinstance(error, ConnectionClosedError):
        what = "the connection was closed before an answer"
    elif isinstance(error, EndpointConnectionError) and any(d in cause for d in _DNS_FAILURES):
        what = "the host name does not resolve (DNS)"
    elif isinstance(error, EndpointConnectionError) and "refused" in cause:
        what = "the connection was refused"
    else:
        what = f"cannot connect ({cause or type(error).__name__})"
    return f"network error: {endpoint}: {what}; check the network, proxy and AWS_ENDPOINT_URL"


def _describe(step: Step, error: BaseException) -> str:
    code = error_code(error)
    network = network_problem(error)
    if network:
        return network
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        if code == "AWSOrganizationsNotInUseException":
            return NOT_IN_ORGANIZATION
        if code in ACCESS_DENIED_CODES:
            needs = ", ".join(step.permissions) or "its permissions"
            return f"access denied ({code}); the role needs {needs}"
        return f"{code}: {message}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


def describe_step_error(step: Step, error: BaseException) -> str:
    """One line for the run record: what failed (per region), and for a denial, which permissions
    the step needs."""
    if isinstance(error, RegionErrors):
        details = "; ".join(f"{region}: {_describe(step, e)}" for region, e in sorted(error.errors.items()))
        return f"{step.id}: {details}"
    return f"{step.id}: {_describe(step, error)}"
