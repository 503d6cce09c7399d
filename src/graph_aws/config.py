"""Settings for `collect`: from the command line, `GRAPH_AWS_<OPTION>` variables and a TOML file.

Precedence: command line, then environment, then the config file, then defaults. Every problem is
reported before any AWS call, naming the setting, where it can be given, and the fix.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from graph_aws import redaction
from graph_aws.aws.botocore_sessions import known_regions
from graph_aws.aws.selection import Selection, SkipTag
from graph_aws.errors import ConfigError

ENV_PREFIX = "GRAPH_AWS_"
# With fewer accounts than this per worker, starting the workers costs more than they save.
ACCOUNTS_PER_WORKER = 20
ACCOUNT_ID = re.compile(r"^\d{12}$")
OU_ID = re.compile(r"^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
SHARD = re.compile(r"^(\d{1,4})/(\d{1,4})$")
RUN_GROUP = re.compile(r"^[\w.:/=+@-]{1,200}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
LIST_SETTINGS = ("skip_accounts", "skip_ous", "include_ous", "regions")
SMART_CLASSES = "smart-classes"  # a table of its own: #Name = "the J1QL query that defines it"
SMART_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
BOOLEAN_SETTINGS = ("organization", "allow_missing")
TIMEOUT_SETTINGS = ("connect_timeout", "read_timeout", "call_timeout")
SECRET_SETTINGS = ("external_id",)


class Settings(BaseModel):
    # strict: `concurrency = true` is not 1, `external-id = 1234` is not "1234".
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    organization: bool = False
    role_name: str | None = None
    external_id: SecretStr | None = None
    role_arn: str | None = None
    skip_tag: str = "j1-integration=SKIP"
    skip_accounts: list[str] = Field(default_factory=list)
    skip_ous: list[str] = Field(default_factory=list)
    include_ous: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    concurrency: int = Field(default=8, ge=1, le=128)
    calls_per_account: int = Field(default=8, ge=1, le=64)
    # AWS answers in well under a second; a connection that takes seconds is not coming.
    connect_timeout: float = Field(default=5, gt=0, le=300)
    read_timeout: float = Field(default=30, gt=0, le=900)
    call_timeout: float = Field(default=120, gt=0, le=3600)  # one call, all its retries included
    allow_missing: bool = False
    db: str = "graph-aws.db"
    workers: int | None = Field(default=None, ge=1, le=64)  # processes for account jobs; None: the cores
    shard: str = "0/1"  # K/N: this process ingests the K-th of N slices of the accounts (shards.py)
    run_group: str | None = None  # the name every shard of one run shares
    shard_wait: float = Field(default=900, gt=0, le=86400)  # seconds a shard waits for shard 0's listing

    @field_validator("role_name")
    @classmethod
    def _role_name(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_NAME.match(value):
            raise ValueError("a role name is 1 to 64 letters, digits or +=,.@_- (the name, not the ARN)")
        return value

    @field_validator("role_arn")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_ARN.match(value):
            raise ValueError("expected arn:aws:iam::<12-digit account id>:role/<name>")
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: SecretStr | None) -> SecretStr | None:
        # The message must not echo the value: it is a secret.
        if value is not None and not EXTERNAL_ID.match(value.get_secret_value()):
            raise ValueError("an external ID is 2 to 1224 letters, digits or +=,.@:/_- (value not shown)")
        return value

    @field_validator("skip_tag")
    @classmethod
    def _skip_tag(cls, value: str) -> str:
        key, sep, tag_value = value.partition("=")
        if not sep or not key.strip() or not tag_value.strip():
            raise ValueError("expected KEY=VALUE, for example j1-integration=SKIP")
        return value

    @field_validator("skip_accounts")
    @classmethod
    def _accounts(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not ACCOUNT_ID.match(v)]
        if bad:
            raise ValueError(f"account ids are 12 digits; not: {', '.join(bad)}")
        return values

    @field_validator("skip_ous", "include_ous")
    @classmethod
    def _ous(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not OU_ID.match(v)]
        if bad:
            raise ValueError(
                f"expected OU ids like ou-ab12-cd34ef56 (or a root r-ab12); not: {', '.join(bad)}"
            )
        return values

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not REGION.match(v)]
        if bad:
            raise ValueError(f"expected region names like us-east-1,eu-west-1; not: {', '.join(bad)}")
        return values

    @field_validator("shard")
    @classmethod
    def _shard(cls, value: str) -> str:
        match = SHARD.match(value)
        if not match or int(match[1]) >= int(match[2]):
            raise ValueError("expected K/N, the K-th (counting from 0) of N slices: 0/3, 1/3 or 2/3")
        return value

    @field_validator("run_group")
    @classmethod
    def _run_group(cls, value: str | None) -> str | None:
        if value is not None and not RUN_GROUP.match(value):
            raise ValueError(
                "a run group is 1 to 200 letters, digits or ._:/=+@- (a Job's name, a CI run id)"
            )
        return value

    @model_validator(mode="after")
    def _shards_need_a_group(self) -> Settings:
        if self.shard_count > 1 and not (self.organization and self.run_group):
            raise ValueError(
                "--shard slices an organization's accounts: it needs --organization and --run-group NAME, "
                "one name shared by every shard of the run (a Job's name, a CI run id)"
            )
        return self

    @property
    def shard_count(self) -> int:
        return int(self.shard.partition("/")[2])

    def worker_count(self, accounts: int, cores: int | None = None) -> int:
        """Processes for `accounts` account jobs: `--workers` if given, else the machine's cores but
        at least ACCOUNTS_PER_WORKER accounts each (a worker costs seconds of CPU to start); never
        more than the accounts."""
        wanted = self.workers or min(cores or os.cpu_count() or 1, accounts // ACCOUNTS_PER_WORKER)
        return max(1, min(wanted, accounts))

    @model_validator(mode="after")
    def _organization_needs_role(self) -> Settings:
        if self.organization and not self.role_name:
            raise ValueError(
                "--organization needs --role-name: the IAM role to assume in every member account"
            )
        return self

    @model_validator(mode="after")
    def _selection_needs_organization(self) -> Settings:
        given = [_option(n) for n in ("skip_accounts", "skip_ous", "include_ous") if getattr(self, n)]
        if given and not self.organization:
            raise ValueError(
                f"{', '.join(given)} choose member accounts, so they need --organization "
                "(without it only the account of the credentials is ingested)"
            )
        return self

    @model_validator(mode="after")
    def _regions_exist(self) -> Settings:
        unknown = [r for r in self.regions if r not in known_regions()]
        if unknown and not self.allow_missing:
            raise ValueError(
                f"--regions: {', '.join(unknown)}: not a region of AWS (as botocore {botocore.__version__} "
                "knows them); fix the name, or pass --allow-missing to go on without it"
            )
        return self

    @property
    def selection(self) -> Selection:
        key, _, value = self.skip_tag.partition("=")
        return Selection(
            skip_tag=SkipTag(key.strip(), value.strip()),
            skip_accounts=frozenset(self.skip_accounts),
            skip_ous=frozenset(self.skip_ous),
            include_ous=frozenset(self.include_ous),
        )

    def external_id_value(self) -> str | None:
        return self.external_id.get_secret_value() if self.external_id else None

    def public(self) -> dict[str, Any]:
        """The settings as recorded with a run: secrets left out."""
        values = self.model_dump(exclude={"external_id"})
        values["external_id_set"] = self.external_id is not None
        return values


TABLE = "graph-aws"
# Tables of the config file that other parts of graph-aws read (J1QL's #SmartClass names).
OTHER_TABLES = (SMART_CLASSES,)
ENV_TRUE, ENV_FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_NUMBERS = {
    "concurrency": int,
    "calls_per_account": int,
    "workers": int,
    "shard_wait": float,
    **dict.fromkeys(TIMEOUT_SETTINGS, float),
}


def _key(name: str) -> str:
    """A setting's name as the config file spells it in the README: role-name."""
    return name.replace("_", "-")


