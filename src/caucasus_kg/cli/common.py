"""What every command shares: the project and store it works on, the SHACL engine, how it
prints diagnostics and fails, and opening the store for reading.

A command imports this module when it runs, not for ``--help`` or a usage error (exit 2 before
any work): those load only :mod:`caucasus_kg.cli.arguments`.

Data goes to stdout, diagnostics and progress to stderr. Exit codes: 0 ok, 1 data invalid or the
question failed, 2 usage error or unreadable input.
"""

from __future__ import annotations

import json
import os
import sys
from typing import NoReturn

from caucasus_kg.cli.arguments import Invocation
from caucasus_kg.core.diagnostics import DataError, Diagnostic, InputError
from caucasus_kg.core.exit_codes import ExitCode
from caucasus_kg.core.project import Project, find_project

LOCAL_STORE_ONLY = {"serve"}
"""Commands that work on the embedded store only (the server's workers open its folder)."""

WRITES_GRAPHS = {"add"}
"""Commands that write into the project's graphs/ folder (``import`` writes to the imports
folder, which a read-only project keeps in the user's cache)."""

def out(text: str | bytes, nl: bool = True) -> None:
    """Write data to stdout (bytes as they are), and flush."""
    if isinstance(text, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(text + b"\n" if nl else text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text + "\n" if nl else text)
        sys.stdout.flush()


def err(message: str) -> None:
    """Write a diagnostic or progress line to stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def fail(code: ExitCode, message: str) -> NoReturn:
    err(f"error: {message}")
    sys.exit(int(code))


def project_of(invocation: Invocation) -> Project:
    """The project the command works on (``--project``, ``--store``, or found from the current
    directory); exit 2 with the reason when there is none."""
    command = invocation.command
    try:
        project = find_project(invocation.project, invocation.store, invocation.sources)
    except FileNotFoundError as exc:
        fail(ExitCode.USAGE, str(exc))
    if command in WRITES_GRAPHS and not os.access(project.graphs_dir, os.W_OK):
        fail(ExitCode.USAGE, f"the project's graphs/ folder ({project.graphs_dir}) cannot be "
             f"written (a read-only or installed copy): `{command}` adds its files "
             "there; copy the project to a folder you can write and run the command with "
             "--project pointing at the copy")
    if project.store_url and command in LOCAL_STORE_ONLY:
        fail(ExitCode.USAGE, f"`{command}` works on the embedded store only, and the store "
             f"is the SPARQL server {project.store_url}; run it without --store (or with a "
             "store folder), or change graphs/ and run `caucasus-kg build` to update the server")
    return project


def validator_of(invocation: Invocation):  # -> caucasus_kg.checks.validator.Validator
    """The SHACL engine chosen with ``--validator`` (or CAUCASUS_KG_VALIDATOR)."""
    from caucasus_kg.checks.validator import VALIDATORS  # lazy: rdflib and the SHACL engines

    return VALIDATORS[invocation.validator]


def report(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        err(d.render())


def emit_report(diagnostics: list[Diagnostic], fmt: str, valid: bool) -> None:
    if fmt == "json":
        problems = [d.to_dict() for d in diagnostics]
        out(json.dumps({"valid": valid, "problems": problems}, indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            out(d.render())


def print_add_report(result) -> None:  # caucasus_kg.ops.add.AddReport
    verb = "would merge" if result.dry_run else "merged"
    if result.accepted:
        for name in result.files:
            out(f"{verb}: {name}")
        out(f"  {result.triples} triples")
        for new, existing in result.merged:
            out(f"  '{new}' is already in the graph as '{existing}': its evidence is "
                "added there")
        for existing in getattr(result, "extended", []):
            out(f"  adds to '{existing}', which the graph already holds")
        for claim, other in result.disputes:
            out(f"  recorded dispute: '{claim}' disputes '{other}'")
        for problem in result.problems:
            out(problem.render())
        if result.dry_run:
            out("dry run: nothing was changed")
    else:
        for problem in result.problems:
            out(problem.render())
        out("rejected: nothing was changed")


def parse_params(values: list[str]) -> dict[str, str]:
    """``--param NAME=VALUE`` values as a dict; exit 2 on one without ``=`` or a name."""
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(ExitCode.USAGE, f"--param '{item}' is not NAME=VALUE (e.g. "
                 "--param date=2023-12-01)")
        params[name.strip()] = value
    return params


def open_for_query(invocation: Invocation, project: Project):
    """The project's store, ready to query: an interrupted merge rolled back, a missing store
    built (exit 1 if the graphs do not validate), a warning when it is stale."""
    # lazy: the store, for the commands that read it (not build, add, import, validate, queries)
    from caucasus_kg.ops.opening import open_or_build
    from caucasus_kg.store.backend import RemoteStoreError, StoreError

    try:
        return open_or_build(project, err, invocation.validator)
    except (InputError, DataError) as exc:
        report(exc.diagnostics)
        fail(ExitCode.INVALID, "the graphs do not validate; fix them and run "
             "`caucasus-kg build`")
    except (StoreError, RemoteStoreError) as exc:
        fail(ExitCode.INVALID, str(exc))
