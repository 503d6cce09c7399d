"""Every error graph-aws raises on purpose.

    GraphAwsError                  base: the CLI prints its message on one line and exits non-zero
    ├── ConfigError                bad option, config file or environment variable (before any AWS call)
    ├── GraphObjectError           an entity or relationship breaks JupiterOne's rules
    ├── DuplicateKeyError          a job produced two objects with the same _key
    ├── StepDefinitionError        a step graph that cannot run (unknown dependency, cycle)
    ├── CredentialsError           no usable credentials, or AssumeRole refused (a job that cannot start)
    ├── StoreError                 the store cannot be opened or is of an unknown kind
    ├── OutputPathError            an output file or folder that cannot be written (exit status 2)
    └── J1QLError                  a J1QL query that cannot run (an unknown alias, a misplaced clause)
        └── J1QLSyntaxError        a J1QL query the grammar rejects: the query, a caret, what was expected

Messages never carry secrets: external IDs and credentials are not formatted into any of them.
"""


class GraphAwsError(Exception):
    """Base of every error graph-aws raises on purpose."""


class ConfigError(GraphAwsError):
    """A setting is missing or malformed; the message names the setting and the fix."""


class GraphObjectError(GraphAwsError):
    """An entity or relationship breaks a JupiterOne data-model rule; the message names the object."""


class DuplicateKeyError(GraphObjectError):
    """Two objects of one job share a _key."""


class StepDefinitionError(GraphAwsError):
    """The declared step graph is inconsistent."""


class CredentialsError(GraphAwsError):
    """Credentials could not be obtained for a job."""


class StoreError(GraphAwsError):
    """The store cannot be used."""


class OutputPathError(GraphAwsError):
    """An output path that cannot be used; the message names the path and what is wrong with it."""


def redact(text: str, secrets: list[str | None]) -> str:
    """Remove secret values from a message that may quote a request (belt and braces)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class J1QLError(GraphAwsError):
    """A J1QL query that parses but cannot be answered as written; the message names the part."""


class J1QLSyntaxError(J1QLError):
    """A J1QL query the grammar rejects; the message shows the query with a caret and what was expected."""
