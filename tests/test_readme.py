"""README's examples are real: the outputs it shows are what the commands print."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, copy_project

README = (ROOT / "README.md").read_text("utf-8")


def blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, re.DOTALL)


def shown_after(command: str) -> str:
    """The output README shows for ``$ command`` (the rest of that code block)."""
    for block in blocks():
        if block.startswith(f"$ {command}\n"):
            return block[len(f"$ {command}\n"):]
    raise AssertionError(f"README shows no output for {command}")


def test_readme_names_the_two_commands() -> None:
    assert "```sh\nmake run\n```" in README
    assert "```sh\nmake test\n```" in README
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "make run" in ci and "make test" in ci


def test_readme_shows_the_real_answer_to_who_suspended_cfe(cli, tmp_path, project) -> None:
    code, out, _ = cli("--project", project.root, "--store", tmp_path / "store", "query",
                       "who-suspended-cfe")
    assert code == 0
    assert out in blocks()


def test_readme_shows_the_real_explain(cli, tmp_path, project) -> None:
    code, out, _ = cli("--project", project.root, "--store", tmp_path / "store", "explain",
                       "russia-withdraws-from-cfe-2023")
    assert code == 0
    assert out == shown_after("caucasus-kg explain russia-withdraws-from-cfe-2023")


def test_readme_shows_the_real_validation_failure(cli, tmp_path, monkeypatch, project) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "new-facts.yaml").write_text(
        "events:\n"
        "  - id: russia-suspends-cfe-2007\n"
        "    type: SuspensionOfParticipation\n"
        "    label: Russia suspends the CFE Treaty\n"
        "    actor: Rusia\n"
        "    treaty: cfe-treaty\n"
        "    date: 2007-12-32\n", "utf-8")
    code, out, err = cli("--project", project.root, "validate", "new-facts.yaml")
    assert code == 1
    assert out + err == shown_after("caucasus-kg validate new-facts.yaml")


@pytest.mark.parametrize("command", ["caucasus-kg add docs/examples/cfe-2007-note-broken.yaml",
                                     "caucasus-kg add docs/examples/cfe-2007-note.yaml --dry-run"])
def test_readme_shows_the_real_add(cli, tmp_path, monkeypatch, command) -> None:
    import shutil

    copy_project(tmp_path)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(*command.split()[1:])
    assert code == (1 if "broken" in command else 0)
    assert out == shown_after(command)
