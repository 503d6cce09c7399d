"""Account-wide IAM settings: the password policy, and the credential report's facts about each user
and about the root user (which has no entity of its own: its facts go on the aws_account)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graph_aws.aws.api import ACCESS_DENIED_CODES, error_code
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.iam.service import IAM, IAM_USER, NOT_FOUND, PASSWORD_POLICY
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    epoch_day_millis,
    epoch_millis,
    make_entity,
    make_relationship,
)

ROOT_USER = "<root_account>"  # the credential report's row for the account's root user
REPORT_POLL_DELAYS = (0.0, 0.0, 1.0, 2.0, 4.0)  # seconds before each GenerateCredentialReport
REPORT_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def to_password_policy(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=where.arn("iam", "account-password-policy", regional=False),
        type=PASSWORD_POLICY.type,
        classes=PASSWORD_POLICY.classes,
        name="Account Password Policy",
        properties={
            "minLength": raw.get("MinimumPasswordLength"),
            "requireSymbols": raw.get("RequireSymbols"),
            "requireNumbers": raw.get("RequireNumbers"),
            "requireUppercase": raw.get("RequireUppercaseCharacters"),
            "requireLowercase": raw.get("RequireLowercaseCharacters"),
            "allowUsersToChangePassword": raw.get("AllowUsersToChangePassword"),
            "expirePasswords": raw.get("ExpirePasswords"),
            "maxAgeDays": raw.get("MaxPasswordAge"),
            "historyCount": raw.get("PasswordReusePrevention"),
            "hardExpiry": raw.get("HardExpiry"),
            "accountId": where.account_id,
        },
    )


def fetch_password_policy(context: StepContext) -> None:
    resources: AccountResources = context.resources
    iam = resources.session.client("iam")
    try:
        # An answer at all says a policy is set, even one without its PasswordPolicy.
        raw = iam.get_account_password_policy().get("PasswordPolicy") or {}
    except Exception as error:
        if error_code(error) == NOT_FOUND:  # no policy set: AWS's defaults apply, nothing to record
            return
        raise
    where = Where(resources.account_id, resources.partition, resources.session.region)
    policy = context.job_state.add_entity(to_password_policy(raw, where))
    # Under aws_iam, as JupiterOne's rules query it (FIND aws_iam THAT !HAS aws_iam_account_password_policy).
    context.job_state.add_relationship(
        make_relationship(
            from_type=IAM.entity.type,
            from_key=IAM.key_of(resources.account_id),
            verb="HAS",
            to_entity=policy,
        )
    )


PASSWORD_POLICY_STEP = Step(
    id="fetch-iam-password-policy",
    name="Fetch the account's IAM password policy",
    handler=fetch_password_policy,
    entities=(PASSWORD_POLICY,),
    relationships=(IAM.has(PASSWORD_POLICY),),
    depends_on=(IAM.step_id,),
    permissions=("iam:GetAccountPasswordPolicy",),
)


def report_time(value: str | None, *, to_the_day: bool = False) -> int | None:
    """A credential report date (ISO 8601), or None for its N/A, no_information and not_supported.
    Last-use dates are kept to the day (see epoch_day_millis)."""
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return epoch_day_millis(parsed) if to_the_day else epoch_millis(parsed)


def report_flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


def user_report_properties(row: Mapping[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        # GetAccountAuthorizationDetails does not give it: the report does (to the day, a last use).
        "passwordLastUsed": report_time(row.get("password_last_used"), to_the_day=True),
        "passwordLastChanged": report_time(row.get("password_last_changed")),
        "passwordNextRotation": report_time(row.get("password_next_rotation")),
        "mfaActive": report_flag(row.get("mfa_active")),
    }
    for n in (1, 2):
        properties[f"accessKey{n}Active"] = report_flag(row.get(f"access_key_{n}_active"))
        properties[f"accessKey{n}LastRotated"] = report_time(row.get(f"access_key_{n}_last_rotated"))
        properties[f"accessKey{n}LastUsed"] = report_time(
            row.get(f"access_key_{n}_last_used_date"), to_the_day=True
        )
    return properties


def root_report_properties(row: Mapping[str, str]) -> dict[str, Any]:
    """JupiterOne's names for the root user's credentials, on the aws_account."""
    keys_used = [report_time(row.get(f"access_key_{n}_last_used_date"), to_the_day=True) for n in (1, 2)]
    keys_used_known = [u for u in keys_used if u is not None]
    return {
        "rootUserPasswordLastUsed": report_time(row.get("password_last_used"), to_the_day=True),
        "rootUserPasswordLastChanged": report_time(row.get("password_last_changed")),
        "rootUserAccessKeyEnabled": any(report_flag(row.get(f"access_key_{n}_active")) for n in (1, 2)),
        "rootUserAccessKeyLastUsed": max(keys_used_known) if keys_used_known else None,
        "rootUserMfaActive": report_flag(row.get("mfa_active")),
    }


def read_credential_report(iam: Any) -> str | None:
    """The report's CSV, generating it if needed; None if it is still not ready after a few polls."""
    for delay in REPORT_POLL_DELAYS:
        time.sleep(delay)
        if iam.generate_credential_report().get("State") == "COMPLETE":
            try:
                # A CSV in UTF-8; a byte that is not becomes U+FFFD rather than costing the report.
                return bytes(iam.get_credential_report().get("Content") or b"").decode("utf-8", "replace")
            except Exception as error:
                if error_code(error) not in REPORT_NOT_READY:
                    raise
    return None


def fetch_credential_report(context: StepContext) -> None:
    resources: AccountResources = context.resources
    try:
        report = read_credential_report(resources.session.client("iam"))
    except Exception as error:
        # The report only adds detail to entities other steps own, so a denial is a warning.
        if error_code(error) not in ACCESS_DENIED_CODES:
            raise
        context.warn(
            f"credential report not read ({error_code(error)}): the role needs iam:GetCredentialReport"
        )
        return
    if report is None:
        context.warn("credential report not ready after a few polls: left out this run")
        return
    state = context.job_state
    # newline="": a carriage return inside a quoted field is the field's, as the csv module wants.
    rows = csv.DictReader(io.StringIO(report, newline=""))
    try:
        for row in rows:
            user = state.find_entity(row.get("arn") or "")
            if row.get("user") == ROOT_USER:
                if state.find_entity(resources.account_key) is not None:
                    state.enrich_entity(resources.account_key, root_report_properties(row))
            elif user is not None and user["_type"] == IAM_USER.type:
                state.enrich_entity(user["_key"], user_report_properties(row))
    except csv.Error as error:  # what was read before is kept
        context.warn(f"credential report not read past line {rows.line_num}: it is not CSV ({error})")


CREDENTIAL_REPORT_STEP = Step(
    id="fetch-iam-credential-report",
    name="Fetch the IAM credential report (users' and the root user's credentials)",
    handler=fetch_credential_report,
    depends_on=("fetch-account", "fetch-iam-authorization-details"),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
)
