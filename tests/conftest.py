"""Shared fixtures: the shipped project, its dataset, and an in-memory Oxigraph store of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from caucasus_kg.dataset import Dataset, load_dataset
from caucasus_kg.project import Project, find_project
from caucasus_kg.queries import catalogue, run_query
from caucasus_kg.results import cell_text
from caucasus_kg.store import memory_store

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 1)
"""A fixed 'today' so that future-date warnings do not depend on when the tests run."""


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return find_project(ROOT, tmp_path_factory.mktemp("store") / "store")


@pytest.fixture(scope="session")
def dataset(project: Project) -> Dataset:
    ds = load_dataset(project, today=TODAY)
    assert not ds.diagnostics.errors, [d.render() for d in ds.diagnostics.errors]
    return ds


@pytest.fixture(scope="session")
def store(dataset: Dataset):
    return memory_store(dataset.all_graphs())


@pytest.fixture(scope="session")
def ask(project: Project, store):
    """Run a canned query by name; returns (columns, rows) with cells as the table shows them."""
    known = catalogue(project.queries_dir)

    def run(name: str, **params: str) -> tuple[list[str], list[tuple[str, ...]]]:
        result = run_query(known[name], store, params)
        return result.columns, [tuple(cell_text(v) for v in row) for row in result.rows]

    return run


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project copied and built once per session; tests copy it before changing anything."""
    import shutil

    from click.testing import CliRunner

    from caucasus_kg.cli import main

    root = tmp_path_factory.mktemp("template") / "project"
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    result = CliRunner().invoke(main, ["--project", str(root), "build"])
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    """A writable copy of the project (ontology, graphs, queries) with its own store."""
    import shutil

    root = tmp_path / "project"
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    return find_project(root, root / ".caucasus-kg" / "store")


def tree_digest(*folders: Path) -> str:
    """A digest of every file's path and bytes under ``folders``, to prove nothing changed."""
    import hashlib

    digest = hashlib.sha256()
    for folder in folders:
        if not folder.exists():
            digest.update(b"<missing>")
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def cli():
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from caucasus_kg.cli import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        runner = CliRunner()
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run
