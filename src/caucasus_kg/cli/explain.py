"""``caucasus-kg explain``: the evidence chain behind a node."""

from __future__ import annotations

from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, add_report_format

DESCRIPTION = """\
Show the evidence chain behind ENTITY (an id, label, alias, QID or IRI): what the graph
records, the verbatim quotes, their sources and whom each is attributed to."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("entity", metavar="ENTITY",
                        help="An id, label, alias, Wikidata QID or IRI.")
    add_report_format(parser)


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    import json

    from caucasus_kg.api.jobs import explain_entity
    from caucasus_kg.cli.common import fail, open_for_query, out, project_of
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.read.explain import render_text
    from caucasus_kg.read.queries import QueryError

    project = project_of(invocation)
    store = open_for_query(invocation, project)
    try:
        result = explain_entity(store, project, args.entity)
    except QueryError as exc:
        fail(ExitCode.USAGE, str(exc))
    if args.fmt == "json":
        out(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        out(render_text(result), nl=False)
