"""``caucasus-kg add``: check new fact files against the graph and merge them, all or nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from caucasus_kg.cli.common import (
    fail,
    print_add_report,
    project_of,
    report,
    report_format_option,
    validator_of,
)
from caucasus_kg.core.diagnostics import ExitCode, InputError


@click.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything but merge nothing.")
@report_format_option()
@click.pass_context
def command(ctx: click.Context, files: tuple[Path, ...], dry_run: bool, fmt: str) -> None:
    """Validate new fact files (YAML, Turtle, N-Triples or JSON-LD) against the graph and merge
    them into graphs/ and the store, all or nothing.

    References are resolved against everything the graph holds (id, label, alias or Wikidata QID),
    quotes are checked against the new source texts, contradictions with existing facts are
    rejected, a fact already in the graph under another id gets the new evidence instead of a
    duplicate node, and opposed claims are recorded as disputes.

    Exit codes: 0 merged (or would merge with --dry-run), 1 rejected, 2 unreadable input or
    usage error.
    """
    from caucasus_kg.api.jobs import add  # lazy: the command's work
    from caucasus_kg.store.backend import StoreError  # lazy: the command's work

    project = project_of(ctx)
    try:
        result = add(project, files, dry_run=dry_run, validator=validator_of(ctx))
    except InputError as exc:
        if fmt == "json":
            click.echo(json.dumps({"accepted": False, "problems":
                                   [d.to_dict() for d in exc.diagnostics]}, indent=2))
        else:
            report(exc.diagnostics)
        fail(ExitCode.USAGE, "nothing was changed")
    except StoreError as exc:
        fail(ExitCode.INVALID, f"{exc}; nothing was changed")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_add_report(result)
    sys.exit(int(ExitCode.OK if result.accepted else ExitCode.INVALID))
