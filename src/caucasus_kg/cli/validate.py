"""``caucasus-kg validate``: every check of a build, and nothing written."""

from __future__ import annotations

import sys
from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, add_report_format, path_value

DESCRIPTION = """\
Validate the project's graphs, plus FILES if given, without writing anything.

Checks syntax, references, dates and numbers, that every quote occurs in its source text, and
the SHACL shapes. Prints every problem with its file, line and fact, and a fix.
Exits 0 when valid (warnings allowed), 1 when invalid, 2 when a file cannot be read."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", type=path_value(folder=False),
                        help="A fact file to validate with the graphs (or alone, --alone).")
    add_report_format(parser)
    parser.add_argument("--alone", action="store_true",
                        help="Validate FILES on their own, without the project's graphs.")
    parser.add_argument("--reference", action="store_true",
                        help="Run the SHACL shapes with pySHACL (the slow reference engine) "
                        "instead of the SPARQL engine in Oxigraph; the same as `--validator "
                        "pyshacl`.")
    parser.add_argument("--require-verified", action="store_true",
                        help="Make a quote of a text kept outside the graph that cannot be "
                        "checked here (its text is in no sources folder) an error instead of a "
                        "warning.")


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.api.jobs import validate
    from caucasus_kg.cli.common import emit_report, err, fail, project_of, validator_of
    from caucasus_kg.core.diagnostics import InputError
    from caucasus_kg.core.exit_codes import ExitCode

    files, fmt = args.files, args.fmt
    project = project_of(invocation)
    validator = "pyshacl" if args.reference else validator_of(invocation)
    for path in files:
        if not path.exists():
            fail(ExitCode.USAGE, f"{path}: no such file")
    try:
        result = validate(project, files, alone=args.alone, require_verified=args.require_verified,
                          validator=validator)
    except InputError as exc:
        emit_report(exc.diagnostics, fmt, valid=False)
        sys.exit(int(ExitCode.USAGE))
    emit_report(result.diagnostics, fmt, valid=result.ok)
    err(result.summary)
    if not result.ok:
        sys.exit(int(ExitCode.INVALID))
