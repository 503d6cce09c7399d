"""Settings for `collect`: from the command line, `GRAPH_AWS_<OPTION>` variables and a TOML file.

Precedence: command line, then environment, then the config file, then defaults. Every problem is
reported before any AWS call, naming the setting, where it can be given, and the fix.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from graph_aws.aws.selection import Selection, SkipTag
from graph_aws.errors import ConfigError

ENV_PREFIX = "GRAPH_AWS_"
ACCOUNT_ID = re.compile(r"^\d{12}$")
OU_ID = re.compile(r"^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
LIST_SETTINGS = ("skip_accounts", "skip_ous", "include_ous", "regions")
SMART_CLASSES = "smart-classes"  # a table of its own: #Name = "the J1QL query that defines it"
SMART_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
    db: str = "graph-aws.db"

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

    @model_validator(mode="after")
    def _organization_needs_role(self) -> Settings:
        if self.organization and not self.role_name:
            raise ValueError(
                "--organization needs --role-name: the IAM role to assume in every member account"
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


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {path}: not valid TOML ({error})") from None


def _read_config_file(path: Path) -> dict[str, Any]:
    data = _load_toml(path)
    section = data.get("graph-aws", data)  # a [graph-aws] table, or top-level keys
    return {key.replace("-", "_"): value for key, value in section.items() if key != SMART_CLASSES}


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


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(f"{ENV_PREFIX}{name.upper()}")
        if raw is None:
            continue
        if name in LIST_SETTINGS:
            values[name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif name == "organization":
            values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
        else:
            values[name] = raw
    return values


def _option(name: str) -> str:
    singular = {"skip_accounts": "skip_account", "skip_ous": "skip_ou", "include_ous": "include_ou"}
    return "--" + singular.get(name, name).replace("_", "-")


def load_settings(
    command_line: Mapping[str, Any],
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the three sources. `command_line` holds only the options the user actually gave."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(f"{ENV_PREFIX}CONFIG")
    merged: dict[str, Any] = {}
    if config_file:
        merged.update(_read_config_file(Path(config_file)))
    merged.update(_from_environment(environ))
    merged.update({k: v for k, v in command_line.items() if v is not None and v != ()})
    for name in LIST_SETTINGS:
        if isinstance(merged.get(name), str | tuple):
            value = merged[name]
            merged[name] = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    try:
        return Settings(**merged)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else ""
            message = str(item["msg"]).removeprefix("Value error, ")
            if field in Settings.model_fields:
                where = f"{_option(field)} (or {ENV_PREFIX}{field.upper()}, or {field} in the config file)"
                problems.append(f"{where}: {message}")
            elif item["type"] == "extra_forbidden":
                problems.append(f"unknown setting {field!r} in the config file")
            else:
                problems.append(message)
        raise ConfigError("; ".join(problems)) from None