def _nearest(word: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(word.replace("_", "-").lower(), candidates, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"--config {path}: is a folder, not a TOML file") from None
    except PermissionError:
        raise ConfigError(f"--config {path}: permission denied (cannot read the file)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--config {path}: not valid TOML (not UTF-8 text)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {path}: not valid TOML ({error})") from None


def _read_config_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The settings of a config file, and one problem per key that would be ignored."""
    data = _load_toml(path)
    settings = [_key(name) for name in Settings.model_fields]
    problems: list[str] = []
    if TABLE in data:
        section = data[TABLE]
        if not isinstance(section, dict):
            raise ConfigError(f"--config {path}: {TABLE} must be a table ([{TABLE}]), not a single value")
        for key in data:
            if key == TABLE or key in OTHER_TABLES:
                continue
            hint = "" if isinstance(data[key], dict) else f": move it into the [{TABLE}] table"
            kind = f"table [{key}]" if isinstance(data[key], dict) else f"key {key!r}"
            problems.append(f"{kind} is outside [{TABLE}] and would be ignored{hint}")
    else:
        section = {k: v for k, v in data.items() if k not in OTHER_TABLES}
    values: dict[str, Any] = {}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name in Settings.model_fields and not isinstance(value, dict):
            values[name] = value
        elif key in OTHER_TABLES:
            problems.append(f"[{TABLE}.{key}] would be ignored: write it as a table of its own, [{key}]")
        elif isinstance(value, dict):
            problems.append(f"unknown table [{key}]{_nearest(key, [TABLE, *OTHER_TABLES])}")
        else:
            problems.append(f"unknown setting {key!r}{_nearest(key, settings)}")
    return values, [f"--config {path}: {p}" for p in problems]


def load_smart_classes(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The config file's [smart-classes] table: J1QL's `#Name` -> the query that defines it."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(f"{ENV_PREFIX}CONFIG")
    if not config_file:
        return {}
    table = _load_toml(Path(config_file)).get(SMART_CLASSES, {})
    if not isinstance(table, dict):
        raise ConfigError(f'--config {config_file}: [{SMART_CLASSES}] is a table of Name = "FIND ..."')
    for name, query in table.items():
        if not SMART_CLASS_NAME.match(name) or not isinstance(query, str):
            raise ConfigError(
                f'--config {config_file}: [{SMART_CLASSES}] {name!r}: each entry is Name = "FIND ..." '
                "(a name of letters, digits and _, starting with a letter)"
            )
    return dict(table)


def _from_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Settings from GRAPH_AWS_<NAME> variables (an empty one counts as unset), and their problems."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name in Settings.model_fields:
        variable = f"{ENV_PREFIX}{name.upper()}"
        raw = environ.get(variable, "").strip()
        if not raw:
            continue
        shown = "(value not shown)" if name in SECRET_SETTINGS else repr(raw)
        if name in LIST_SETTINGS:
            values[name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif name in BOOLEAN_SETTINGS:
            if raw.lower() not in ENV_TRUE + ENV_FALSE:
                problems.append(
                    f"{variable}={shown}: expected true or false (also 1/0, yes/no, on/off, any case)"
                )
            values[name] = raw.lower() in ENV_TRUE
        elif name in _NUMBERS:
            try:
                values[name] = _NUMBERS[name](raw)
            except ValueError:
                expected = "a whole number" if _NUMBERS[name] is int else "a number of seconds"
                problems.append(f"{variable}={shown}: expected {expected}")
        else:
            values[name] = raw
    return values, problems


def _option(name: str) -> str:
    singular = {"skip_accounts": "skip_account", "skip_ous": "skip_ou", "include_ous": "include_ou"}
    return "--" + singular.get(name, name).replace("_", "-")


_TYPE_NAMES = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
    list: "a list",
}


def _message(item: Any, source: str, name: str) -> str:
    """Pydantic's complaint in the user's terms: what was given, and what the setting takes."""
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"].endswith("_type"):
        given = item.get("input")
        given_type = "true/false" if isinstance(given, bool) else type(given).__name__
        annotation = Settings.model_fields[name].annotation
        wanted = next((text for t, text in _TYPE_NAMES.items() if t is annotation), None)
        if name in LIST_SETTINGS:
            wanted = "a list of strings (or one comma-separated string)"
        elif name == "external_id" or annotation == str | None:
            wanted = "a string"
        if wanted:
            shown = "" if name in SECRET_SETTINGS else f" {given!r}"
            message = f"expected {wanted}, not{shown} ({given_type})"
    return f"{source}: {message}"


def load_settings(
    command_line: Mapping[str, Any],
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the three sources. `command_line` holds only the options the user actually gave.
    Every value that would be ignored or is of the wrong type is an error naming it."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(f"{ENV_PREFIX}CONFIG")
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    if config_file:
        from_file, file_problems = _read_config_file(Path(config_file))
        problems += file_problems
        merged.update(from_file)
        sources.update({name: f"{_key(name)} in {config_file}" for name in from_file})
    from_environment, environment_problems = _from_environment(environ)
    problems += environment_problems
    merged.update(from_environment)
    sources.update({name: f"{ENV_PREFIX}{name.upper()}" for name in from_environment})
    given = {k: v for k, v in command_line.items() if v is not None and v != ()}
    merged.update(given)
    sources.update({name: _option(name) for name in given})
    for name in LIST_SETTINGS:
        if isinstance(merged.get(name), str | tuple):
            value = merged[name]
            merged[name] = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    if problems:
        raise ConfigError("; ".join(problems))
    try:
        settings = Settings(**merged)
    except ValidationError as error:
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else ""
            if field in Settings.model_fields:
                problems.append(_message(item, sources.get(field, _option(field)), field))
            else:
                problems.append(str(item["msg"]).removeprefix("Value error, "))
        raise ConfigError("; ".join(problems)) from None
    redaction.register(settings.external_id_value())
    return settings
