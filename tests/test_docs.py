"""The documentation's examples are real: each shown command prints exactly what the page shows."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, copy_project

from caucasus_kg.core.project import find_project
from caucasus_kg.ops.build import check

DRAFTING = "## Drafting a fact file from an article"


def shown(page: str, section: str | None = None, leave_out: str | None = None
          ) -> dict[str, str]:
    """Every ``$ command`` in the page's code blocks (of one ``## section``, or without one),
    with the output shown under it."""
    text = (ROOT / "docs" / page).read_text("utf-8")
    if section is not None:
        text = text[text.index(section):]
        text = text[:text.find("\n## ", 1) if "\n## " in text[1:] else len(text)]
    if leave_out is not None:
        start = text.index(leave_out)
        end = text.find("\n## ", start + 1)
        text = text[:start] + (text[end:] if end >= 0 else "")
    out = {}
    for language, block in re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        if not language and block.startswith("$ "):
            command, _, output = block.partition("\n")
            out[command[2:]] = output
    return out


@pytest.fixture
def copy(tmp_path):
    root = copy_project(tmp_path / "project")
    shutil.copytree(ROOT / "docs", root / "docs")
    return root


def test_adding_facts_walkthrough(copy, cli, monkeypatch) -> None:
    monkeypatch.chdir(copy)
    commands = shown("adding-facts.md", leave_out=DRAFTING)
    assert len(commands) == 5
    for command, expected in commands.items():
        args = command.split()[1:]
        code, out, err = cli(*args)
        assert code == (1 if "broken" in command else 0), out + err
        assert out == expected, command


def test_fact_file_format_example_is_valid(tmp_path) -> None:
    """The 'complete small example' of docs/fact-files.md loads cleanly."""
    text = (ROOT / "docs" / "fact-files.md").read_text("utf-8")
    section = text[text.index("## A complete small example"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)
    root = copy_project(tmp_path / "project")
    (root / "graphs" / "example.yaml").write_text(example, "utf-8")
    quote = re.search(r"quote: (.*)", example).group(1)
    (root / "graphs" / "sources" / "example-report.txt").write_text(quote + "\n", "utf-8")
    result = check(find_project(root, tmp_path / "store"))
    assert [d.render() for d in result.diagnostics] == []


def apply_diff(path: Path, diff: str) -> None:
    """Apply a unified diff of one file (as the page shows it) to ``path``; every context and
    removed line must match."""
    old = path.read_text("utf-8").split("\n")
    new: list[str] = []
    pos = 0
    for hunk in re.split(r"^@@ .*?@@\n", diff, flags=re.MULTILINE)[1:]:
        lines = hunk.rstrip("\n").split("\n")
        first = next(line[1:] for line in lines if line[:1] in (" ", "-"))
        start = old.index(first, pos)
        new += old[pos:start]
        pos = start
        for line in lines:
            tag, body = line[:1], line[1:]
            if tag in (" ", "-"):
                assert old[pos] == body, (old[pos], body)
                pos += 1
            if tag in (" ", "+"):
                new.append(body)
    path.write_text("\n".join(new + old[pos:]), "utf-8")


def test_drafting_walkthrough(copy, cli, monkeypatch) -> None:
    """draft -> validate (refused until reviewed) -> the review shown as a diff -> add."""
    monkeypatch.chdir(copy)
    commands = list(shown("adding-facts.md", DRAFTING).items())
    assert [c.split()[1] for c, _ in commands] == ["draft", "validate", "add"]
    text = (ROOT / "docs" / "adding-facts.md").read_text("utf-8")
    [diff] = re.findall(r"```diff\n(.*?)```", text[text.index(DRAFTING):], re.DOTALL)
    for command, expected in commands:
        args = shlex.split(command)[1:]
        if args[0] == "add":
            apply_diff(copy / "drafts" / "briefing.yaml", diff)
            code, out, err = cli("validate", "drafts/briefing.yaml")
            assert (code, out) == (0, ""), out + err
        code, out, err = cli(*args)
        assert code == (1 if args[0] == "validate" else 0), out + err
        assert out == expected, command
