"""`graph-aws api-key create|list|revoke`: the keys `serve` accepts (registered by cli.py)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from graph_aws.output import render_rows
from graph_aws.serve.keys import create_api_key
from graph_aws.store import DEFAULT_DB, open_store

_DB_OPTION = click.option(
    "--db", default=DEFAULT_DB, show_default=True, help="The store whose `serve` the key is for."
)


def _iso(millis: int | None) -> str | None:
    return (
        None if millis is None else datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


@click.group("api-key")
def api_key_command() -> None:
    """Make, list and revoke the API keys that `graph-aws serve` accepts (Authorization: Bearer KEY)."""


@api_key_command.command("create")
@click.option("--name", required=True, help="What the key is for, e.g. the integration or the person.")
@_DB_OPTION
def create(name: str, db: str) -> None:
    """Make a key and print it, once: the store keeps only its hash."""
    store = open_store(db)
    try:
        key, record = create_api_key(store, name)
    finally:
        store.close()
    click.echo(key)
    click.echo(
        f"API key {record.name!r} (id {record.id}) created. It is shown only now: keep it in a secret store "
        "and pass it as JUPITERONE_API_KEY or --api-key.",
        err=True,
    )


@api_key_command.command("list")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
def list_keys(db: str, fmt: str) -> None:
    """List the keys (never their secrets): id, name, when made, whether revoked."""
    store = open_store(db)
    try:
        rows = [
            {
                "id": key.id,
                "name": key.name,
                "created": _iso(key.created_at),
                "status": "revoked" if key.revoked_at else "active",
                "revoked": _iso(key.revoked_at),
            }
            for key in store.api_keys()
        ]
    finally:
        store.close()
    render_rows(rows, ["id", "name", "created", "status", "revoked"], fmt, sys.stdout, title="API keys")


@api_key_command.command("revoke")
@click.argument("name_or_id")
@_DB_OPTION
def revoke(name_or_id: str, db: str) -> None:
    """Revoke the key with this name or id: `serve` refuses it from then on."""
    store = open_store(db)
    try:
        revoked = store.revoke_api_key(name_or_id)
    finally:
        store.close()
    if not revoked:
        raise click.ClickException(
            f"no active API key is named or numbered {name_or_id!r}; see `graph-aws api-key list`"
        )
    for key in revoked:
        click.echo(f"revoked API key {key.name!r} (id {key.id})")
