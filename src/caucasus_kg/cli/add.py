"""``caucasus-kg add``: check new fact files against the graph and merge them, all or nothing."""

from __future__ import annotations

import sys
from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, add_report_format, path_value

DESCRIPTION = """\
Validate new fact files (YAML, Turtle, N-Triples or JSON-LD) against the graph and merge them
into graphs/ and the store, all or nothing.

References are resolved against everything the graph holds (id, label, alias or Wikidata QID),
quotes are checked against the new source texts, contradictions with existing facts are
rejected, a fact already in the graph under another id gets the new evidence instead of a
duplicate node, and opposed claims are recorded as disputes.

Exit codes: 0 merged (or would merge with --dry-run), 1 rejected, 2 unreadable input or usage
error."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("files", nargs="+", type=path_value(), metavar="FILE",
                        help="A fact file to add; several are added together.")
    parser.add_argument("--dry-run", action="store_true",
                        help="Check everything but merge nothing.")
    add_report_format(parser)


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    import json

    from caucasus_kg.api.jobs import add
    from caucasus_kg.cli.common import fail, out, print_add_report, project_of, report, validator_of
    from caucasus_kg.core.diagnostics import InputError
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.store.backend import StoreError

    files, dry_run, fmt = args.files, args.dry_run, args.fmt
    project = project_of(invocation)
    try:
        result = add(project, files, dry_run=dry_run, validator=validator_of(invocation))
    except InputError as exc:
        if fmt == "json":
            problems = [d.to_dict() for d in exc.diagnostics]
            out(json.dumps({"accepted": False, "problems": problems}, indent=2))
        else:
            report(exc.diagnostics)
        fail(ExitCode.USAGE, "nothing was changed")
    except StoreError as exc:
        fail(ExitCode.INVALID, f"{exc}; nothing was changed")
    if fmt == "json":
        out(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_add_report(result)
    sys.exit(int(ExitCode.OK if result.accepted else ExitCode.INVALID))
