"""``caucasus-kg explain``: the evidence chain behind a node."""

from __future__ import annotations

import json

import click

from caucasus_kg.cli.common import fail, open_for_query, project_of, report_format_option
from caucasus_kg.core.diagnostics import ExitCode


@click.command("explain")
@click.argument("entity")
@report_format_option()
@click.pass_context
def command(ctx: click.Context, entity: str, fmt: str) -> None:
    """Show the evidence chain behind ENTITY (an id, label, alias, QID or IRI): what the graph
    records, the verbatim quotes, their sources and whom each is attributed to."""
    from caucasus_kg.api.jobs import explain_entity  # lazy: the command's work
    from caucasus_kg.read.explain import render_text  # lazy: the command's work
    from caucasus_kg.read.queries import QueryError  # lazy: the command's work

    project = project_of(ctx)
    store = open_for_query(ctx, project)
    try:
        result = explain_entity(store, project, entity)
    except QueryError as exc:
        fail(ExitCode.USAGE, str(exc))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result), nl=False)
