"""The ``caucasus-kg`` command line: one module per command, each a thin client of the library.

A command's module is imported only when that command runs, so ``--help`` and a quick query do
not pay for what other commands need (rdflib, pySHACL, networkx, Starlette).

Data goes to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 data invalid or question failed,
2 usage error or unreadable input.
"""

from __future__ import annotations

import importlib

import click

from caucasus_kg import __version__

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
@click.pass_context
def main(ctx: click.Context, project: str | None, store: str | None, sources: tuple[str, ...],
         validator: str) -> None:
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
