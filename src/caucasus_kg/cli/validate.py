"""``caucasus-kg validate``: every check of a build, and nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from caucasus_kg.cli.common import emit_report, err, fail, project_of, report_format_option, validator_of
from caucasus_kg.core.diagnostics import ExitCode, InputError


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@report_format_option()
@click.option("--alone", is_flag=True,
              help="Validate FILES on their own, without the project's graphs.")
@click.option("--reference", is_flag=True,
              help="Run the SHACL shapes with pySHACL (the slow reference engine) instead of "
                   "the SPARQL engine in Oxigraph; the same as `--validator pyshacl`.")
@click.option("--require-verified", is_flag=True,
              help="Make a quote of a text kept outside the graph that cannot be checked here "
              "(its text is in no sources folder) an error instead of a warning.")
@click.pass_context
def command(ctx: click.Context, files: tuple[Path, ...], fmt: str, alone: bool,
            reference: bool, require_verified: bool) -> None:
    """Validate the project's graphs, plus FILES if given, without writing anything.

    Checks syntax, references, dates and numbers, that every quote occurs in its source text,
    and the SHACL shapes. Prints every problem with its file, line and fact, and a fix.
    Exits 0 when valid (warnings allowed), 1 when invalid, 2 when a file cannot be read.
    """
    from caucasus_kg.api.jobs import validate  # lazy: the command's work

    project = project_of(ctx)
    validator = "pyshacl" if reference else validator_of(ctx)
    for path in files:
        if not path.exists():
            fail(ExitCode.USAGE, f"{path}: no such file")
    try:
        result = validate(project, files, alone=alone, require_verified=require_verified,
                          validator=validator)
    except InputError as exc:
        emit_report(exc.diagnostics, fmt, valid=False)
        sys.exit(int(ExitCode.USAGE))
    emit_report(result.diagnostics, fmt, valid=result.ok)
    err(result.summary)
    if not result.ok:
        sys.exit(int(ExitCode.INVALID))
