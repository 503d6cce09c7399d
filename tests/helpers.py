"""Constants the tests share (conftest.py holds the fixtures)."""

EXTERNAL_ID = "ext-id-5f1c9e0b7a"
ROLE = "OrganizationAccountAccessRole"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
