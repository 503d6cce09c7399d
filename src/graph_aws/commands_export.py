"""`graph-aws export` (registered by cli.py with cli.add_command)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from graph_aws.errors import OutputPathError
from graph_aws.export.j1_export import export_j1
from graph_aws.export.json_export import write_json
from graph_aws.output import one_line_error
from graph_aws.store import DEFAULT_DB, Store, open_store

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _json_file(path: str) -> Path:
    file = Path(path).expanduser()
    if file.is_dir():
        raise OutputPathError(f"--output {path}: is a folder; --format json writes one file")
    if not file.parent.is_dir():
        what = "is a file, not a folder" if file.parent.exists() else "does not exist"
        raise OutputPathError(f"--output {path}: the folder {file.parent} {what}")
    return file


@click.command("export")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="The store: a SQLite file path.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "j1"]),
    default="json",
    show_default=True,
    help='json: {"entities": [...], "relationships": [...]} of the merged graph; '
    "j1: JupiterOne's SDK layout (graph/<stepId>/..., summary.json) in the --output folder.",
)
@click.option(
    "--output", help="json: the file to write (default: stdout). j1: the folder to write (required)."
)
def export_command(db: str, fmt: str, output: str | None) -> None:
    """Export the merged graph, as one JSON document or in JupiterOne's file layout
    (read by `j1-integration visualize` and `j1-integration sync`)."""
    if fmt == "j1" and not output:
        raise click.UsageError("--format j1 writes a folder: give it with --output DIR")
    try:
        file = _json_file(output) if fmt == "json" and output else None
        store = open_store(db, create=False)  # a read command: a missing store is an error
        try:
            if fmt == "j1":
                _export_j1(store, str(output))
            elif file is not None:
                _export_json(store, file, str(output))
            else:
                write_json(store, sys.stdout)
        finally:
            store.close()
    except OutputPathError as error:
        raise one_line_error(error) from None  # exit 2


def _export_j1(store: Store, output: str) -> None:
    counts = export_j1(store, output)
    files = counts.files["entities"] + counts.files["relationships"]
    _err.print(
        f"wrote {counts.entities} entities and {counts.relationships} relationships "
        f"({counts.mapped_relationships} mapped) in {files} files under {escape(output)}"
    )


def _export_json(store: Store, file: Path, output: str) -> None:
    try:
        with open(file, "w", encoding="utf-8") as out:
            entities, relationships = write_json(store, out)
    except PermissionError:
        raise OutputPathError(f"--output {output}: cannot write there (permission denied)") from None
    _err.print(f"wrote {entities} entities and {relationships} relationships to {escape(output)}")
