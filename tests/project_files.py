"""The curated project files the tests build their projects from: the list the wheel bundles.

The one list is ``[tool.hatch.build.targets.wheel] include`` in pyproject.toml (the entries
outside src/): the ontology, the query catalogue, and the hand-written fact files with their
source texts. Tests copy these files, never whole folders of the working tree, so files a user
generated there (an import, a store, a stray file in graphs/) never become test inputs.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def curated_patterns() -> list[str]:
    """The wheel's include patterns for the project files (not the package's code)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["include"]
    return [pattern for pattern in include if not pattern.startswith("src/")]


def curated_files() -> list[str]:
    """Every curated file, relative to the repository (each pattern must match something)."""
    found: list[str] = []
    for pattern in curated_patterns():
        matches = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern)
                         if p.is_file())
        assert matches, f"pyproject.toml's wheel include pattern {pattern!r} matches no file"
        found += matches
    return found


def copy_project(root: Path) -> Path:
    """A project at ``root`` made of the curated files only (with an empty graphs/sources/ if
    the list has no source texts); returns ``root``."""
    for rel in curated_files():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, target)
    (root / "graphs" / "sources").mkdir(parents=True, exist_ok=True)
    return root
