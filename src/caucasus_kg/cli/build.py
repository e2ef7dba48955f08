"""``caucasus-kg build``: check every input and write the store, or nothing."""

from __future__ import annotations

from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation

DESCRIPTION = """\
Load graphs/ and imports/, check quotes and references, validate with SHACL, and write the
store.

Nothing is written unless everything passes; the previous store stays as it was."""


def configure(parser: CommandParser) -> None:
    """No arguments of its own: the global options say which project and store."""


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import err, fail, project_of, report, validator_of
    from caucasus_kg.core.diagnostics import DataError, InputError
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.ops.build import build
    from caucasus_kg.sources.inputs import import_files
    from caucasus_kg.store.backend import StoreError

    project = project_of(invocation)
    sources = str(project.graphs_dir)
    if import_files(project.imports_dir):
        sources += f" and {project.imports_dir}"
    err(f"building {project.store_url or project.store_path} from {sources}")
    try:
        info, result = build(project, validator=validator_of(invocation))
    except InputError as exc:
        report(exc.diagnostics)
        fail(ExitCode.USAGE, "unreadable input; the store was not changed")
    except DataError as exc:
        report(exc.diagnostics)
        fail(ExitCode.INVALID, f"{len(exc.diagnostics)} error(s); the store was not changed")
    except StoreError as exc:
        fail(ExitCode.INVALID, str(exc))
    report(result.warnings)
    err(f"built: {info.triples} triples in {info.graphs} graphs"
        + (f", {len(result.warnings)} warning(s)" if result.warnings else ""))
