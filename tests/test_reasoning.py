"""The ontology, the standards it reuses and the built graph are consistent, as two reasoners we
did not write see them: owlrl's OWL 2 RL closure and HermiT (the jar shipped with owlready2, run
with Java).

The reused ontologies (PROV-O, Web Annotation, SKOS, DCMI terms and types) are committed in
ontology/reused/ with their licences, never fetched. Each test also shows its reasoner catching
the clash the ontology used to have (events typed as PROV activities and, through ckg:Fact, PROV
entities, which PROV-O declares disjoint), so a pass means something.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import owlready2
import owlrl
import pyoxigraph as ox
import pytest
from rdflib import Graph

from caucasus_kg.model.terms import from_ox_term

ROOT = Path(__file__).resolve().parents[1]
REUSED = sorted((ROOT / "ontology" / "reused").glob("*.nt"))
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
EVENT_IS_ACTIVITY = ox.Triple(ox.NamedNode("https://w3id.org/caucasus-kg/ontology#Event"),
                              ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                              ox.NamedNode("http://www.w3.org/ns/prov#Activity"))


def everything(store: ox.Store, extra: tuple[ox.Triple, ...] = ()) -> list[ox.Triple]:
    """Ontology, vocabularies, the reused ontologies and every graph of ``store``; owl:imports
    left out, since the imported ontologies are all here."""
    triples: list[ox.Triple] = []
    for name in ("caucasus-kg.ttl", "vocabularies.ttl"):
        triples += [q.triple for q in ox.parse(path=str(ROOT / "ontology" / name),
                                               format=ox.RdfFormat.TURTLE)]
    for path in REUSED:
        triples += [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    triples += [q.triple for q in store.quads_for_pattern(None, None, None, None)]
    triples += extra
    return sorted({t for t in triples if t.predicate.value != OWL_IMPORTS}, key=str)


def test_the_reused_ontologies_are_committed_with_their_licences() -> None:
    assert [p.stem for p in REUSED] == ["dcmitype", "dcterms", "oa", "prov", "skos"]
    notes = (ROOT / "ontology" / "reused" / "README.md").read_text("utf-8")
    for name in ("W3C Software and Document", "Creative Commons Attribution 4.0"):
        assert name in notes
    disjoint = [line for line in (ROOT / "ontology" / "reused" / "prov.nt").read_text("utf-8")
                .splitlines() if "prov#Activity> <http://www.w3.org/2002/07/owl#disjointWith>" in line]
    assert disjoint, "PROV-O's Activity/Entity disjointness is what the tests rely on"


def owlrl_errors(triples: list[ox.Triple]) -> list[str]:
    graph = Graph()
    for t in triples:
        graph.add((from_ox_term(t.subject), from_ox_term(t.predicate), from_ox_term(t.object)))
    closure = owlrl.OWLRL.OWLRL_Semantics(graph, False, False, False)
    closure.closure()
    return sorted(closure.error_messages)


@pytest.mark.slow
def test_owl_rl_closure_finds_no_clash(store: ox.Store) -> None:
    assert owlrl_errors(everything(store)) == []


def test_owl_rl_closure_would_find_the_old_clash(store: ox.Store) -> None:
    """Shown on the ontology and one event of the graph with what the graph says of it: every
    event gives the same clash, and the closure of the whole graph takes seconds."""
    event = ox.NamedNode("https://w3id.org/caucasus-kg/id/russia-withdraws-from-cfe-2023")
    one = ox.Store()
    one.extend(store.quads_for_pattern(event, None, None, None))
    assert len(one) > 3
    errors = owlrl_errors(everything(one, (EVENT_IS_ACTIVITY,)))
    assert errors and all("prov#Activity and http://www.w3.org/ns/prov#Entity" in e
                          for e in errors)
    assert any("russia-withdraws-from-cfe-2023" in e for e in errors)


def hermit(triples: list[ox.Triple], folder: Path) -> subprocess.CompletedProcess[str]:
    """HermiT's consistency check (-k) and unsatisfiable classes (-U). HermiT supports only the
    OWL 2 datatypes, and ckg:partialDate is a union with xsd:gYear and xsd:gYearMonth: those
    datatypes are ignored (--ignoreUnsupportedDatatypes), the classes and individuals are not."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("HermiT needs Java: install a JRE (Debian: default-jre-headless)")
    jars = Path(owlready2.__file__).parent / "hermit"
    data = folder / "everything.ttl"  # N-Triples is Turtle
    data.write_text("".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples),
                    "utf-8")
    return subprocess.run([java, "-Xmx2g", "-cp", f"{jars}:{jars / 'HermiT.jar'}",
                           "org.semanticweb.HermiT.cli.CommandLine", "-k", "-U",
                           "--ignoreUnsupportedDatatypes", data.as_uri()],
                          capture_output=True, text=True, timeout=600)


def test_hermit_finds_the_graph_consistent_with_no_unsatisfiable_class(
        store: ox.Store, tmp_path: Path) -> None:
    done = hermit(everything(store), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "owl#Thing is satisfiable" in done.stdout
    unsatisfiable = done.stdout.split("Classes equivalent to 'owl:Nothing':", 1)[1].split()
    assert unsatisfiable == ["owl:Nothing"]


def test_hermit_would_find_the_old_clash(store: ox.Store, tmp_path: Path) -> None:
    done = hermit(everything(store, (EVENT_IS_ACTIVITY,)), tmp_path)
    assert done.returncode != 0
    assert "InconsistentOntologyException" in done.stderr


def test_hermit_holds_a_rank_to_its_range(store: ox.Store, tmp_path: Path) -> None:
    """ckg:rank's range, ckg:positiveInteger, is xsd:integer restricted to 1 and above: the
    stored "16"^^xsd:integer lies in it (the test above), a rank of 0 is a clash."""
    rank = ox.NamedNode("https://w3id.org/caucasus-kg/ontology#rank")
    ranked = [t for t in everything(store) if t.predicate == rank]
    assert [t.object.value for t in ranked] == ["16"]
    zero = ox.Triple(ranked[0].subject, rank, ox.Literal("0", datatype=ranked[0].object.datatype))
    done = hermit([t for t in everything(store, (zero,)) if t != ranked[0]], tmp_path)
    assert done.returncode != 0
    assert "InconsistentOntologyException" in done.stderr
