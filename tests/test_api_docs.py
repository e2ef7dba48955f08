"""docs/python.md is real: its Python examples run in order, in a built copy of the project, and
each prints exactly the output shown under it."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest
from project_files import ROOT

PAGE = ROOT / "docs" / "python.md"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\n```text\n(.*?)```\n)?", re.DOTALL)


def examples() -> list[tuple[str, str | None]]:
    """Every ```python block of the page with the ```text block right under it, if any."""
    return [(code, shown) for code, shown in EXAMPLE.findall(PAGE.read_text("utf-8"))]


def test_the_page_has_the_examples_it_promises() -> None:
    code = "\n".join(c for c, _ in examples())
    for call in ("caucasus_kg.open(", "kg.query(", ".to_pandas()", "kg.explain(",
                 "kg.validate(", "kg.add(", "kg.network("):
        assert call in code, call
    assert len(examples()) >= 10
    assert all(shown for _, shown in examples()), "an example without its output"


def test_every_example_prints_what_the_page_shows(tmp_path: Path, built_template: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    shutil.copytree(built_template, project)
    shutil.copytree(ROOT / "docs" / "examples", project / "docs" / "examples")
    graphs_before = sorted(p.name for p in (project / "graphs").iterdir())
    monkeypatch.chdir(project)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for name in ("CAUCASUS_KG_PROJECT", "CAUCASUS_KG_STORE", "CAUCASUS_KG_SOURCES"):
        monkeypatch.delenv(name, raising=False)
    namespace: dict[str, object] = {"__name__": "docs_python"}
    for number, (code, shown) in enumerate(examples(), start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"docs/python.md example {number}", "exec"), namespace)
        assert printed.getvalue() == shown, f"example {number}:\n{code}"
    picture = (project / "cfe-network.png").read_bytes()
    assert picture.startswith(b"\x89PNG") and len(picture) > 10_000
    assert sorted(p.name for p in (project / "graphs").iterdir()) == graphs_before  # dry run
