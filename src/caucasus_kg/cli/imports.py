"""`caucasus-kg import sipri|unoda|rdf FILE`: import a dataset or RDF file through `add`."""

from __future__ import annotations

import sys
from argparse import BooleanOptionalAction, Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, path_value

SHOWN_SKIPPED = 20
"""Skipped records listed when nothing is left to import (the rest are counted)."""


DESCRIPTION = """\
Import a SIPRI arms-transfer export, a UNODA treaty-status file (CSV or JSON) or an RDF
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
2 unreadable input or usage error."""

DATASETS = ("sipri", "unoda", "rdf")
"""What `import` reads: a SIPRI export, a UNODA treaty-status file, or any RDF file."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("dataset", metavar="DATASET", choices=DATASETS,
                        help="What FILE is: sipri, unoda or rdf.")
    parser.add_argument("file", metavar="FILE", type=path_value(exists=True, folder=False),
                        help="The file to import.")
    parser.add_argument("--strict", action="store_true",
                        help="Fail (exit 1) if any record is malformed, instead of skipping it.")
    parser.add_argument("--dry-run", action="store_true",
                        help="Check everything but merge nothing.")
    parser.add_argument("--progress", action=BooleanOptionalAction, default=None,
                        help="Print progress lines (records/s, stages) on stderr every few "
                        "seconds; the default is on when stderr is a terminal.")


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import err, out, print_add_report, project_of, report, validator_of
    from caucasus_kg.core.diagnostics import InputError
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.ops.imports import run_import
    from caucasus_kg.sources.importers import rdf, sipri, unoda
    from caucasus_kg.sources.importers.progress import Progress
    from caucasus_kg.sources.importers.records import ImportError_, NothingToImport
    from caucasus_kg.store.backend import StoreError

    dataset, file, strict, dry_run = args.dataset, args.file, args.strict, args.dry_run
    project = project_of(invocation)
    module = {"sipri": sipri, "unoda": unoda, "rdf": rdf}[dataset]
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    reporter = Progress(err if progress else None)
    try:
        outcome = run_import(project, dataset, file, module.parse, module.build,
                             strict=strict, dry_run=dry_run,
                             match=getattr(module, "match_existing", None),
                             progress=reporter, validator=validator_of(invocation))
    except NothingToImport as exc:
        for problem in exc.problems[:SHOWN_SKIPPED]:
            err("skipped: " + problem.render(str(file)))
        if len(exc.problems) > SHOWN_SKIPPED:
            err(f"skipped: ... and {len(exc.problems) - SHOWN_SKIPPED:,} more")
        err(f"{file}: rejected: nothing to import: {exc}; nothing was changed")
        sys.exit(int(ExitCode.INVALID))
    except ImportError_ as exc:
        err(f"{file}: cannot import: {exc}")
        sys.exit(int(ExitCode.USAGE))
    except InputError as exc:
        report(exc.diagnostics)
        err("nothing was changed")
        sys.exit(int(ExitCode.USAGE))
    except StoreError as exc:
        err(f"{exc}; nothing was changed")
        sys.exit(int(ExitCode.INVALID))
    for problem in outcome.warnings:
        err("warning: " + problem.render(str(file)))
    for problem in outcome.skipped:
        err(("error: " if strict else "skipped: ") + problem.render(str(file)))
    for duplicate in outcome.duplicates:
        shown = duplicate.render(str(file))
        if shown:  # a UNODA record merged as evidence is counted, not listed
            err(f"{duplicate.heading}: {shown}")
    for name, why in outcome.unsure.items():
        err(f"unsure name: '{name}': {why}")
    if outcome.new_actors:
        err(f"new actors: {', '.join(outcome.new_actors)}")
    if outcome.failed_strict:
        err(f"rejected (--strict): {len(outcome.skipped)} malformed record(s); "
            "nothing was changed")
    elif outcome.unchanged:
        out(f"unchanged: {outcome.target} already holds this import; "
            "nothing was changed")
    elif outcome.report is not None:
        if outcome.changes is not None:
            verb = "replaces" if outcome.accepted and not dry_run else "would replace"
            out(f"{verb} the earlier import {outcome.earlier}: "
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
    err(f"summary: {outcome.read} records read, {imported}, {len(outcome.skipped)} "
        f"skipped (malformed), {outcome.without_facts} without any action, "
        f"{outcome.triples} triples, {outcome.seconds:.2f} s, "
        f"{rate:.0f} records/s")
    sys.exit(int(ExitCode.OK if outcome.accepted else ExitCode.INVALID))
