"""`graph-aws serve`: the JupiterOne-compatible API and the web UI, under uvicorn (registered by cli.py)."""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import sys

import click

from graph_aws.store import DEFAULT_DB


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _listen(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so the address can be printed (port 0 picks a free one)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise click.UsageError(f"--host {host}: cannot resolve it ({error.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: an answer's headers and body leave at once, instead of the body
    # waiting for the client's delayed ACK (40 ms a request on a kept-alive connection).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror}; choose another --port"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _check_tls(cert: str, key: str) -> None:
    """Load the pair once before serving, so a bad file is one line here, not a traceback later."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", None) or error.strerror or type(error).__name__
        raise click.UsageError(
            f"--tls-cert {cert} / --tls-key {key}: cannot use them ({reason}); "
            "give a PEM certificate and its private key"
        ) from None


@click.command("serve")
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="The store to serve: a SQLite file path, or a postgresql:// URL (J1QL answers need SQLite so far).",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
)
@click.option(
    "--tls-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate: serve HTTPS."
)
@click.option(
    "--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key of --tls-cert."
)
@click.option(
    "--max-body-bytes",
    default=6 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest request body accepted; larger ones are answered 413.",
)
@click.option(
    "--query-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds a J1QL query may run before it is stopped.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="info logs one line per request (method, path, status, time); never a key, a header or a body.",
)
def serve_command(
    db: str,
    host: str,
    port: int,
    tls_cert: str | None,
    tls_key: str | None,
    max_body_bytes: int,
    query_timeout: float,
    log_level: str,
) -> None:
    """Serve JupiterOne's API (GraphQL queryV1, the persister's sync jobs) and a web UI over the store.

    Every route but /health and the UI's own files needs `Authorization: Bearer <key>`, with a key
    made by `graph-aws api-key create --name NAME`. Point JupiterOne's clients at it:
    `JupiterOneClient(url="http://127.0.0.1:8080/", sync_url="http://127.0.0.1:8080", ...)`, or
    `j1-integration sync --api-base-url http://127.0.0.1:8080`. Open the URL it prints for the UI.
    """
    import uvicorn

    from graph_aws.serve.app import ServeSettings, create_app
    from graph_aws.serve.ui import GRAPH_LIBRARY

    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if tls_cert and tls_key:
        _check_tls(tls_cert, tls_key)
    if not _is_loopback(host) and not tls_cert:
        click.echo(
            f"warning: serving on {host} without TLS: API keys and the graph cross the network in clear "
            "text; give --tls-cert and --tls-key, or keep the default --host 127.0.0.1",
            err=True,
        )
    for name in ("graph_aws.serve", "uvicorn.error"):
        logging.getLogger(name).setLevel(log_level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # its lines carry query strings; ours do not
    app = create_app(
        ServeSettings(
            db=db, host=host, port=port, max_body_bytes=max_body_bytes, query_timeout_s=query_timeout
        )
    )
    sock = _listen(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    scheme = "https" if tls_cert else "http"
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    click.echo(f"graph-aws serve: {scheme}://{shown}:{bound_port}/ (GraphQL, sync API and web UI)", err=True)
    if not GRAPH_LIBRARY.is_file():
        click.echo(
            "note: the web UI draws graphs with Cytoscape.js, which is not installed here: run `make ui` in "
            "the graph-aws checkout (it copies the pinned version from npm); tables work without it",
            err=True,
        )
    sys.stderr.flush()
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        log_level=log_level,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[sock])
