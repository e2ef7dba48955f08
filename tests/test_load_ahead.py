"""N-Triples files are loaded into the embedded store while they are checked: an addition's
(every import) into the staged copy of the store (``EmbeddedStore.preload``), a build's into the
new store (``preload_build``). The store they leave is the one loading after the checks gives,
a file that changed or holds blank nodes is loaded again, and a refused addition or build leaves
nothing behind."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import TODAY, tree_digest
from test_rdf_load import _dump

from caucasus_kg.core.diagnostics import DataError
from caucasus_kg.model.namespaces import CKG, GRAPH, ID
from caucasus_kg.ops.add import add_files
from caucasus_kg.ops.build import build
from caucasus_kg.sources.dataset import read_files
from caucasus_kg.sources.inputs import InputFile
from caucasus_kg.store import embedded
from caucasus_kg.store.backend import Addition
from caucasus_kg.store.embedded import EmbeddedStore, open_store, read_build_info
from caucasus_kg.store.transaction import beside

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"


def _state(slug: str, label: str, note: bool = False) -> str:
    lines = [f"<{ID}{slug}> <{RDF_TYPE}> <{CKG}State> .",
             f'<{ID}{slug}> <{LABEL}> "{label}"@en .']
    if note:
        lines += [f"<{ID}{slug}> <{SEE_ALSO}> _:note .", f'_:note <{LABEL}> "note" .']
    return "\n".join(lines) + "\n"


def _labels(store: ox.Store, graph: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(LABEL), None,
                                                            ox.NamedNode(graph))}


def _assert_a_build_gives_the_same(project) -> None:
    """The store and its build info are those a build of the same files gives."""
    added, info = _dump(project.store_path), read_build_info(project.store_path)
    assert info is not None and info.triples == len(open_store(project.store_path))
    build(project, today=TODAY)
    rebuilt = read_build_info(project.store_path)
    assert _dump(project.store_path) == added
    assert rebuilt is not None and (rebuilt.triples, rebuilt.graphs) == (info.triples,
                                                                         info.graphs)


def test_an_import_that_replaces_its_earlier_one_gives_the_store_a_build_gives(
        tmp_project, tmp_path) -> None:
    build(tmp_project, today=TODAY)
    incoming = tmp_path / "incoming" / "register-states.nt"
    incoming.parent.mkdir()
    incoming.write_text(_state("first-state", "First State"), "utf-8")
    assert add_files(tmp_project, [incoming], today=TODAY, imported=True).accepted
    incoming.write_text(_state("second-state", "Second State"), "utf-8")
    report = add_files(tmp_project, [incoming], today=TODAY, imported=True)
    assert report.accepted, [p.render() for p in report.problems]
    store = open_store(tmp_project.store_path)
    assert _labels(store, str(GRAPH["register-states"])) == {"Second State"}
    del store
    _assert_a_build_gives_the_same(tmp_project)


def test_an_ntriples_file_with_blank_nodes_gets_the_labels_a_build_gives(tmp_project,
                                                                         tmp_path) -> None:
    """The loader ahead keeps the parser's blank node labels; a build relabels them
    canonically, so the file must be loaded again when the addition is staged."""
    build(tmp_project, today=TODAY)
    incoming = tmp_path / "incoming" / "noted-state.nt"
    incoming.parent.mkdir()
    incoming.write_text(_state("noted-state", "Noted State", note=True), "utf-8")
    report = add_files(tmp_project, [incoming], today=TODAY)
    assert report.accepted, [p.render() for p in report.problems]
    assert b"_:" in _dump(tmp_project.store_path)
    _assert_a_build_gives_the_same(tmp_project)


@pytest.fixture
def backend(tmp_project):
    build(tmp_project, today=TODAY)
    store = EmbeddedStore(tmp_project)
    yield store
    store.close()


def _staged_labels(backend: EmbeddedStore, path: Path, graph: str) -> set[str]:
    """Stage an addition of ``path`` (as the checks read it) and read the staged copy."""
    _facts, [named] = read_files([InputFile(path, path.name, path.name)])
    backend.stage_addition(Addition([named]), {})
    staged = ox.Store.read_only(str(beside(backend.path, "add-new")))
    try:
        return _labels(staged, graph)
    finally:
        del staged


def test_an_unchanged_file_loaded_ahead_is_not_loaded_again(backend, tmp_path,
                                                            monkeypatch) -> None:
    path = tmp_path / "ahead.nt"
    path.write_text(_state("ahead-state", "Ahead State"), "utf-8")
    graph = str(GRAPH["ahead"])
    backend.preload([(path, graph)])

    def refuse(_store: ox.Store, graphs: list) -> None:
        if graphs:
            raise AssertionError(f"loaded again: {[g.file for g in graphs]}")

    monkeypatch.setattr(embedded, "load_graphs", refuse)
    assert _staged_labels(backend, path, graph) == {"Ahead State"}


def test_a_file_that_changed_after_it_was_loaded_ahead_is_loaded_again(backend,
                                                                       tmp_path) -> None:
    path = tmp_path / "ahead.nt"
    path.write_text(_state("ahead-state", "Ahead State"), "utf-8")
    graph = str(GRAPH["ahead"])
    backend.preload([(path, graph)])
    preloaded = backend._preloaded
    assert preloaded is not None and preloaded.thread is not None
    preloaded.thread.join()  # loaded as it was
    path.write_text(_state("ahead-state", "Ahead State, corrected"), "utf-8")
    assert _staged_labels(backend, path, graph) == {"Ahead State, corrected"}


def test_a_refused_import_leaves_the_state_folder_as_it_was(tmp_project, tmp_path) -> None:
    build(tmp_project, today=TODAY)
    before = tree_digest(tmp_project.graphs_dir, tmp_project.store_path.parent)
    incoming = tmp_path / "incoming" / "register-states.nt"
    incoming.parent.mkdir()
    incoming.write_text(f"<{ID}unnamed-state> <{RDF_TYPE}> <{CKG}State> .\n", "utf-8")
    report = add_files(tmp_project, [incoming], today=TODAY, imported=True)
    assert not report.accepted
    assert any("unnamed-state" in (p.fact or "") for p in report.errors), report.problems
    assert tree_digest(tmp_project.graphs_dir, tmp_project.store_path.parent) == before
    assert not beside(tmp_project.store_path, "add-new").exists()


def _project_with_ntriples(project) -> None:
    (project.graphs_dir / "plain-states.nt").write_text(
        _state("plain-state", "Plain State") + _state("other-state", "Other State"), "utf-8")
    (project.graphs_dir / "noted-states.nt").write_text(
        _state("noted-state", "Noted State", note=True), "utf-8")


def test_a_build_loading_ahead_writes_the_store_a_build_without_it_writes(
        tmp_project, monkeypatch) -> None:
    _project_with_ntriples(tmp_project)
    ahead_info, _ = build(tmp_project, today=TODAY)
    ahead = _dump(tmp_project.store_path)
    monkeypatch.setattr(EmbeddedStore, "preload_build", lambda self, files: None)
    plain_info, _ = build(tmp_project, today=TODAY)
    assert _dump(tmp_project.store_path) == ahead
    assert (ahead_info.triples, ahead_info.graphs) == (plain_info.triples, plain_info.graphs)
    assert ahead_info.triples == len(open_store(tmp_project.store_path))


def test_a_build_loads_an_unchanged_file_once(tmp_project, monkeypatch) -> None:
    _project_with_ntriples(tmp_project)
    loaded: list[str] = []
    real = embedded.load_graphs

    def recording(store: ox.Store, graphs: list) -> None:
        loaded.extend(g.file for g in graphs)
        real(store, graphs)

    monkeypatch.setattr(embedded, "load_graphs", recording)
    build(tmp_project, today=TODAY)
    assert "plain-states.nt" not in loaded  # loaded ahead, while it was checked
    assert "noted-states.nt" in loaded  # blank nodes: loaded again with canonical labels
    assert "ontology" in loaded


def test_a_refused_build_leaves_the_store_as_it_was(tmp_project) -> None:
    build(tmp_project, today=TODAY)
    before = tree_digest(tmp_project.store_path.parent)
    (tmp_project.graphs_dir / "register-states.nt").write_text(
        f"<{ID}unnamed-state> <{RDF_TYPE}> <{CKG}State> .\n", "utf-8")
    with pytest.raises(DataError):
        build(tmp_project, today=TODAY)
    assert tree_digest(tmp_project.store_path.parent) == before


def test_a_load_ahead_keeps_a_core_from_the_checks_while_it_loads(backend, tmp_path,
                                                                  monkeypatch) -> None:
    """SHACL's threads leave the loading thread its core (on two cores, they made the load of
    the SIPRI register half as long again)."""
    import os
    import threading

    from caucasus_kg.core.cores import free_cores

    seen: list[tuple[str, int, int]] = []

    def record(store: ox.Store, written: int) -> None:
        seen.append((threading.current_thread().name, free_cores(), written))

    monkeypatch.setattr(embedded, "compact_after_large_write", record)
    all_cores = max(1, os.cpu_count() or 1)
    assert free_cores() == all_cores
    path = tmp_path / "ahead.nt"
    path.write_text(_state("ahead-state", "Ahead State"), "utf-8")
    backend.preload([(path, str(GRAPH["ahead"]))])
    assert _staged_labels(backend, path, str(GRAPH["ahead"])) == {"Ahead State"}
    assert ("caucasus-kg-load-ahead", max(1, all_cores - 1), 2) in seen  # the file's 2 triples
    assert all(free == all_cores for name, free, _ in seen if name != "caucasus-kg-load-ahead")
    assert free_cores() == all_cores
