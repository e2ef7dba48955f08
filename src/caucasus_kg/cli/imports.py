"""`caucasus-kg import sipri|unoda|rdf FILE`: import a dataset or RDF file through `add`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from caucasus_kg.cli.common import print_add_report, project_of, report, validator_of
from caucasus_kg.core.diagnostics import ExitCode, InputError

SHOWN_SKIPPED = 20
"""Skipped records listed when nothing is left to import (the rest are counted)."""


@click.command("import")
@click.argument("dataset", type=click.Choice(["sipri", "unoda", "rdf"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True,
              help="Fail (exit 1) if any record is malformed, instead of skipping it.")
@click.option("--dry-run", is_flag=True, help="Check everything but merge nothing.")
@click.option("--progress/--no-progress", default=None,
              help="Print progress lines (records/s, stages) on stderr every few seconds; "
                   "the default is on when stderr is a terminal.")
@click.pass_context
def command(ctx: click.Context, dataset: str, file: Path, strict: bool,
                   dry_run: bool, progress: bool | None) -> None:
    """Import a SIPRI arms-transfer export, a UNODA treaty-status file (CSV or JSON) or an RDF
    file (Turtle, N-Triples, JSON-LD).

    Each record becomes facts with evidence pointing at its row; the result is written as
    N-Triples to imports/<dataset>-<file>.nt (never to the hand-written graphs/) and merged with
    the same checks as `add`.
    Malformed records are reported with their line and skipped (with --strict: nothing is
    imported, exit 1); a file that leaves nothing to import (every record skipped, or none with
    a fact) is rejected, exit 1. Only a regular file is read, of at most 256 MB (64 MB for
    RDF). Importing the same file again changes nothing; importing a changed file under the
    same name replaces its earlier import (all or nothing) and says what changed.
    A SIPRI deal the graph already holds from the other SIPRI layout gets this record as
    evidence instead of a second transfer, and is reported as a duplicate; likewise a UNODA
    treaty action already imported from the other UNODA layout (a record dating it otherwise
    is reported as a disagreement and kept as a claim).

    Exit codes: 0 imported (or unchanged, or would import with --dry-run), 1 rejected,
    2 unreadable input or usage error.
    """
    from caucasus_kg.ops.imports import run_import  # lazy: the command's work
    from caucasus_kg.sources.importers import rdf, sipri, unoda  # lazy: the command's work
    from caucasus_kg.sources.importers.progress import Progress  # lazy: the command's work
    from caucasus_kg.sources.importers.records import ImportError_, NothingToImport  # lazy: its work
    from caucasus_kg.store.backend import StoreError  # lazy: the command's work

    project = project_of(ctx)
    module = {"sipri": sipri, "unoda": unoda, "rdf": rdf}[dataset]
    if progress is None:
        progress = sys.stderr.isatty()
    reporter = Progress((lambda line: click.echo(line, err=True)) if progress else None)
    try:
        outcome = run_import(project, dataset, file, module.parse, module.build,
                             strict=strict, dry_run=dry_run,
                             match=getattr(module, "match_existing", None),
                             progress=reporter, validator=validator_of(ctx))
    except NothingToImport as exc:
        for problem in exc.problems[:SHOWN_SKIPPED]:
            click.echo("skipped: " + problem.render(str(file)), err=True)
        if len(exc.problems) > SHOWN_SKIPPED:
            click.echo(f"skipped: ... and {len(exc.problems) - SHOWN_SKIPPED:,} more", err=True)
        click.echo(f"{file}: rejected: nothing to import: {exc}; nothing was changed", err=True)
        sys.exit(int(ExitCode.INVALID))
    except ImportError_ as exc:
        click.echo(f"{file}: cannot import: {exc}", err=True)
        sys.exit(int(ExitCode.USAGE))
    except InputError as exc:
        report(exc.diagnostics)
        click.echo("nothing was changed", err=True)
        sys.exit(int(ExitCode.USAGE))
    except StoreError as exc:
        click.echo(f"{exc}; nothing was changed", err=True)
        sys.exit(int(ExitCode.INVALID))
    for problem in outcome.warnings:
        click.echo("warning: " + problem.render(str(file)), err=True)
    for problem in outcome.skipped:
        click.echo(("error: " if strict else "skipped: ") + problem.render(str(file)), err=True)
    for duplicate in outcome.duplicates:
        shown = duplicate.render(str(file))
        if shown:  # a UNODA record merged as evidence is counted, not listed
            click.echo(f"{duplicate.heading}: {shown}", err=True)
    for name, why in outcome.unsure.items():
        click.echo(f"unsure name: '{name}': {why}", err=True)
    if outcome.new_actors:
        click.echo(f"new actors: {', '.join(outcome.new_actors)}", err=True)
    if outcome.failed_strict:
        click.echo(f"rejected (--strict): {len(outcome.skipped)} malformed record(s); "
                   "nothing was changed", err=True)
    elif outcome.unchanged:
        click.echo(f"unchanged: {outcome.target} already holds this import; "
                   "nothing was changed")
    elif outcome.report is not None:
        if outcome.changes is not None:
            verb = "replaces" if outcome.accepted and not dry_run else "would replace"
            click.echo(f"{verb} the earlier import {outcome.earlier}: "
                       f"{outcome.changes.render()}")
        print_add_report(outcome.report)
    rate = outcome.read / outcome.seconds if outcome.seconds else 0.0
    merged = sum(1 for d in outcome.duplicates if d.merged)
    if dry_run or not outcome.accepted:
        imported = f"0 facts imported ({outcome.imported} would be)"
    else:
        imported = f"{outcome.imported} facts imported"
    if merged:
        verb = "would merge" if dry_run or not outcome.accepted else "merged"
        noun = "treaty actions" if dataset == "unoda" else "transfers"
        imported += f", {merged} {verb} into existing {noun}"
    disagreements = sum(1 for d in outcome.duplicates
                        if d.heading == "disagreement")
    if disagreements:
        imported += f", {disagreements} disagreement(s) listed above"
    click.echo(f"summary: {outcome.read} records read, {imported}, {len(outcome.skipped)} "
               f"skipped (malformed), {outcome.without_facts} without any action, "
               f"{outcome.triples} triples, {outcome.seconds:.2f} s, "
               f"{rate:.0f} records/s", err=True)
    sys.exit(int(ExitCode.OK if outcome.accepted else ExitCode.INVALID))
