"""The ``caucasus-kg`` command line: a thin layer that wires the library's stages together.

Data goes to stdout, diagnostics and progress to stderr. Exit codes: 0 ok, 1 data invalid or the
question failed, 2 usage error or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .build import build as run_build
from .build import check, is_stale
from .diagnostics import DataError, Diagnostic, ExitCode, InputError
from .project import Project, find_project
from .queries import QueryError, catalogue, find_query, resolve_entity, run_query
from .results import FORMATS, render
from .store import StoreError, open_store


def _err(message: str) -> None:
    click.echo(message, err=True)


def _fail(code: ExitCode, message: str) -> None:
    _err(f"error: {message}")
    sys.exit(int(code))


_LOCAL_STORE_ONLY = {"add", "import", "serve"}


def _project(ctx: click.Context) -> Project:
    try:
        project = find_project(ctx.obj.get("project"), ctx.obj.get("store"))
    except FileNotFoundError as exc:
        _fail(ExitCode.USAGE, str(exc))
        raise  # unreachable
    if project.store_url and ctx.info_name in _LOCAL_STORE_ONLY:
        _fail(ExitCode.USAGE, f"`{ctx.info_name}` works on the embedded store only, and the store "
              f"is the SPARQL server {project.store_url}; run it without --store (or with a "
              "store folder), or change graphs/ and run `caucasus-kg build` to update the server")
    return project


def _report(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        _err(d.render())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caucasus-kg")
@click.option("--project", type=click.Path(file_okay=False), envvar="CAUCASUS_KG_PROJECT",
              help="Project folder (with ontology/ and graphs/). Default: the one containing "
              "the current directory.")
@click.option("--store", type=click.Path(), envvar="CAUCASUS_KG_STORE",
              help="Store folder, or the URL of a SPARQL 1.1 server (http://HOST:PORT/sparql). "
              "Default: `store` in the project's caucasus-kg.toml, else .caucasus-kg/store in "
              "the project.")
@click.pass_context
def main(ctx: click.Context, project: str | None, store: str | None) -> None:
    """A knowledge graph of actors, treaties, legislation, arms transfers and attributed claims
    shaping security in the South Caucasus.

    \b
    Start with:
      caucasus-kg build                      load, check and store every fact file
      caucasus-kg queries                    the catalogue of questions
      caucasus-kg query who-suspended-cfe    ask one
      caucasus-kg explain russia-withdraws-from-cfe-2023

    Exit codes: 0 ok, 1 data invalid or question failed, 2 usage error or unreadable input.
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    ctx.obj["store"] = store


@main.command()
@click.pass_context
def build(ctx: click.Context) -> None:
    """Load graphs/, check quotes and references, validate with SHACL, and write the store.

    Nothing is written unless everything passes; the previous store stays as it was.
    """
    project = _project(ctx)
    _err(f"building {project.store_url or project.store_path} from {project.graphs_dir}")
    try:
        info, result = run_build(project)
    except InputError as exc:
        _report(exc.diagnostics)
        _fail(ExitCode.USAGE, "unreadable input; the store was not changed")
    except DataError as exc:
        _report(exc.diagnostics)
        _fail(ExitCode.INVALID, f"{len(exc.diagnostics)} error(s); the store was not changed")
    except StoreError as exc:
        _fail(ExitCode.INVALID, str(exc))
    _report(result.warnings)
    _err(f"built: {info.triples} triples in {info.graphs} graphs"
         + (f", {len(result.warnings)} warning(s)" if result.warnings else ""))


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--alone", is_flag=True,
              help="Validate FILES on their own, without the project's graphs.")
