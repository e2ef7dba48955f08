"""The ``caucasus-kg`` command line: one module per command, each a thin client of the library.

A command's module is imported only when that command runs, so ``--help`` and a quick query do
not pay for what other commands need (rdflib, pySHACL, networkx, Starlette). Each command's module
has ``DESCRIPTION`` (its help text), ``configure(parser)`` (its arguments) and ``run(invocation,
args)``; the options before the command's name are the global ones (``--project``, ``--store``,
``--sources``, ``--validator``, ``--debug``), read here.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 data invalid or question failed,
2 usage error or unreadable input.

No command ends in a traceback: what goes wrong is a message, and anything unforeseen is caught
here, at the boundary, and said in one line with a request to report it (the traceback is shown
with ``--debug`` or ``CAUCASUS_KG_DEBUG=1``). A file system that is full, read-only or not ours
to write is an environment problem, said as such.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from caucasus_kg import __version__
from caucasus_kg.cli.arguments import (
    CommandParser,
    Invocation,
    path_value,
    split_global_options,
)
from caucasus_kg.core.bounded import DISK_ERRORS, disk_error
from caucasus_kg.core.exit_codes import ExitCode

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from types import ModuleType
    from typing import NoReturn

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



DESCRIPTION = """\
A knowledge graph of actors, treaties, legislation, arms transfers and attributed claims
shaping security in the South Caucasus."""

START_WITH = """\
Start with:
  caucasus-kg build                      load, check and store every fact file
  caucasus-kg queries                    the catalogue of questions
  caucasus-kg query who-suspended-cfe    ask one
  caucasus-kg explain russia-withdraws-from-cfe-2023

A command's own options: its --help, e.g. `caucasus-kg query --help`.
Exit codes: 0 ok, 1 data invalid or question failed, 2 usage error or unreadable input."""

VALIDATORS = ("sparql", "pyshacl")
"""The SHACL engines ``--validator`` names: the keys of ``checks.validator.VALIDATORS``, which
loads rdflib (``tests/test_cli.py`` holds the two equal)."""

_WITH_VALUE = {"--project", "--store", "--sources", "--validator"}


def _global_parser() -> CommandParser:
    width = max(len(name) for name in COMMANDS)
    listing = "\n".join(f"  {name.ljust(width)}  {COMMANDS[name][1]}" for name in sorted(COMMANDS))
    parser = CommandParser("caucasus-kg", description=DESCRIPTION,
                           epilog=f"commands:\n{listing}\n\n{START_WITH}")
    parser.usage = "caucasus-kg [GLOBAL OPTIONS] COMMAND [ARGS]..."
    parser.add_argument("--version", action="version",
                        version=f"caucasus-kg, version {__version__}")
    parser.add_argument("--project", metavar="FOLDER",
                        type=path_value(folder=True, as_path=False),
                        help="Project folder (with ontology/ and graphs/). Default: the one "
                        "containing the current directory (also CAUCASUS_KG_PROJECT).")
    parser.add_argument("--store", metavar="STORE",
                        help="Store folder, or the URL of a SPARQL 1.1 server "
                        "(http://HOST:PORT/sparql). Default: `store` in the project's "
                        "caucasus-kg.toml, else .caucasus-kg/store in the project (also "
                        "CAUCASUS_KG_STORE).")
    parser.add_argument("--sources", metavar="FOLDER", action="append", default=[],
                        type=path_value(folder=True, as_path=False),
                        help="A folder of texts that may not be stored in the graph, where "
                        "quotes of sources given by their SHA-256 are checked (besides `sources` "
                        "in caucasus-kg.toml). Repeatable (also CAUCASUS_KG_SOURCES, folders "
                        f"separated by '{os.pathsep}').")
    parser.add_argument("--validator", choices=VALIDATORS, default=None,
                        help="SHACL engine for build, validate, add and import: the shapes "
                        "compiled to SPARQL in Oxigraph, or pySHACL (the slow reference). "
                        "Default: sparql (also CAUCASUS_KG_VALIDATOR).")
    parser.add_argument("--debug", action="store_true",
                        help=f"Show the traceback of an unexpected error (also "
                        f"{DEBUG_VARIABLE}=1).")
    return parser


def _from_environment(parser: CommandParser, options: argparse.Namespace) -> None:
    """Fill the global options not given from their environment variables, checked the same
    way (an empty variable counts as not set)."""
    folder = path_value(folder=True, as_path=False)
    for name, variable in (("project", "CAUCASUS_KG_PROJECT"), ("store", "CAUCASUS_KG_STORE")):
        value = os.environ.get(variable) or None
        if getattr(options, name) is None and value is not None:
            setattr(options, name, _checked(parser, variable, value, folder if name == "project"
                                            else str))
    listed = os.environ.get("CAUCASUS_KG_SOURCES") or ""
    if not options.sources and listed:
        options.sources = [_checked(parser, "CAUCASUS_KG_SOURCES", part, folder)
                           for part in listed.split(os.pathsep) if part]
    if options.validator is None:
        chosen = os.environ.get("CAUCASUS_KG_VALIDATOR") or "sparql"
        if chosen not in VALIDATORS:
            parser.error(f"CAUCASUS_KG_VALIDATOR='{chosen}' is not one of "
                         f"{', '.join(VALIDATORS)}")
        options.validator = chosen


def _checked(parser: CommandParser, variable: str, value: str,
             convert: Callable[[str], object]) -> str:
    try:
        return str(convert(value))
    except argparse.ArgumentTypeError as exc:
        parser.error(f"{variable}: {exc}")


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")


def command_parser(name: str) -> CommandParser:
    """The parser of the command called ``name``, with its arguments and help."""
    module = _command_module(name)
    parser = CommandParser(f"caucasus-kg {name}", description=module.DESCRIPTION,
                           epilog=getattr(module, "EPILOG", None),
                           global_options=(*_WITH_VALUE, "--debug"))
    module.configure(parser)
    return parser


def _unknown_command(parser: CommandParser, name: str) -> NoReturn:
    import difflib  # lazy: only for a mistyped command

    close = difflib.get_close_matches(name, sorted(COMMANDS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    parser.error(f"no command '{name}'{hint} (the commands: {', '.join(sorted(COMMANDS))})")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line on ``argv`` (default: the process's arguments) and exit with its
    code."""
    words = list(sys.argv[1:] if argv is None else argv)
    before, rest = split_global_options(words, _WITH_VALUE)
    parser = _global_parser()
    options = parser.parse_args(before)
    if not rest:
        parser.print_help(sys.stderr)
        sys.exit(int(ExitCode.USAGE))
    name = rest[0]
    if name not in COMMANDS:
        _unknown_command(parser, name)
    _from_environment(parser, options)
    invocation = Invocation(name, project=options.project, store=options.store,
                            sources=options.sources, validator=options.validator,
                            debug=options.debug)
    try:
        args = command_parser(name).parse_intermixed_args(rest[1:])
        _command_module(name).run(invocation, args)
    except KeyboardInterrupt:
        sys.stderr.write("\nerror: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            _quiet_stdout()  # the reader went away (`| head`): stop without a word
            sys.exit(1)
        if invocation.debug or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            raise
        sys.stderr.write(unexpected(exc, name) + "\n")
        sys.exit(1)
    sys.exit(0)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
