"""RDF inputs: Turtle, N-Triples and JSON-LD files under graphs/ join the graph and can be referenced."""

from __future__ import annotations

import json

import pytest
from conftest import TODAY

from caucasus_kg.core.diagnostics import InputError
from caucasus_kg.model.namespaces import CKG, GRAPH, ID
from caucasus_kg.ops.build import check

TURTLE = """\
@prefix ckg: <https://w3id.org/caucasus-kg/ontology#> .
@prefix id: <https://w3id.org/caucasus-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .

id:serbia a ckg:State ; rdfs:label "Serbia"@en ; skos:altLabel "Srbija"@en ;
    ckg:wikidata wd:Q403 .
"""


def fact_using(actor: str) -> str:
    return f"""\
actors:
  - id: belgrade-group
    type: GroupOfStates
    label: Belgrade group
    group_of: nato
    excludes: {actor}
"""


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_rdf_file_entities_are_referenceable_by_label_and_qid(tmp_project, fmt) -> None:
    from rdflib import Graph

    graph = Graph().parse(data=TURTLE, format="turtle")
    data = {"ttl": TURTLE, "nt": graph.serialize(format="nt"),
            "jsonld": graph.serialize(format="json-ld")}[fmt]
    (tmp_project.graphs_dir / f"reference.{fmt}").write_text(data, "utf-8")
    (tmp_project.graphs_dir / "group.yaml").write_text(fact_using("Srbija"), "utf-8")
    result = check(tmp_project, today=TODAY)
    assert [d.render() for d in result.errors] == []
    names = {g.name: g for g in result.dataset.graphs}
    assert GRAPH["reference"] in names
    group = names[GRAPH["group"]].to_rdflib()
    assert group.value(ID["belgrade-group"], CKG.excludes) == ID["serbia"]
    (tmp_project.graphs_dir / "group.yaml").write_text(fact_using("Q403"), "utf-8")
    result = check(tmp_project, today=TODAY)
    assert result.errors == []


def test_broken_turtle_is_an_input_error_with_its_line(tmp_project) -> None:
    (tmp_project.graphs_dir / "reference.ttl").write_text(
        TURTLE.replace('"Serbia"@en ;', '"Serbia"@en ;;\n   bad bad bad'), "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    [diagnostic] = info.value.diagnostics
    assert diagnostic.file == "reference.ttl"
    assert diagnostic.message.startswith("not valid turtle")


def test_broken_jsonld_is_an_input_error(tmp_project) -> None:
    (tmp_project.graphs_dir / "reference.jsonld").write_text(json.dumps({"@context": 5}),
                                                             "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    assert info.value.diagnostics[0].file == "reference.jsonld"


def test_jsonld_with_a_remote_context_is_refused_without_fetching(tmp_project) -> None:
    doc = {"@context": "https://schema.org/", "@id": "https://w3id.org/caucasus-kg/id/x",
           "name": "X"}
    (tmp_project.graphs_dir / "remote.jsonld").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    assert "loads a remote @context (https://schema.org/)" in info.value.diagnostics[0].message


def test_the_control_bytes_looked_for_first_are_those_the_search_finds() -> None:
    """A chunk is searched for a raw control character only if deleting the control bytes
    shortens it: the two must agree on every byte, or a character would go unreported."""
    from caucasus_kg.sources import rdffile

    found_by_search = {b for b in range(256) if rdffile._RAW_CONTROL.search(bytes([b]))}
    assert found_by_search == set(rdffile._RAW_CONTROL_BYTES)
    assert {0x09, 0x0A, 0x0D}.isdisjoint(found_by_search)  # tab and line breaks are allowed
