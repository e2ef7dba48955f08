"""RDF files go into Oxigraph directly: an N-Triples file of thousands of triples builds and is
queryable, a bad line deep in it is reported with its number, and blank nodes are canonical."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, TODAY

from caucasus_kg.core.diagnostics import InputError
from caucasus_kg.model.namespaces import CKG, GRAPH, ID
from caucasus_kg.ops.add import add_files
from caucasus_kg.ops.build import build, check
from caucasus_kg.sources.dataset import NamedGraph
from caucasus_kg.store.embedded import open_store


def _generator():
    spec = importlib.util.spec_from_file_location(
        "add_incremental", ROOT / "benchmarks" / "add_incremental.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.synthetic_graph


synthetic_graph = _generator()


def _rows(store: ox.Store, text: str) -> list[tuple[str, ...]]:
    return [tuple(term.value for term in row)
            for row in store.query(text, use_default_graph_as_union=True)]


def test_an_ntriples_file_of_thousands_of_triples_builds_and_is_queryable(tmp_project) -> None:
    path = tmp_project.graphs_dir / "synthetic.nt"
    facts = synthetic_graph(path, 5000)
    lines = len(path.read_text("utf-8").splitlines())
    assert lines > 4000
    info, result = build(tmp_project, today=TODAY)
    named = next(g for g in result.dataset.graphs if g.file == "synthetic.nt")
    assert named.graph is None  # parsed into Oxigraph, never an rdflib graph
    assert len(named) == lines
    store = open_store(tmp_project.store_path)
    graph = GRAPH["synthetic"]
    [(count,)] = _rows(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert int(count) == lines
    assert _rows(store, f"""
        SELECT ?supplier ?recipient ?year WHERE {{
          <{ID}synthetic-transfer-5> <{CKG}supplier> ?supplier ;
              <{CKG}recipient> ?recipient ; <{CKG}year> ?year }}""") == [
        (f"{ID}israel", f"{ID}synthetic-state-36", "2000")]
    [(transfers,)] = _rows(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?t a <{CKG}ArmsTransfer> "
                                  f"FILTER(STRSTARTS(STR(?t), '{ID}synthetic-transfer-')) }}")
    assert int(transfers) == facts
    assert info.triples >= lines


def test_a_bad_line_deep_in_a_large_ntriples_file_is_reported_with_its_number(
        tmp_project, cli) -> None:
    path = tmp_project.graphs_dir / "synthetic.nt"
    synthetic_graph(path, 5000)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[3999] = f"<{ID}synthetic-transfer-1> <{CKG}year> 2000 .\n"  # a bare number
    path.write_text("".join(lines), "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.file, diagnostic.line) == ("synthetic.nt", 4000)
    assert diagnostic.message.startswith("not valid nt:")
    code, _, err = cli("--project", tmp_project.root, "build")
    assert code == 2
    assert "synthetic.nt:4000: error: not valid nt" in err
    assert not tmp_project.store_path.exists()


def test_an_invalid_iri_is_named_with_its_line(tmp_project) -> None:
    path = tmp_project.graphs_dir / "synthetic.nt"
    synthetic_graph(path, 3000)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[2000] = f"<{ID}a b> <{CKG}year> \"2000\" .\n"
    path.write_text("".join(lines), "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.file, diagnostic.line) == ("synthetic.nt", 2001)
    assert diagnostic.message == f"'{ID}a b' is not a valid IRI"


BLANK = """\
@prefix ckg: <https://w3id.org/caucasus-kg/ontology#> .
@prefix id: <https://w3id.org/caucasus-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

