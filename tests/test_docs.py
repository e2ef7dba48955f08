"""The documentation's examples are real: each shown command prints exactly what the page shows."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT, copy_project

from caucasus_kg.core.project import find_project
from caucasus_kg.ops.build import check


def shown(page: str) -> dict[str, str]:
    """Every ``$ command`` in the page's code blocks, with the output shown under it."""
    text = (ROOT / "docs" / page).read_text("utf-8")
    out = {}
    for block in re.findall(r"```\n(.*?)```", text, re.DOTALL):
        if block.startswith("$ "):
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
    commands = shown("adding-facts.md")
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
