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
