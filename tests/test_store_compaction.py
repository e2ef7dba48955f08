"""A build or import large enough to be compacted (store.COMPACT_AFTER triples) gives the same
answers as before compaction, and a small addition afterwards leaves the store intact."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from caucasus_kg.model.namespaces import PREFIXES
from caucasus_kg.store.embedded import COMPACT_AFTER

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from add_incremental import synthetic_graph  # noqa: E402

TRANSFERS = "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a ckg:ArmsTransfer }"


def _count(store_path: Path) -> int:
    store = ox.Store.read_only(str(store_path))
    try:
        rows = list(store.query(TRANSFERS, prefixes=PREFIXES, use_default_graph_as_union=True))
        return int(rows[0]["n"].value)
    finally:
        del store


@pytest.mark.slow
def test_a_large_addition_is_compacted_and_answers_the_same(tmp_project, cli, tmp_path) -> None:
    assert cli("--project", tmp_project.root, "build")[0] == 0
    before = _count(tmp_project.store_path)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    facts = synthetic_graph(incoming / "synthetic.nt", COMPACT_AFTER + 10_000)
    lines = sum(1 for _ in (incoming / "synthetic.nt").open(encoding="utf-8"))
    assert lines >= COMPACT_AFTER  # large enough to take the compacting path

    code, _out, err = cli("--project", tmp_project.root, "add", incoming / "synthetic.nt")
    assert code == 0, err
    assert _count(tmp_project.store_path) == before + facts

    code, _out, err = cli("--project", tmp_project.root, "build")
    assert code == 0, err
    assert _count(tmp_project.store_path) == before + facts
