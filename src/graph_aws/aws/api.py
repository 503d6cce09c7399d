"""Calling AWS: paging to the end, and telling a denial from other failures.

Retries of throttling and transient errors happen inside botocore (adaptive mode, see sessions.py),
so a page that is throttled is retried, not skipped. Any other error propagates at once and fails the
step, whose types then become partial: "could not see" never looks like "nothing there".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from graph_aws.engine import Step
from graph_aws.errors import GraphAwsError

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AWSOrganizationsNotInUseException",
    }
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


def _describe(step: Step, error: BaseException) -> str:
    code = error_code(error)
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
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