@click.option("--reference", is_flag=True,
              help="Run the SHACL shapes with pySHACL (the slow reference engine) instead of "
                   "the SPARQL engine in Oxigraph; same as CAUCASUS_KG_VALIDATOR=pyshacl.")
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], fmt: str, alone: bool,
             reference: bool) -> None:
    """Validate the project's graphs, plus FILES if given, without writing anything.

    Checks syntax, references, dates and numbers, that every quote occurs in its source text,
    and the SHACL shapes. Prints every problem with its file, line and fact, and a fix.
    Exits 0 when valid (warnings allowed), 1 when invalid, 2 when a file cannot be read.
    """
    if reference:
        import os

        from .validation import VALIDATOR_ENV
        os.environ[VALIDATOR_ENV] = "pyshacl"
    project = _project(ctx)
    for path in files:
        if not path.exists():
            _fail(ExitCode.USAGE, f"{path}: no such file")
    try:
        result = check(project, files, include_project=not alone)
    except InputError as exc:
        _emit_report(exc.diagnostics, fmt, valid=False)
        sys.exit(int(ExitCode.USAGE))
    _emit_report(result.diagnostics, fmt, valid=not result.errors)
    counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
    triples = sum(len(g) for g in result.dataset.graphs)
    if result.errors:
        _err(f"invalid: {counts}")
        sys.exit(int(ExitCode.INVALID))
    _err(f"valid: {triples} data triples checked, {counts}")


