"""``caucasus-kg queries``: the catalogue of canned questions and their parameters."""

from __future__ import annotations

import json

import click

from caucasus_kg.cli.common import fail, project_of, report_format_option
from caucasus_kg.core.diagnostics import ExitCode


@click.command("queries")
@report_format_option(aliases={"table": "text"})
@click.pass_context
def command(ctx: click.Context, fmt: str) -> None:
    """List the catalogue of canned questions with their parameters."""
    from caucasus_kg.read.queries import QueryError, catalogue  # lazy: the command's work

    project = project_of(ctx)
    try:
        known = catalogue(project.queries_dir)
    except QueryError as exc:
        fail(ExitCode.INVALID, str(exc))
    if fmt == "json":
        click.echo(json.dumps([
            {"name": q.name, "title": q.title, "description": q.description,
             "parameters": [p.__dict__ for p in q.parameters]} for q in known.values()],
            indent=2, ensure_ascii=False))
        return
    width = max((len(n) for n in known), default=4)
    for name, q in known.items():
        click.echo(f"{name.ljust(width)}  {q.title}")
        for p in q.parameters:
            default = f" (default {p.default})" if p.default else " (required)"
            click.echo(f"{''.ljust(width)}    --param {p.name}=<{p.type}>{default}  "
                       f"{p.description}")
