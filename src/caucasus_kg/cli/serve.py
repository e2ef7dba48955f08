"""``caucasus-kg serve``: the read-only SPARQL endpoint and query page (:mod:`caucasus_kg.server`)."""

from __future__ import annotations

import copy
import ipaddress
import logging
import re
import sys

import click

from caucasus_kg.cli.common import open_for_query, project_of


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origins(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
             ) -> tuple[str, ...]:
    for value in values:
        if not re.fullmatch(r"https?://[^/\s?#]+", value):
            raise click.BadParameter(f"'{value}' is not an origin; write scheme, host and port "
                                     "only, e.g. http://localhost:3000")
    return values


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the endpoint to the "
              "network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--query-timeout", default=10.0, show_default=True, metavar="SECONDS",
              type=click.FloatRange(min=0.1),
              help="Stop a query after this long (its worker process is killed): HTTP 504.")
@click.option("--max-results", default=10_000, show_default=True, metavar="N",
              type=click.IntRange(min=1),
              help="Refuse answers with more rows or triples than this: HTTP 400.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes, i.e. queries answered at the same time.")
@click.option("--max-body", default=256 * 1024, show_default=True, metavar="BYTES",
              type=click.IntRange(min=1024), help="Largest request body accepted: HTTP 413.")
@click.option("--max-memory", default=2048, show_default=True, metavar="MIB",
              type=click.IntRange(min=0),
              help="Address-space limit of each query worker; 0 for none.")
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              callback=_origins,
              help="Let pages from ORIGIN (e.g. http://localhost:3000) call the endpoint; "
              "repeat for several. Requests from other origins are refused: HTTP 403.")
@click.pass_context
def command(ctx: click.Context, host: str, port: int, query_timeout: float, max_results: int,
          workers: int, max_body: int, max_memory: int, allow_origins: tuple[str, ...]) -> None:
    """Serve the graph read-only over HTTP: a SPARQL 1.1 endpoint at /sparql, the canned
    questions at /queries, entity pages at /entity/ID and a query page at /.

    SPARQL Update, SERVICE and remote loading are refused. Builds the store first if there is
    none. Stop with Ctrl+C.
    """
    import uvicorn  # lazy: the command's work

    from caucasus_kg.server.app import create_app  # lazy: the command's work
    from caucasus_kg.server.config import LOOPBACK_HOSTS, ServerConfig  # lazy: the command's work

    project = project_of(ctx)
    open_for_query(ctx, project)  # recovers an interrupted merge, builds a missing store, warns if stale
    loopback = _is_loopback(host)
    if not loopback:
        click.echo(f"warning: listening on {host}: anyone who can reach this address can query "
                   "the graph", err=True)
    config = ServerConfig(
        query_timeout=query_timeout, max_results=max_results, workers=workers,
        max_body=max_body, max_memory_mb=max_memory or None,
        allowed_hosts=LOOPBACK_HOSTS if loopback and ":" not in host else None,
        allowed_origins=tuple(allow_origins))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    server_log = logging.getLogger("caucasus_kg.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"caucasus-kg: serving {project.store_path} on http://{shown}:{port}/ "
               f"(SPARQL endpoint: http://{shown}:{port}/sparql)", err=True)
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is for data
    uvicorn.run(create_app(project, config), host=host, port=port, http="h11",
                lifespan="on", log_level="info", log_config=log_config, server_header=False,
                timeout_graceful_shutdown=5)
