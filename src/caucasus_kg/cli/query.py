"""``caucasus-kg query``: answer a catalogue question, a .rq file or inline SPARQL."""

from __future__ import annotations

from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, lower_case
from caucasus_kg.read.query_formats import QUERY_FORMATS, SPREADSHEET_CSV, TABLE

DESCRIPTION = """\
Answer QUERY: a catalogue name (see `caucasus-kg queries`), a .rq file, or inline SPARQL.

Queries run read-only over all graphs, with the project's prefixes (ckg:, id:, prov:, oa:,
skos:, ...) predeclared."""

EPILOG = """\
examples:
  caucasus-kg query who-suspended-cfe
  caucasus-kg query treaty-status-as-of -p date=2023-12-01 -f csv
  caucasus-kg query 'SELECT ?s WHERE { ?s a ckg:State }'"""


def configure(parser: CommandParser) -> None:
    parser.add_argument("query", metavar="QUERY",
                        help="A catalogue name, a .rq file or inline SPARQL.")
    parser.add_argument("-p", "--param", dest="params", action="append", default=[],
                        metavar="NAME=VALUE", help="A query parameter; repeat for several.")
    parser.add_argument("-f", "--format", dest="fmt", choices=QUERY_FORMATS, default=TABLE,
                        type=lower_case, metavar="FORMAT",
                        help="table (the default): for people. csv, tsv, json, xml: the SPARQL "
                        "1.1 result formats (SELECT; json and xml for ASK). turtle, ntriples, "
                        "rdfxml, jsonld: for CONSTRUCT and DESCRIBE (json and xml there mean "
                        "jsonld and rdfxml). Byte for byte what `serve` sends for the same query "
                        "and format. csv-safe: CSV to open in a spreadsheet (SELECT): every cell "
                        "quoted, and a cell beginning with = + - @, a tab or a carriage return "
                        "prefixed with an apostrophe so that it is never run as a formula; what "
                        "the query page's Download CSV saves.")
    parser.add_argument("--allow-service", action="store_true",
                        help="Let the query's SERVICE clauses contact the servers they name "
                        "(refused otherwise).")


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import fail, open_for_query, out, parse_params, project_of
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.read.queries import QueryError, find_query, run_query
    from caucasus_kg.read.results import FormatError, formats_for, render_table, serialize, spreadsheet_csv

    fmt = args.fmt
    project = project_of(invocation)
    try:
        canned = find_query(args.query, project.queries_dir)
        bound = parse_params(args.params)
    except QueryError as exc:
        fail(ExitCode.USAGE, str(exc))
    if fmt != TABLE:
        _refuse_unfit_format(canned.text, fmt)
    store = open_for_query(invocation, project)
    try:
        result = run_query(canned, store, bound, allow_service=args.allow_service)
    except QueryError as exc:
        fail(ExitCode.USAGE if exc.usage else ExitCode.INVALID, str(exc))
    if fmt == TABLE:
        out(render_table(result), nl=False)
        return
    try:
        if fmt == SPREADSHEET_CSV:
            data = spreadsheet_csv(result)
        else:
            data = serialize(result, formats_for(result).named(fmt, also=(TABLE,)))
    except FormatError as exc:
        fail(ExitCode.USAGE, str(exc))
    out(data, nl=False)


def _refuse_unfit_format(text: str, fmt: str) -> None:
    """Exit 2 before the query runs when its form (SELECT, ASK, ...) has no such format."""
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import fail
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.core.sparql_text import SparqlSyntaxError, query_shape
    from caucasus_kg.read.results import FORM_FORMATS, FormatError

    try:
        form = query_shape(text).form
    except SparqlSyntaxError:
        return  # running it says what is wrong with the text
    if form in FORM_FORMATS:
        try:
            FORM_FORMATS[form].named("csv" if fmt == SPREADSHEET_CSV else fmt, also=(TABLE,))
        except FormatError as exc:
            fail(ExitCode.USAGE, str(exc).replace("format 'csv'", f"format '{fmt}'", 1))
