"""Secrets are removed from whatever graph-aws prints or logs, in every form botocore writes them."""

import io
import logging

import pytest

from graph_aws import redaction

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEBYaDH/r+token=="


@pytest.fixture(autouse=True)
def registered():
    redaction.register(SECRET_KEY)
    redaction.register(TOKEN)


@pytest.mark.parametrize(
    "text",
    [
        f"<AssumeRoleResult><Credentials><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>",
        f"headers={{'X-Amz-Security-Token': b'{TOKEN}'}}",
        f"x-amz-security-token:{TOKEN}\nx-amz-date:20240101T000000Z",
        "Action=AssumeRole&ExternalId=ext%2Fid&RoleArn=arn",
        "{'RoleArn': 'arn:aws:iam::1:role/r', 'ExternalId': 'never-registered-id'}",
        '{"SecretAccessKey":"never-registered-key","SessionToken":"never-registered-token"}',
        f"url-encoded: {TOKEN.replace('/', '%2F').replace('+', '%2B').replace('=', '%3D')}",
    ],
)
def test_secrets_are_removed_raw_url_encoded_and_by_field_name(text):
    clean = redaction.redact(text)
    for secret in (SECRET_KEY, TOKEN, "ext%2Fid", "never-registered", "%2Fr%2Btoken"):
        assert secret not in clean
    assert redaction.MASK in clean


def test_text_without_secrets_is_unchanged():
    text = "DescribeRegions us-east-1: 17 regions; RoleArn=arn:aws:iam::111111111111:role/Reader"
    assert redaction.redact(text) == text


def test_the_formatter_redacts_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(redaction.RedactingFormatter("%(message)s"))
    logger = logging.getLogger("test-redaction")
    logger.addHandler(handler)
    try:
        logger.warning("key %s", SECRET_KEY)
        try:
            raise ValueError(f"token {TOKEN}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "ValueError" in text and SECRET_KEY not in text and TOKEN not in text


def test_a_forgotten_secret_is_no_longer_looked_for_unless_registered_again_elsewhere():
    account_token = "IQoJb3JpZ2luX2VjEJr//account+job=="
    redaction.register(account_token)  # two holders: say, an account job and a renewal of it
    redaction.register(account_token)
    redaction.forget([account_token])
    assert account_token not in redaction.redact(f"token {account_token}")
    redaction.forget([account_token])
    assert redaction.redact(f"token {account_token}") == f"token {account_token}"
    assert SECRET_KEY not in redaction.redact(SECRET_KEY)  # the others are still known
