"""``caucasus-kg export``: the graph as a picture or a file for graph tools.

Wiring only: the network is made by :mod:`caucasus_kg.read.network`, the files by
:mod:`caucasus_kg.read.export`. Exit codes as everywhere: 0 written, 1 the store cannot be read or
built, 2 a usage error (unknown class, entity, source or date; Graphviz missing for ``svg``).
"""

from __future__ import annotations

from pathlib import Path

import click

from caucasus_kg.cli.common import fail, open_for_query, project_of
from caucasus_kg.core.diagnostics import ExitCode
from caucasus_kg.read.export_options import FORMATS, GRAPHVIZ_ENGINES, GROUP_BY


@click.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write. Default: standard output.")
@click.option("--focus", metavar="ENTITY",
              help="Only what lies within --depth links of ENTITY (id, label, alias, QID or IRI).")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="Links to follow from --focus, in either direction.")
@click.option("--include", "include", multiple=True, metavar="CLASS",
              help="Only nodes of CLASS: a kind (actor, place, instrument, event, indicator, "
              "claim) or an ontology class (ArmsTransfer, Withdrawal...). Repeat or separate "
              "with commas.")
@click.option("--exclude", "exclude", multiple=True, metavar="CLASS",
              help="Leave out nodes of CLASS (e.g. --exclude claim). Repeatable.")
@click.option("--since", metavar="DATE", help="Leave out what is dated before DATE "
              "(YYYY, YYYY-MM or YYYY-MM-DD). Undated nodes stay.")
@click.option("--until", metavar="DATE", help="Leave out what is dated after DATE.")
@click.option("--source", metavar="SOURCE",
              help="Only what one source document supports (its id), and what that links to.")
@click.option("--evidence", "evidence", multiple=True, metavar="KIND",
              type=click.Choice(["quote", "anchored-quote", "report", "record"]),
              help="Only the facts and claims supported by evidence of KIND: a quote of a stored "
              "text, a quote of a text kept elsewhere, a report in the curator's words, a "
              "dataset record. Repeatable.")
@click.option("--aggregate/--no-aggregate", default=True, show_default=True,
              help="Draw two or more arms transfers between the same supplier and recipient as "
              "one weighted edge with their count and total value.")
@click.option("--detail", is_flag=True,
              help="Draw evidence quotes, source documents, claim propositions and values as "
              "nodes too (by default they are attributes of the node they support).")
@click.option("--group-by", type=click.Choice(GROUP_BY), default="actor", show_default=True,
              help="timeline: one lane per actor, per treaty or legislation, or one lane.")
@click.option("--engine", type=click.Choice(GRAPHVIZ_ENGINES), default="dot", show_default=True,
              help="svg: the Graphviz layout program.")
@click.option("--title", help="Title of the page or drawing.")
@click.pass_context
def command(ctx: click.Context, fmt: str, output: Path | None, focus: str | None, depth: int,
           include: tuple[str, ...], exclude: tuple[str, ...], since: str | None,
           until: str | None, source: str | None, evidence: tuple[str, ...], aggregate: bool,
           detail: bool,
           group_by: str, engine: str, title: str | None) -> None:
    """Export the graph as FORMAT: html (an interactive page that works offline), graphml,
    gexf (dynamic, for Gephi's timeline), dot, svg (needs Graphviz), json (Cytoscape.js
    elements) or timeline (events on a time axis, as an HTML page).

    Nodes are actors, places, treaties and legislation, events, indicators and claims; evidence
    quotes and their sources are attributes of the node they support (shown when a node is
    clicked in the html page).

    \b
    Examples:
      caucasus-kg export html -o graph.html
      caucasus-kg export html --focus cfe-treaty --depth 2 --exclude claim -o cfe.html
      caucasus-kg export gexf --since 2020 -o graph.gexf
      caucasus-kg export timeline --group-by treaty -o timeline.html
      caucasus-kg export svg --focus azerbaijan --depth 1 -o azerbaijan.svg
    """
    from caucasus_kg.read.export import ExportError  # lazy: the command's work
    from caucasus_kg.read.export import export as run_export  # lazy: the command's work
    from caucasus_kg.read.network import Filters, NetworkError, build_network, describe_filters  # lazy: work

    filters = Filters(focus=focus, depth=depth, include=include, exclude=exclude, since=since,
                      until=until, source=source, evidence=evidence,
                      aggregate=aggregate and fmt != "timeline", detail=detail)
    project = project_of(ctx)
    store = open_for_query(ctx, project)
    try:
        graph = build_network(store, filters)
    except NetworkError as exc:
        fail(ExitCode.USAGE, str(exc))
    if graph.number_of_nodes() == 0:
        click.echo("warning: the filters leave nothing to draw; the file is empty", err=True)
    try:
        text = run_export(fmt, graph, title=title or "", subtitle=describe_filters(filters),
                          group_by=group_by, engine=engine)
    except ExportError as exc:
        fail(ExitCode.USAGE, str(exc))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(ExitCode.USAGE, f"cannot write {output}: {exc.strerror or exc}")
    if fmt == "timeline":
        events = sum(1 for _, d in graph.nodes(data=True) if d.get("kind") == "event")
        click.echo(f"wrote {output}: timeline, {events} events", err=True)
    else:
        click.echo(f"wrote {output}: {fmt}, {graph.number_of_nodes()} nodes, "
                   f"{graph.number_of_edges()} links", err=True)