def _emit_report(diagnostics: list[Diagnostic], fmt: str, valid: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps({"valid": valid,
                               "problems": [d.to_dict() for d in diagnostics]},
                              indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            click.echo(d.render())


def _open_for_query(project: Project):
    from .merge import journal_path, recover
    from .store import write_lock

    if project.store_url:
        return _open_remote_for_query(project)
    if journal_path(project).exists():
        try:
            with write_lock(project.store_path):
                if recover(project):
                    _err("rolled back a merge that was interrupted; the graph is as it was")
        except StoreError as exc:
            _fail(ExitCode.INVALID, str(exc))
    stale = is_stale(project)
    if stale is None:
        _build_on_first_use(project, f"no store at {project.store_path}")
    elif stale:
        _err("warning: graphs/ or the ontology changed since the store was built; run "
             "`caucasus-kg build` to see the changes")
    try:
        return open_store(project.store_path)
    except StoreError as exc:
        _fail(ExitCode.INVALID, str(exc))


def _build_on_first_use(project: Project, missing: str) -> None:
    """Build the store a query needs when there is none yet; exit 1 if the graphs are invalid."""
    _err(f"{missing} yet: building it from {project.graphs_dir}")
    try:
        info, _ = run_build(project)
    except (InputError, DataError) as exc:
        _report(exc.diagnostics)
        _fail(ExitCode.INVALID, "the graphs do not validate; fix them and run "
              "`caucasus-kg build`")
    except StoreError as exc:
        _fail(ExitCode.INVALID, str(exc))
    _err(f"built: {info.triples} triples in {info.graphs} graphs")


def _open_remote_for_query(project: Project):
    """The SPARQL server as the store: built on first use, a warning when stale."""
    from .backends import RemoteStoreError, open_remote, remote_is_stale

    try:
        remote = open_remote(project)
        stale = remote_is_stale(project, remote)
    except RemoteStoreError as exc:
        _fail(ExitCode.INVALID, str(exc))
    if stale is None:
        _build_on_first_use(project, f"nothing built on {project.store_url}")
        remote.manifest(refresh=True)
    elif stale:
        _err("warning: graphs/ or the ontology changed since the store was built; run "
             "`caucasus-kg build` to see the changes")
    return remote


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        params[name.strip()] = value
    return params


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything but merge nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.pass_context
def add(ctx: click.Context, files: tuple[Path, ...], dry_run: bool, fmt: str) -> None:
    """Validate new fact files (YAML, Turtle, N-Triples or JSON-LD) against the graph and merge
    them into graphs/ and the store, all or nothing.

    References are resolved against everything the graph holds (id, label, alias or Wikidata QID),
    quotes are checked against the new source texts, contradictions with existing facts are
    rejected, a fact already in the graph under another id gets the new evidence instead of a
    duplicate node, and opposed claims are recorded as disputes.

    Exit codes: 0 merged (or would merge with --dry-run), 1 rejected, 2 unreadable input or
    usage error.
    """
    from .merge import add_files

    project = _project(ctx)
    try:
        report = add_files(project, list(files), dry_run=dry_run)
    except InputError as exc:
        if fmt == "json":
            click.echo(json.dumps({"accepted": False, "problems":
                                   [d.to_dict() for d in exc.diagnostics]}, indent=2))
        else:
            _report(exc.diagnostics)
        _fail(ExitCode.USAGE, "nothing was changed")
    except StoreError as exc:
        _fail(ExitCode.INVALID, f"{exc}; nothing was changed")
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_add_report(report)
    sys.exit(int(ExitCode.OK if report.accepted else ExitCode.INVALID))


def _print_add_report(report) -> None:
    verb = "would merge" if report.dry_run else "merged"
    if report.accepted:
        for name in report.files:
            click.echo(f"{verb}: graphs/{name}")
        click.echo(f"  {report.triples} triples")
        for new, existing in report.merged:
            click.echo(f"  '{new}' is already in the graph as '{existing}': its evidence is "
                       "added there")
        for claim, other in report.disputes:
            click.echo(f"  recorded dispute: '{claim}' disputes '{other}'")
        for problem in report.problems:
            click.echo(problem.render())
        if report.dry_run:
            click.echo("dry run: nothing was changed")
    else:
        for problem in report.problems:
            click.echo(problem.render())
        click.echo("rejected: nothing was changed")


@main.command()
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("--allow-service", is_flag=True,
              help="Let the query's SERVICE clauses contact the servers they name (refused "
              "otherwise).")
@click.pass_context
def query(ctx: click.Context, query: str, params: tuple[str, ...], fmt: str,
          allow_service: bool) -> None:
    """Answer QUERY: a catalogue name (see `queries`), a .rq file, or inline SPARQL.

    Queries run read-only over all graphs, with the project's prefixes (ckg:, id:, prov:, oa:,
    skos:, ...) predeclared.

    \b
    Examples:
      caucasus-kg query who-suspended-cfe
      caucasus-kg query treaty-status-as-of -p date=2023-12-01 -f csv
      caucasus-kg query 'SELECT ?s WHERE { ?s a ckg:State }'
    """
    project = _project(ctx)
    try:
        canned = find_query(query, project.queries_dir)
        bound = _parse_params(params)
    except QueryError as exc:
        _fail(ExitCode.USAGE, str(exc))
    store = _open_for_query(project)
    try:
        result = run_query(canned, store, bound, allow_service=allow_service)
    except QueryError as exc:
        _fail(ExitCode.USAGE if exc.usage else ExitCode.INVALID, str(exc))
    click.echo(render(result, fmt), nl=False)


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def queries(ctx: click.Context, fmt: str) -> None:
    """List the catalogue of canned questions with their parameters."""
    project = _project(ctx)
    try:
        known = catalogue(project.queries_dir)
    except QueryError as exc:
        _fail(ExitCode.INVALID, str(exc))
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


@main.command()
@click.argument("entity")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def explain(ctx: click.Context, entity: str, fmt: str) -> None:
    """Show the evidence chain behind ENTITY (an id, label, alias, QID or IRI): what the graph
    records, the verbatim quotes, their sources and whom each is attributed to."""
    from .explain import explain as run_explain
    from .explain import render_text

    project = _project(ctx)
    store = _open_for_query(project)
    try:
        node = resolve_entity(entity, store)
    except QueryError as exc:
        _fail(ExitCode.INVALID, str(exc))
    result = run_explain(store, node)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result), nl=False)


from .serve_cli import serve  # noqa: E402

main.add_command(serve)

from .export_cli import export  # noqa: E402

main.add_command(export)

from .import_cli import import_command  # noqa: E402

main.add_command(import_command)

if __name__ == "__main__":
    main()
