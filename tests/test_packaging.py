"""The wheel bundles the package and the curated project files named in pyproject.toml, and
nothing a user generated: a stray N-Triples file in graphs/, an import, a store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from project_files import ROOT, curated_files, curated_patterns

BUNDLED = "caucasus_kg/bundled/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built (with hatchling, as `pip wheel` does) from a copy of the source tree that
    also holds what a user's working tree may: a stray .nt and an extra fact file in graphs/, an
    import, a store."""
    tree = tmp_path_factory.mktemp("source") / "caucasus-kg"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        shutil.copyfile(ROOT / name, tree / name)
    for folder in ("src", "ontology", "queries", "graphs"):
        shutil.copytree(ROOT / folder, tree / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (tree / "graphs" / "stray.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", "utf-8")
    (tree / "graphs" / "my-notes.yaml").write_text("actors: []\n", "utf-8")
    (tree / "imports").mkdir()
    (tree / "imports" / "sipri-register.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", "utf-8")
    (tree / ".caucasus-kg" / "store").mkdir(parents=True)
    (tree / ".caucasus-kg" / "store" / "CURRENT").write_text("x", "utf-8")
    out = tree.parent / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--no-index", "-w", str(out), str(tree)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [built] = out.glob("caucasus_kg-*.whl")
    return built


def test_the_wheel_bundles_exactly_the_curated_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    bundled = sorted(n[len(BUNDLED):] for n in names if n.startswith(BUNDLED))
    assert bundled == sorted(curated_files())
    assert "graphs/armenpress-azerbaijan-arms-imports.yaml" in bundled
    assert not [n for n in names if n.endswith(".nt") or "imports/" in n or ".caucasus-kg" in n
                or "my-notes" in n]


def test_the_wheel_holds_the_whole_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "src" / "caucasus_kg"
    expected = {f"caucasus_kg/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert expected <= names
    assert {n for n in names if not n.startswith(("caucasus_kg/", "caucasus_kg-"))} == set()


def test_the_installed_package_answers_from_its_bundled_project(wheel: Path, tmp_path) -> None:
    """Unpacked as pip installs it, run outside any project: the bundled project is found, its
    store built, and the founding article answers."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "query", "who-suspended-cfe",
                           "-f", "csv"], cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(home),
                               "PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"building it from {site / BUNDLED / 'graphs'}" in done.stderr
    assert done.stdout.splitlines()[3].startswith("Russia,withdrawal,,2023-11-07,")


def test_every_curated_pattern_names_files() -> None:
    assert curated_patterns()[:2] == ["ontology/*.ttl", "queries/*.rq"]
    files = curated_files()
    assert "ontology/caucasus-kg.ttl" in files and "queries/who-suspended-cfe.rq" in files
    assert not [f for f in files if f.endswith(".nt")]
