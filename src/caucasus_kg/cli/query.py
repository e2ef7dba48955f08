"""``caucasus-kg query``: answer a catalogue question, a .rq file or inline SPARQL."""

from __future__ import annotations

import click

from caucasus_kg.cli.common import fail, open_for_query, parse_params, project_of
from caucasus_kg.core.diagnostics import ExitCode
from caucasus_kg.read.results import (
    FORM_FORMATS,
    QUERY_FORMATS,
    SPREADSHEET_CSV,
    TABLE,
    FormatError,
    formats_for,
    render_table,
    serialize,
    spreadsheet_csv,
)


@click.command("query")
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--format", "-f", "fmt", type=click.Choice(QUERY_FORMATS, case_sensitive=False),
              default=TABLE, show_default=True,
              help="table: for people. csv, tsv, json, xml: the SPARQL 1.1 result formats "
              "(SELECT; json and xml for ASK). turtle, ntriples, rdfxml, jsonld: for CONSTRUCT "
              "and DESCRIBE (json and xml there mean jsonld and rdfxml). Byte for byte what "
              "`serve` sends for the same query and format. csv-safe: CSV to open in a "
              "spreadsheet (SELECT): every cell quoted, and a cell beginning with = + - @, a tab "
              "or a carriage return prefixed with an apostrophe so that it is never run as a "
              "formula; what the query page's Download CSV saves.")
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
    from caucasus_kg.read.queries import QueryError, find_query, run_query  # lazy: the command's work

    project = project_of(ctx)
    fmt = fmt.lower()
    try:
        canned = find_query(query, project.queries_dir)
        bound = parse_params(params)
    except QueryError as exc:
        fail(ExitCode.USAGE, str(exc))
    if fmt != TABLE:
        _refuse_unfit_format(canned.text, fmt)
    store = open_for_query(ctx, project)
    try:
        result = run_query(canned, store, bound, allow_service=allow_service)
    except QueryError as exc:
        fail(ExitCode.USAGE if exc.usage else ExitCode.INVALID, str(exc))
    if fmt == TABLE:
        click.echo(render_table(result), nl=False)
        return
    try:
        if fmt == SPREADSHEET_CSV:
            data = spreadsheet_csv(result)
        else:
            data = serialize(result, formats_for(result).named(fmt, also=(TABLE,)))
    except FormatError as exc:
        fail(ExitCode.USAGE, str(exc))
    click.echo(data, nl=False)


def _refuse_unfit_format(text: str, fmt: str) -> None:
    """Exit 2 before the query runs when its form (SELECT, ASK, ...) has no such format."""
    from caucasus_kg.core.sparql_text import SparqlSyntaxError, query_shape  # lazy: the command's work

    try:
        form = query_shape(text).form
    except SparqlSyntaxError:
        return  # running it says what is wrong with the text
    if form in FORM_FORMATS:
        try:
            FORM_FORMATS[form].named("csv" if fmt == SPREADSHEET_CSV else fmt, also=(TABLE,))
        except FormatError as exc:
            fail(ExitCode.USAGE, str(exc).replace("format 'csv'", f"format '{fmt}'", 1))
