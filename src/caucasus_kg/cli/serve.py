"""``caucasus-kg serve``: the read-only SPARQL endpoint and query page (:mod:`caucasus_kg.server`)."""

from __future__ import annotations

import re
import sys
from argparse import ArgumentTypeError, Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, float_range, int_range


def _is_loopback(host: str) -> bool:
    import ipaddress  # lazy: only when serving

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origin(value: str) -> str:
    if not re.fullmatch(r"https?://[^/\s?#]+", value):
        raise ArgumentTypeError(f"'{value}' is not an origin; write scheme, host and port only, "
                                "e.g. http://localhost:3000")
    return value


DESCRIPTION = """\
Serve the graph read-only over HTTP: a SPARQL 1.1 endpoint at /sparql, the canned questions at
/queries, entity pages at /entity/ID and a query page at /.

SPARQL Update, SERVICE and remote loading are refused. Builds the store first if there is
none. Stop with Ctrl+C."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="Address to listen on. Anything but loopback exposes the endpoint "
                        "to the network. Default: 127.0.0.1.")
    parser.add_argument("--port", default=8000, type=int_range(0, 65535),
                        help="Port to listen on. Default: 8000.")
    parser.add_argument("--query-timeout", default=10.0, metavar="SECONDS",
                        type=float_range(0.1),
                        help="Stop a query after this long (its worker process is killed): "
                        "HTTP 504. Default: 10.")
    parser.add_argument("--max-results", default=10_000, metavar="N", type=int_range(1),
                        help="Refuse answers with more rows or triples than this: HTTP 400. "
                        "Default: 10000.")
    parser.add_argument("--workers", default=2, type=int_range(1, 64),
                        help="Query worker processes, i.e. queries answered at the same time. "
                        "Default: 2.")
    parser.add_argument("--max-body", default=256 * 1024, metavar="BYTES",
                        type=int_range(1024),
                        help="Largest request body accepted: HTTP 413. Default: 262144.")
    parser.add_argument("--max-memory", default=2048, metavar="MIB", type=int_range(0),
                        help="Address-space limit of each query worker; 0 for none. "
                        "Default: 2048.")
    parser.add_argument("--allow-origin", dest="allow_origins", action="append", default=[],
                        metavar="ORIGIN", type=_origin,
                        help="Let pages from ORIGIN (e.g. http://localhost:3000) call the "
                        "endpoint; repeat for several. Requests from other origins are "
                        "refused: HTTP 403.")


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    import copy
    import logging

    import uvicorn

    from caucasus_kg.cli.common import err, open_for_query, project_of
    from caucasus_kg.server.app import create_app
    from caucasus_kg.server.config import LOOPBACK_HOSTS, ServerConfig


    host, port = args.host, args.port
    project = project_of(invocation)
    open_for_query(invocation, project)  # rolls back a half merge, builds a missing store, warns
    loopback = _is_loopback(host)
    if not loopback:
        err(f"warning: listening on {host}: anyone who can reach this address can query the "
            "graph")
    config = ServerConfig(
        query_timeout=args.query_timeout, max_results=args.max_results, workers=args.workers,
        max_body=args.max_body, max_memory_mb=args.max_memory or None,
        allowed_hosts=LOOPBACK_HOSTS if loopback and ":" not in host else None,
        allowed_origins=tuple(args.allow_origins))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    server_log = logging.getLogger("caucasus_kg.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    shown = f"[{host}]" if ":" in host else host
    err(f"caucasus-kg: serving {project.store_path} on http://{shown}:{port}/ "
        f"(SPARQL endpoint: http://{shown}:{port}/sparql)")
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is for data
    uvicorn.run(create_app(project, config), host=host, port=port, http="h11",
                lifespan="on", log_level="info", log_config=log_config, server_header=False,
                timeout_graceful_shutdown=5)
