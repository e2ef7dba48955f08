"""What every command shares: the project and store it works on, the SHACL engine, how it
prints diagnostics and fails, and opening the store for reading.

A command's module imports at its top only what its options need: what the command works with
is imported when it runs, so that ``--help`` and a usage error (exit 2 before any work) cost
little more than starting Python and click.

Data goes to stdout, diagnostics and progress to stderr. Exit codes: 0 ok, 1 data invalid or the
question failed, 2 usage error or unreadable input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from caucasus_kg.core.diagnostics import DataError, Diagnostic, ExitCode, InputError

if TYPE_CHECKING:
    from caucasus_kg.core.project import Project

LOCAL_STORE_ONLY = {"serve"}
"""Commands that work on the embedded store only (the server's workers open its folder)."""

WRITES_GRAPHS = {"add"}
"""Commands that write into the project's graphs/ folder (``import`` writes to the imports
folder, which a read-only project keeps in the user's cache)."""

_F = TypeVar("_F", bound=Callable[..., Any])

REPORT_FORMATS = ("text", "json")
"""What ``--format`` takes on the commands that print a report (validate, add, explain,
queries); ``query`` prints answers and takes the result formats of
:mod:`caucasus_kg.read.results`."""


class _ChoiceWithAliases(click.Choice):
    """A choice that also takes older names for some values without listing them."""

    def __init__(self, choices: tuple[str, ...], aliases: dict[str, str]):
        super().__init__(choices)
        self.aliases = aliases

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> object:
        if isinstance(value, str) and value in self.aliases:
            value = self.aliases[value]
        return super().convert(value, param, ctx)


def report_format_option(aliases: dict[str, str] | None = None) -> Callable[[_F], _F]:
    """``--format/-f text|json`` for a report; ``aliases`` are accepted but not listed."""
    return click.option("--format", "-f", "fmt",
                        type=_ChoiceWithAliases(REPORT_FORMATS, aliases or {}), default="text",
                        show_default=True, help="Report format: text for people, json for "
                        "scripts.")


def err(message: str) -> None:
    click.echo(message, err=True)


def fail(code: ExitCode, message: str) -> NoReturn:
    err(f"error: {message}")
    sys.exit(int(code))


def project_of(ctx: click.Context) -> Project:
    """The project the command works on (``--project``, ``--store``, or found from the current
    directory); exit 2 with the reason when there is none."""
    from caucasus_kg.core.project import find_project  # lazy: not for a usage error

    obj = ctx.find_root().obj or {}
    try:
        project = find_project(obj.get("project"), obj.get("store"), obj.get("sources") or ())
    except FileNotFoundError as exc:
        fail(ExitCode.USAGE, str(exc))
    if ctx.info_name in WRITES_GRAPHS and not os.access(project.graphs_dir, os.W_OK):
        fail(ExitCode.USAGE, f"the project's graphs/ folder ({project.graphs_dir}) cannot be "
             f"written (a read-only or installed copy): `{ctx.info_name}` adds its files "
             "there; copy the project to a folder you can write and run the command with "
             "--project pointing at the copy")
    if project.store_url and ctx.info_name in LOCAL_STORE_ONLY:
        fail(ExitCode.USAGE, f"`{ctx.info_name}` works on the embedded store only, and the store "
             f"is the SPARQL server {project.store_url}; run it without --store (or with a "
             "store folder), or change graphs/ and run `caucasus-kg build` to update the server")
    return project


def validator_of(ctx: click.Context):  # -> caucasus_kg.checks.validator.Validator
    """The SHACL engine chosen with ``--validator`` (or CAUCASUS_KG_VALIDATOR)."""
    from caucasus_kg.checks.validator import VALIDATORS  # lazy: rdflib and the SHACL engines

    return VALIDATORS[(ctx.find_root().obj or {}).get("validator") or "sparql"]


def report(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        err(d.render())


def emit_report(diagnostics: list[Diagnostic], fmt: str, valid: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps({"valid": valid,
                               "problems": [d.to_dict() for d in diagnostics]},
                              indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            click.echo(d.render())


def print_add_report(result) -> None:  # caucasus_kg.ops.add.AddReport
    verb = "would merge" if result.dry_run else "merged"
    if result.accepted:
        for name in result.files:
            click.echo(f"{verb}: {name}")
        click.echo(f"  {result.triples} triples")
        for new, existing in result.merged:
            click.echo(f"  '{new}' is already in the graph as '{existing}': its evidence is "
                       "added there")
        for existing in getattr(result, "extended", []):
            click.echo(f"  adds to '{existing}', which the graph already holds")
        for claim, other in result.disputes:
            click.echo(f"  recorded dispute: '{claim}' disputes '{other}'")
        for problem in result.problems:
            click.echo(problem.render())
        if result.dry_run:
            click.echo("dry run: nothing was changed")
    else:
        for problem in result.problems:
            click.echo(problem.render())
        click.echo("rejected: nothing was changed")


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        params[name.strip()] = value
    return params


def open_for_query(ctx: click.Context, project: Project):
    """The project's store, ready to query: an interrupted merge rolled back, a missing store
    built (exit 1 if the graphs do not validate), a warning when it is stale."""
    from caucasus_kg.ops.opening import open_or_build  # lazy: not for a usage error
    from caucasus_kg.store.backend import RemoteStoreError, StoreError  # lazy: not for a usage error

    validator = (ctx.find_root().obj or {}).get("validator") or "sparql"
    try:
        return open_or_build(project, err, validator)
    except (InputError, DataError) as exc:
        report(exc.diagnostics)
        fail(ExitCode.INVALID, "the graphs do not validate; fix them and run "
             "`caucasus-kg build`")
    except (StoreError, RemoteStoreError) as exc:
        fail(ExitCode.INVALID, str(exc))
