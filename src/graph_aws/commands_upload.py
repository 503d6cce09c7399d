"""`graph-aws upload`: push the store's graph to a JupiterOne API (registered by cli.py)."""

from __future__ import annotations

import click

from graph_aws.export.upload import JobResult, UploadSettings, upload
from graph_aws.store import DEFAULT_DB, open_store


def _summary(result: JobResult) -> str:
    job = result.job
    line = (
        f"{result.scope}: {job.get('status')}: entities {job.get('numEntitiesUploaded')} sent, "
        f"{job.get('numEntitiesCreated')} created, {job.get('numEntitiesUpdated')} updated, "
        f"{job.get('numEntitiesDeleted')} deleted; relationships {job.get('numRelationshipsUploaded')} sent, "
        f"{job.get('numRelationshipsCreated')} created, {job.get('numRelationshipsUpdated')} updated, "
        f"{job.get('numRelationshipsDeleted')} deleted"
    )
    errors = job.get("numRelationshipCreateErrors")
    if errors:
        line += f"; {errors} not stored (an end is missing over there)"
    return line


@click.command("upload")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="The store to upload (a SQLite file path).")
@click.option(
    "--api-base-url",
    required=True,
    help="The JupiterOne API: https://api.us.jupiterone.io, or another `graph-aws serve` (http://host:8080).",
)
@click.option("--account", required=True, help="The JupiterOne account ID (sent as JupiterOne-Account).")
@click.option(
    "--api-key",
    envvar=["GRAPH_AWS_API_KEY", "JUPITERONE_API_KEY"],
    required=True,
    help="The API key. Prefer GRAPH_AWS_API_KEY or JUPITERONE_API_KEY: keep it off the command line.",
)
@click.option(
    "--scope-prefix",
    default="graph-aws",
    show_default=True,
    help="Each job's scope is <prefix>:<local scope> (account:<id>, organization:<o-id>, links).",
)
@click.option(
    "--batch-bytes",
    default=5_000_000,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest batch of entities or relationships per request, as JSON.",
)
def upload_command(
    db: str, api_base_url: str, account: str, api_key: str, scope_prefix: str, batch_bytes: int
) -> None:
    """Send the graph to a JupiterOne API the way JupiterOne's SDK does: one synchronization job per
    account scope (a DIFF: what is gone here is deleted there, except the types a collect could not
    read), 6 uploads in flight, retries with back-off, abort on error."""
    if not api_base_url.startswith(("http://", "https://")):
        raise click.UsageError(f"--api-base-url {api_base_url}: give an http:// or https:// URL")
    settings = UploadSettings(
        api_base_url=api_base_url,
        account=account,
        api_key=api_key,
        scope_prefix=scope_prefix,
        batch_bytes=batch_bytes,
    )
    store = open_store(db)
    try:
        results = upload(store, settings, lambda result: click.echo(_summary(result)))
    finally:
        store.close()
    click.echo(f"uploaded {len(results)} job(s) to {api_base_url}", err=True)
