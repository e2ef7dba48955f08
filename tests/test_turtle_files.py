"""The project's Turtle files are parsed once per process, by content: an edited file is read
again, and a graph one caller changes is never what the next caller gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from caucasus_kg.model.turtle_files import derived, read_turtle

ROOT = Path(__file__).resolve().parents[1]
EX = "https://example.org/turtle-test/"


def shape_of(graph: Graph) -> tuple[list[tuple[str, ...]], int]:
    """The triples with blank nodes blanked out, and how many blank nodes there are."""
    triples = sorted(tuple("_" if isinstance(t, BNode) else t.n3() for t in triple)
                     for triple in graph)
    return triples, len({t for triple in graph for t in triple if isinstance(t, BNode)})


def test_a_graph_is_the_files_triples_and_prefixes(tmp_path: Path) -> None:
    shapes = ROOT / "ontology" / "shapes.ttl"
    expected = Graph().parse(shapes, format="turtle")
    for _ in range(2):  # parsed, then from what was kept
        graph = read_turtle(shapes)
        assert shape_of(graph) == shape_of(expected)
        assert dict(graph.namespaces())["sh"] == URIRef("http://www.w3.org/ns/shacl#")


def test_the_shared_graph_cannot_be_changed_and_a_copy_can(tmp_path: Path) -> None:
    path = tmp_path / "a.ttl"
    path.write_text(f"<{EX}s> <{EX}p> 1 .\n", "utf-8")
    graph = read_turtle(path)
    two = (URIRef(EX + "s"), URIRef(EX + "p"), Literal(2))
    for change in (lambda: graph.add(two), lambda: graph.remove((None, None, None)),
                   lambda: graph.parse(data="<a:b> <a:c> <a:d> .", format="turtle")):
        with pytest.raises(TypeError, match="cannot be changed; change a copy"):
            change()
    copy = Graph() + graph
    copy.add(two)
    assert len(copy) == 2 and len(read_turtle(path)) == 1 and read_turtle(path) is graph


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.ttl"
    path.write_text(f"<{EX}s> <{EX}p> 1 .\n", "utf-8")
    before = read_turtle(path)
    path.write_text(f"<{EX}s> <{EX}p> 3 .\n", "utf-8")  # same size, perhaps the same mtime
    after = read_turtle(path)
    assert [o.toPython() for o in before.objects()] == [1]
    assert [o.toPython() for o in after.objects()] == [3]
    assert before.source_sha256 != after.source_sha256


def test_several_files_make_one_graph(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text(f"<{EX}s> <{EX}p> 1 .\n", "utf-8")
    b.write_text(f"<{EX}s> <{EX}p> 2 .\n", "utf-8")
    assert sorted(o.toPython() for o in read_turtle(a, b).objects()) == [1, 2]


def test_work_derived_from_a_read_graph_is_made_once_per_content(tmp_path: Path) -> None:
    path = tmp_path / "one.ttl"
    path.write_text(f"<{EX}a> <{EX}p> 1 .\n", "utf-8")
    made: list[int] = []

    def count() -> int:
        made.append(1)
        return len(made)

    assert derived(read_turtle(path), "count", count) == 1
    assert derived(read_turtle(path), "count", count) == 1  # the same content: kept
    path.write_text(f"<{EX}a> <{EX}p> 2 .\n", "utf-8")
    assert derived(read_turtle(path), "count", count) == 2  # edited: made again
    plain = Graph().parse(path, format="turtle")  # may change, so nothing is kept for it
    assert derived(plain, "count", count) == 3
    assert derived(plain, "count", count) == 4