id:{slug} a ckg:State ; rdfs:label "{label}"@en ; rdfs:seeAlso [ rdfs:label "note" ] .
"""


SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"


def _dump(store_path: Path) -> bytes:
    return open_store(store_path).dump(format=ox.RdfFormat.N_QUADS)


def test_builds_are_byte_identical_and_blank_nodes_stay_in_their_file(tmp_project) -> None:
    for slug, label in (("blank-a", "Blank A"), ("blank-b", "Blank B")):
        (tmp_project.graphs_dir / f"{slug}.ttl").write_text(
            BLANK.format(slug=slug, label=label), "utf-8")
    build(tmp_project, today=TODAY)
    first = _dump(tmp_project.store_path)
    build(tmp_project, today=TODAY)
    assert _dump(tmp_project.store_path) == first
    store = open_store(tmp_project.store_path)
    notes = _rows(store, f"""
        SELECT DISTINCT ?g ?note WHERE {{ GRAPH ?g {{ ?s <{SEE_ALSO}> ?note }}
          FILTER(isBlank(?note)) }} ORDER BY ?g""")
    assert [g for g, _ in notes] == [str(GRAPH["blank-a"]), str(GRAPH["blank-b"])]
    assert notes[0][1] != notes[1][1]  # two files' blank nodes are two nodes


def test_an_added_ntriples_file_gives_the_store_a_later_build_gives(tmp_project,
                                                                   tmp_path) -> None:
    build(tmp_project, today=TODAY)
    incoming = tmp_path / "incoming" / "synthetic.nt"
    incoming.parent.mkdir()
    synthetic_graph(incoming, 3000)
    report = add_files(tmp_project, [incoming], today=TODAY)
    assert report.accepted, [p.render() for p in report.problems]
    assert report.triples == len(incoming.read_text("utf-8").splitlines())
    added = _dump(tmp_project.store_path)
    assert f"<{ID}synthetic-transfer-7>".encode() in added
    build(tmp_project, today=TODAY)
    assert _dump(tmp_project.store_path) == added


def test_named_graph_of_an_rdf_file_reads_from_the_file_once_released(tmp_project) -> None:
    path = tmp_project.graphs_dir / "synthetic.nt"
    synthetic_graph(path, 1000)
    result = check(tmp_project, today=TODAY)
    named: NamedGraph = next(g for g in result.dataset.graphs if g.file == "synthetic.nt")
    before = sorted(str(q) for q in named.quads())
    result.dataset.release()
    assert named.store is None
    assert sorted(str(q) for q in named.quads()) == before
    path.write_text(path.read_text("utf-8") + f"<{ID}x> <{CKG}year> \"1\" .\n", "utf-8")
    with pytest.raises(InputError, match="changed while the command was running"):
        list(named.quads())


def test_large_input_digests_are_reused_and_a_changed_file_is_still_seen(tmp_project) -> None:
    """The digests of inputs over 1 MiB are kept beside the store by a build and reused while
    size and mtime are unchanged; an edited file makes the store stale all the same."""
    import json
    import os

    from caucasus_kg.ops.opening import is_stale
    from caucasus_kg.sources.fingerprint import _DigestCache

    path = tmp_project.graphs_dir / "synthetic.nt"
    synthetic_graph(path, 12000)
    assert path.stat().st_size > _DigestCache.MIN_SIZE
    cache_file = tmp_project.store_path.parent / "file-digests.json"
    build(tmp_project, today=TODAY)
    cached = json.loads(cache_file.read_text("utf-8"))
    assert list(cached) == ["graphs/synthetic.nt"]
    assert is_stale(tmp_project) is False
    text = path.read_text("utf-8")
    path.write_text(text.replace('"2000"', '"2001"', 1), "utf-8")  # same size, new content
    assert path.stat().st_size == cached["graphs/synthetic.nt"][0][0]
    assert is_stale(tmp_project) is True
    os.utime(path, ns=(0, 0))  # even with an old timestamp the mtime differs
    assert is_stale(tmp_project) is True


def test_a_moved_project_keeps_its_digests(tmp_project, tmp_path, monkeypatch) -> None:
    """Digests are keyed by the path in the project: after the project folder is moved, the
    staleness check reuses them instead of reading the large file again."""
    import shutil
    from pathlib import Path

    from caucasus_kg.core.project import find_project
    from caucasus_kg.ops.opening import is_stale
    from caucasus_kg.sources import fingerprint

    synthetic_graph(tmp_project.graphs_dir / "synthetic.nt", 12000)
    build(tmp_project, today=TODAY)
    moved = Path(shutil.move(tmp_project.root, tmp_path / "moved-project"))
    fingerprint._DIGEST_CACHES.clear()
    read = Path.read_bytes

    def refuse_large(self: Path) -> bytes:
        assert self.name != "synthetic.nt", "the large input was read again"
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse_large)
    assert is_stale(find_project(moved)) is False
