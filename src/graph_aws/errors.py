"""Every error graph-aws raises on purpose.

    GraphAwsError                  base: the CLI prints its message on one line and exits 1
    ├── ConfigError                bad option, config file or environment variable: exit 2
    │   └── SelectionError         --skip-account, --skip-ou, --include-ou naming what the organization lacks
    ├── GraphObjectError           an entity or relationship breaks JupiterOne's rules
    │   └── UnconvertibleItem      an item AWS sent that cannot become an entity (no id): skipped, warned
    ├── DuplicateKeyError          a job produced two objects with the same _key
    ├── StepDefinitionError        a step graph that cannot run (unknown dependency, cycle)
    ├── CredentialsError           no usable credentials, or AssumeRole refused (a job that cannot start)
    ├── NetworkError               an AWS endpoint that cannot be reached or does not answer in time
    ├── Interrupted                a run stopped by a signal: no new call is started
    ├── PathError                  a file or folder given on the command line that cannot be used: exit 2
    │   └── OutputPathError        an output file or folder that cannot be written
    ├── StoreError                 the store cannot be used (disk full, locked)
    │   └── StorePathError         a store path that is missing, a folder, read-only, damaged (a PathError)
    └── J1QLError                  a J1QL query that cannot run (an unknown alias, a misplaced clause)
        └── J1QLSyntaxError        a J1QL query the grammar rejects: the query, a caret, what was expected

Messages never carry secrets: external IDs and credentials are not formatted into any of them (and
what is printed passes through graph_aws.redaction, belt and braces).
"""


class GraphAwsError(Exception):
    """Base of every error graph-aws raises on purpose."""

    exit_code = 1


class ConfigError(GraphAwsError):
    """A setting is missing or malformed; the message names the setting and the fix."""

    exit_code = 2


class SelectionError(ConfigError):
    """The accounts or OUs named to skip or include are not all in the organization."""


class GraphObjectError(GraphAwsError):
    """An entity or relationship breaks a JupiterOne data-model rule; the message names the object."""


class UnconvertibleItem(GraphObjectError):
    """An item of a list answer that cannot become an entity (its id is missing or empty): the step
    leaves out that item only, with a warning naming it, and keeps the others."""


class DuplicateKeyError(GraphObjectError):
    """Two objects of one job share a _key."""


class StepDefinitionError(GraphAwsError):
    """The declared step graph is inconsistent."""


class CredentialsError(GraphAwsError):
    """Credentials could not be obtained for a job."""


class NetworkError(GraphAwsError):
    """An endpoint refused the connection, did not resolve, or did not answer in time."""


class Interrupted(GraphAwsError):
    """SIGINT or SIGTERM arrived: calls not yet made are refused, so the job stops soon."""


class PathError(GraphAwsError):
    """A path the user gave is wrong: the message names it, what is wrong with it, and the fix."""

    exit_code = 2


class StoreError(GraphAwsError):
    """The store cannot be used."""


class StorePathError(StoreError, PathError):
    """The store's path is wrong: missing, a folder, read-only, or not a store."""


class OutputPathError(PathError):
    """An output path that cannot be used; the message names the path and what is wrong with it."""


class J1QLError(GraphAwsError):
    """A J1QL query that parses but cannot be answered as written; the message names the part."""


class J1QLSyntaxError(J1QLError):
    """A J1QL query the grammar rejects; the message shows the query with a caret and what was expected."""
