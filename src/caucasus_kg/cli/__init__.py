"""The ``caucasus-kg`` command line: one module per command, each a thin client of the library.

A command's module is imported only when that command runs, so ``--help`` and a quick query do
not pay for what other commands need (rdflib, pySHACL, networkx, Starlette).

Data goes to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 data invalid or question failed,
2 usage error or unreadable input.

No command ends in a traceback: what goes wrong is a message, and anything unforeseen is caught
here, at the boundary, and said in one line with a request to report it (the traceback is shown
with ``--debug`` or ``CAUCASUS_KG_DEBUG=1``). A file system that is full, read-only or not ours
to write is an environment problem, said as such.
"""

from __future__ import annotations

import importlib
import os

import click

from caucasus_kg import __version__
from caucasus_kg.core.bounded import DISK_ERRORS, disk_error

DEBUG_VARIABLE = "CAUCASUS_KG_DEBUG"
"""Set to 1 to let an unexpected error end in its traceback (as ``--debug`` does)."""

ALL_OR_NOTHING = {"add", "build", "import", "validate", "query", "explain", "export"}
"""Commands whose writes (the store, graphs/, imports/) are all or nothing: stopped by a full
disk, they leave everything as it was (a half-done merge is rolled back at once)."""


COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "Check every fact file and write the store, or nothing."),
    "validate": ("validate", "Run every check of a build on graphs/ and imports/ (and FILES); "
                             "write nothing."),
    "add": ("add", "Check new fact files against the graph and merge them, all or nothing."),
    "draft": ("draft", "Draft a fact file for review from a new article (text, HTML or PDF)."),
    "query": ("query", "Answer a catalogue question, a .rq file or inline SPARQL."),
    "queries": ("queries", "List the catalogue of questions and their parameters."),
    "explain": ("explain", "Show the evidence chain behind an entity or fact."),
    "export": ("export", "Draw the graph: html, timeline, graphml, gexf, dot, svg or json."),
    "import": ("imports", "Import a SIPRI, UNODA or RDF file through the checks of `add`."),
    "serve": ("serve", "Serve a read-only SPARQL endpoint and query page on loopback."),
}
"""Command name -> (module in this package, the one-line help ``--help`` lists)."""


class _LazyGroup(click.Group):
    """Imports a command's module when the command is looked up to run (or for its own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name][0]}")
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug") or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
                raise
            click.echo(unexpected(exc, ctx.invoked_subcommand), err=True)
            ctx.exit(1)


def unexpected(exc: Exception, command: str | None) -> str:
    """What to say about an exception no command expected: a full disk or a read-only file
    system as such; anything else in one line, with a request to report it."""
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    disk = disk_error(exc)
    if disk is not None:
        kept = (", and the files and the store are as they were before it"
                if command in ALL_OR_NOTHING else "")
        return (f"error: {DISK_ERRORS[disk]}{where}; the command stopped{kept}\n"
                "    fix: free some space, or work in a folder you can write (--project, "
                "--store), and run the command again")
    text = " ".join(str(exc).split()) or "no message"
    if len(text) > 200:
        text = text[:197] + "..."
    name = f"caucasus-kg {command}" if command else "caucasus-kg"
    return (f"error: unexpected {type(exc).__name__}: {text}{where}\n"
            f"    please report this problem with the command (`{name}`), the version "
            f"(caucasus-kg {__version__}) and this message; run it again with --debug (or "
            f"{DEBUG_VARIABLE}=1) to see where it happened")


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caucasus-kg")
@click.option("--project", type=click.Path(file_okay=False), envvar="CAUCASUS_KG_PROJECT",
              help="Project folder (with ontology/ and graphs/). Default: the one containing "
              "the current directory.")
@click.option("--store", type=click.Path(), envvar="CAUCASUS_KG_STORE",
              help="Store folder, or the URL of a SPARQL 1.1 server (http://HOST:PORT/sparql). "
              "Default: `store` in the project's caucasus-kg.toml, else .caucasus-kg/store in "
              "the project.")
@click.option("--sources", "sources", multiple=True, type=click.Path(file_okay=False),
              envvar="CAUCASUS_KG_SOURCES",
              help="A folder of texts that may not be stored in the graph, where quotes of "
              "sources given by their SHA-256 are checked (besides `sources` in "
              "caucasus-kg.toml). Repeatable.")
@click.option("--validator", type=click.Choice(["sparql", "pyshacl"]),
              envvar="CAUCASUS_KG_VALIDATOR", default="sparql", show_default=True,
              help="SHACL engine for build, validate, add and import: the shapes compiled to "
              "SPARQL in Oxigraph, or pySHACL (the slow reference).")
@click.option("--debug", is_flag=True,
              help=f"Show the traceback of an unexpected error (also {DEBUG_VARIABLE}=1).")
@click.pass_context
def main(ctx: click.Context, project: str | None, store: str | None, sources: tuple[str, ...],
         validator: str, debug: bool) -> None:
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
    ctx.obj.update(project=project, store=store, sources=sources, validator=validator)
