"""Every command a message, page or help text tells the user to run exists, with the options
and arguments it names: a hint that names a command that is not there is worse than none."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from caucasus_kg.cli import COMMANDS, command_parser
from caucasus_kg.read.queries import catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "caucasus_kg"
QUERIES = Path(__file__).resolve().parents[1] / "queries"
HINT = re.compile(r"`caucasus-kg ([^`]+)`")


def _hints() -> list[tuple[str, str]]:
    found = set()
    for path in sorted(SRC.rglob("*")):
        if path.suffix in {".py", ".js", ".html"} and "vendor" not in path.parts:
            for match in HINT.finditer(path.read_text("utf-8")):
                found.add((str(path.relative_to(SRC)), match.group(1)))
    return sorted(found)


def test_the_source_has_command_hints() -> None:
    hints = [hint for _, hint in _hints()]
    assert "query entities" in hints and "export dot" in hints and len(hints) > 15


def _arguments(name: str) -> list[argparse.Action]:
    """The options and arguments of ``caucasus-kg NAME`` (argparse lists them only privately)."""
    return command_parser(name)._actions


def _first_argument(name: str) -> argparse.Action:
    return next(action for action in _arguments(name) if not action.option_strings)


@pytest.mark.parametrize("where, hint", _hints())
def test_every_hinted_command_exists_with_what_it_names(where: str, hint: str) -> None:
    words = hint.split()
    assert words[0] in COMMANDS, f"{where}: `caucasus-kg {hint}` names no command"
    rest = words[1:]
    options = {opt for action in _arguments(words[0]) for opt in action.option_strings}
    for word in rest:
        if word.startswith("-"):
            assert word in options, f"{where}: `caucasus-kg {hint}`: no option {word}"
    if not rest or rest[0].startswith("-") or rest[0].isupper():
        return
    first = _first_argument(words[0])
    for value in rest[0].split("|"):
        if words[0] == "query":
            known = set(catalogue(QUERIES))
        else:
            assert first.choices, f"{where}: `caucasus-kg {hint}`"
            known = set(first.choices)
        assert value in known, f"{where}: `caucasus-kg {hint}`: '{value}' is not one of {known}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str, cli) -> None:
    code, out, err = cli(name, "--help")
    assert code == 0, err
    assert re.match(rf"usage: caucasus-kg {name}\b", out), out


def test_the_readme_command_table_lists_every_command() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    rows = re.findall(r"^\| `caucasus-kg ([^`]+)` \|", readme, re.M)
    listed = {row.split()[0] for row in rows}
    assert listed == set(COMMANDS)
    dataset = _first_argument("import")
    row = next(r for r in rows if r.startswith("import "))
    assert set(row.split()[1].replace("\\|", "|").split("|")) == set(dataset.choices)
