"""``caucasus-kg query``: answer a catalogue question, a .rq file or inline SPARQL."""

from __future__ import annotations

import click

from caucasus_kg.cli.common import fail, open_for_query, parse_params, project_of
from caucasus_kg.core.diagnostics import ExitCode
from caucasus_kg.read.queries import QueryError, find_query, run_query
from caucasus_kg.read.results import FORMATS, render


@click.command("query")
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("--allow-service", is_flag=True,
              help="Let the query's SERVICE clauses contact the servers they name (refused "
              "otherwise).")
@click.pass_context
def command(ctx: click.Context, query: str, params: tuple[str, ...], fmt: str,
            allow_service: bool) -> None:
    """Answer QUERY: a catalogue name (see `queries`), a .rq file, or inline SPARQL.

    Queries run read-only over all graphs, with the project's prefixes (ckg:, id:, prov:, oa:,
    skos:, ...) predeclared.

    \b
    Examples:
      caucasus-kg query who-suspended-cfe
      caucasus-kg query treaty-status-as-of -p date=2023-12-01 -f csv
      caucasus-kg query 'SELECT ?s WHERE { ?s a ckg:State }'
    """
    project = project_of(ctx)
    try:
        canned = find_query(query, project.queries_dir)
        bound = parse_params(params)
    except QueryError as exc:
        fail(ExitCode.USAGE, str(exc))
    store = open_for_query(ctx, project)
    try:
        result = run_query(canned, store, bound, allow_service=allow_service)
    except QueryError as exc:
        fail(ExitCode.USAGE if exc.usage else ExitCode.INVALID, str(exc))
    click.echo(render(result, fmt), nl=False)
