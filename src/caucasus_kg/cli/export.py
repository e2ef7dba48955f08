"""``caucasus-kg export``: the graph as a picture or a file for graph tools.

Wiring only: the network is made by :mod:`caucasus_kg.read.network`, the files by
:mod:`caucasus_kg.read.export`. Exit codes as everywhere: 0 written, 1 the store cannot be read or
built, 2 a usage error (unknown class, entity, source or date; Graphviz missing for ``svg``).
"""

from __future__ import annotations

from argparse import BooleanOptionalAction, Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, int_range, path_value
from caucasus_kg.read.export_options import EVIDENCE_KINDS, FORMATS, GRAPHVIZ_ENGINES, GROUP_BY

DESCRIPTION = """\
Export the graph as FORMAT: html (an interactive page that works offline), graphml, gexf
(dynamic, for Gephi's timeline), dot, svg (needs Graphviz), json (Cytoscape.js elements) or
timeline (events on a time axis, as an HTML page).

Nodes are actors, places, treaties and legislation, events, indicators and claims; evidence
quotes and their sources are attributes of the node they support (shown when a node is
clicked in the html page)."""

EPILOG = """\
examples:
  caucasus-kg export html -o graph.html
  caucasus-kg export html --focus cfe-treaty --depth 2 --exclude claim -o cfe.html
  caucasus-kg export gexf --since 2020 -o graph.gexf
  caucasus-kg export timeline --group-by treaty -o timeline.html
  caucasus-kg export svg --focus azerbaijan --depth 1 -o azerbaijan.svg"""


def configure(parser: CommandParser) -> None:
    parser.add_argument("fmt", metavar="FORMAT", choices=FORMATS,
                        help=f"One of {', '.join(FORMATS)}.")
    parser.add_argument("-o", "--output", type=path_value(folder=False), default=None,
                        metavar="FILE", help="File to write. Default: standard output.")
    parser.add_argument("--focus", metavar="ENTITY",
                        help="Only what lies within --depth links of ENTITY (id, label, alias, "
                        "QID or IRI).")
    parser.add_argument("--depth", type=int_range(0), default=2, metavar="N",
                        help="Links to follow from --focus, in either direction. Default: 2.")
    parser.add_argument("--include", action="append", default=[], metavar="CLASS",
                        help="Only nodes of CLASS: a kind (actor, place, instrument, event, "
                        "indicator, claim) or an ontology class (ArmsTransfer, Withdrawal...). "
                        "Repeat or separate with commas.")
    parser.add_argument("--exclude", action="append", default=[], metavar="CLASS",
                        help="Leave out nodes of CLASS (e.g. --exclude claim). Repeatable.")
    parser.add_argument("--since", metavar="DATE",
                        help="Leave out what is dated before DATE (YYYY, YYYY-MM or "
                        "YYYY-MM-DD). Undated nodes stay.")
    parser.add_argument("--until", metavar="DATE", help="Leave out what is dated after DATE.")
    parser.add_argument("--source", metavar="SOURCE",
                        help="Only what one source document supports (its id), and what that "
                        "links to.")
    parser.add_argument("--evidence", action="append", default=[], metavar="KIND",
                        choices=EVIDENCE_KINDS,
                        help="Only the facts and claims supported by evidence of KIND: a quote "
                        "of a stored text (quote), a quote of a text kept elsewhere "
                        "(anchored-quote), a report in the curator's words (report), a dataset "
                        "record (record). Repeatable.")
    parser.add_argument("--aggregate", action=BooleanOptionalAction, default=True,
                        help="Draw two or more arms transfers between the same supplier and "
                        "recipient as one weighted edge with their count and total value. "
                        "Default: on.")
    parser.add_argument("--detail", action="store_true",
                        help="Draw evidence quotes, source documents, claim propositions and "
                        "values as nodes too (by default they are attributes of the node they "
                        "support).")
    parser.add_argument("--group-by", choices=GROUP_BY, default="actor",
                        help="timeline: one lane per actor, per treaty or legislation, or one "
                        "lane. Default: actor.")
    parser.add_argument("--engine", choices=GRAPHVIZ_ENGINES, default="dot",
                        help="svg: the Graphviz layout program. Default: dot.")
    parser.add_argument("--title", help="Title of the page or drawing.")


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import err, fail, open_for_query, out, project_of
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.read.export import ExportError
    from caucasus_kg.read.export import export as run_export
    from caucasus_kg.read.network import Filters, NetworkError, build_network, describe_filters

    fmt, output = args.fmt, args.output
    filters = Filters(focus=args.focus, depth=args.depth, include=tuple(args.include),
                      exclude=tuple(args.exclude), since=args.since, until=args.until,
                      source=args.source, evidence=tuple(args.evidence),
                      aggregate=args.aggregate and fmt != "timeline", detail=args.detail)
    project = project_of(invocation)
    store = open_for_query(invocation, project)
    try:
        graph = build_network(store, filters)
    except NetworkError as exc:
        fail(ExitCode.USAGE, str(exc))
    if graph.number_of_nodes() == 0:
        err("warning: the filters leave nothing to draw; the file is empty")
    try:
        text = run_export(fmt, graph, title=args.title or "",
                          subtitle=describe_filters(filters), group_by=args.group_by,
                          engine=args.engine)
    except ExportError as exc:
        fail(ExitCode.USAGE, str(exc))
    if output is None:
        out(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(ExitCode.USAGE, f"cannot write {output}: {exc.strerror or exc}")
    if fmt == "timeline":
        events = sum(1 for _, d in graph.nodes(data=True) if d.get("kind") == "event")
        err(f"wrote {output}: timeline, {events} events")
    else:
        err(f"wrote {output}: {fmt}, {graph.number_of_nodes()} nodes, "
            f"{graph.number_of_edges()} links")

