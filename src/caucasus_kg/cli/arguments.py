"""How the command line reads its arguments: argparse, with the house style of errors.

The command line is built on the standard library's argparse rather than a framework: it is
already loaded when Python starts a command, so ``--help`` and a usage error cost little more
than starting Python (``benchmarks/cli_latency.py``). What argparse lacks is here: value types
that check a path, a range or a choice with a clear message, and a parser whose errors say what
is wrong and where to look, and exit 2.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable, Sequence

from caucasus_kg.core.exit_codes import ExitCode

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import NoReturn



class Invocation:
    """What the whole command line asked for: the command and the global options before it."""

    __slots__ = ("command", "project", "store", "sources", "validator", "debug")

    def __init__(self, command: str, project: str | None = None, store: str | None = None,
                 sources: Sequence[str] = (), validator: str = "sparql",
                 debug: bool = False) -> None:
        self.command = command
        self.project = project
        self.store = store
        self.sources = tuple(sources)
        self.validator = validator
        self.debug = debug


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written (they are wrapped by hand), options wrapped to the
    terminal, at most 100 columns."""

    def __init__(self, prog: str) -> None:
        width = min(100, _terminal_width())
        super().__init__(prog, max_help_position=30, width=width)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # as argparse does, but never at a hyphen: caucasus-kg.toml, --no-aggregate stay whole
        import textwrap  # lazy: only for help, which argparse would load it for too

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def _terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 100: what argparse finds with shutil, without
    loading shutil for a usage error."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 100


class CommandParser(argparse.ArgumentParser):
    """A parser that says what went wrong in the house style and exits 2:

    usage: caucasus-kg query [-h] ... QUERY
    error: the following arguments are required: QUERY
        fix: see `caucasus-kg query --help`
    """

    def __init__(self, prog: str, description: str | None = None,
                 epilog: str | None = None, global_options: Sequence[str] = ()) -> None:
        """``global_options``: the options that go before a command's name, named in the error
        when one is given after it."""
        super().__init__(prog=prog, description=description, epilog=epilog,
                         formatter_class=HelpFormatter, allow_abbrev=False)
        self.global_options = frozenset(global_options)

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            given = message.split(":", 1)[1].split()
            misplaced = next((w for w in given if w.split("=")[0] in self.global_options), None)
            if misplaced is not None:
                name = misplaced.split("=")[0]
                message += (f" ({name} goes before the command's name: caucasus-kg {name} ... "
                            f"{self.prog.split()[-1]} ...)")
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n    fix: see `{self.prog} --help`\n")
        sys.stderr.flush()
        sys.exit(int(ExitCode.USAGE))


def path_value(*, exists: bool = False, folder: bool | None = None,
               as_path: bool = True) -> Callable[[str], Path | str]:
    """A path argument, checked only as far as the command cannot do better itself.

    ``exists``: it must exist. ``folder``: True for a folder, False for a file, None for either;
    a path that does not exist yet passes unless ``exists``. An existing path must be readable.
    """

    def convert(value: str) -> Path | str:
        try:
            mode = os.stat(value).st_mode
        except OSError:
            if exists:
                raise argparse.ArgumentTypeError(f"'{value}' does not exist") from None
            return _as_path(value) if as_path else value
        if folder is True and not stat.S_ISDIR(mode):
            raise argparse.ArgumentTypeError(f"'{value}' is a file, not a folder")
        if folder is False and stat.S_ISDIR(mode):
            raise argparse.ArgumentTypeError(f"'{value}' is a folder, not a file")
        if not os.access(value, os.R_OK):
            raise argparse.ArgumentTypeError(f"'{value}' cannot be read (permission denied)")
        return _as_path(value) if as_path else value

    convert.__name__ = "folder" if folder else "file" if folder is False else "path"
    return convert


def _as_path(value: str) -> Path:
    from pathlib import Path  # lazy: only for a command given a path, not for --help

    return Path(value)


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high`` (no upper bound if None)."""

    def convert(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{number} is not {bounds}")
        return number

    convert.__name__ = "number"
    return convert


def float_range(low: float) -> Callable[[str], float]:
    """A number of at least ``low``."""

    def convert(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{value}' is not a number") from None
        if not number >= low:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{value} is not at least {low}")
        return number

    convert.__name__ = "number"
    return convert


def lower_case(value: str) -> str:
    """A choice given in any case (``-f CSV``)."""
    return value.lower()


def with_aliases(aliases: dict[str, str]) -> Callable[[str], str]:
    """A choice that also takes older names for some values without listing them."""

    def convert(value: str) -> str:
        return aliases.get(value, value)

    convert.__name__ = "choice"
    return convert


def split_global_options(argv: Sequence[str], with_value: set[str]
                         ) -> tuple[list[str], list[str]]:
    """``argv`` as (the global options before the command, the command and what follows).

    The global options come before the command's name (``--project P`` before ``query``);
    ``with_value`` are those that take a value (``--project P`` or ``--project=P``)."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return list(argv[:index]), list(argv[index + 1:])
        if not word.startswith("-") or word == "-":
            break
        index += 2 if word in with_value else 1
    return list(argv[:index]), list(argv[index:])


REPORT_FORMATS = ("text", "json")
"""What ``--format`` takes on the commands that print a report (validate, add, explain,
queries, draft); ``query`` prints answers and takes the result formats of
:mod:`caucasus_kg.read.query_formats`."""


def add_report_format(parser: argparse.ArgumentParser,
                      aliases: dict[str, str] | None = None) -> None:
    """``-f/--format text|json`` for a report; ``aliases`` are accepted but not listed."""
    parser.add_argument("-f", "--format", dest="fmt", choices=REPORT_FORMATS, default="text",
                        type=with_aliases(aliases or {}), metavar="FORMAT",
                        help="Report format: text (the default) for people, json for scripts.")
