"""The graph the store holds, judged by SHACL engines we did not write: the dump of the built store
conforms to ontology/shapes.ttl in pySHACL and in Apache Jena SHACL, and a mutated dump gets the
same results from all three engines: `caucasus-kg validate` (the SPARQL engine, on an RDF-file
project made from the dump), pySHACL and Jena.

The dump is what `serve` answers from and what any consumer of the store sees: every literal as
the store keeps it. That is why the shapes ask for xsd:integer with sh:minInclusive and never for
xsd:positiveInteger, which Oxigraph stores as xsd:integer. How Jena is run: tests/jena_shacl.py.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import jena_shacl
import pyoxigraph as ox
import pytest
from rdflib import Graph

from caucasus_kg.checks.contradictions import DERIVED_GRAPH
from caucasus_kg.checks.shacl_reference import run_shacl
from caucasus_kg.checks.shacl_results import ShaclResult, load_shapes
from caucasus_kg.checks.validator import VALIDATORS
from caucasus_kg.core.project import find_project
from caucasus_kg.model.namespaces import CKG, ID, ONTOLOGY_GRAPH, PREFIXES, VOCABULARY_GRAPH
from caucasus_kg.ops.build import check
from caucasus_kg.sources.dataset import load_ontology

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILES = [ROOT / "ontology" / "caucasus-kg.ttl", ROOT / "ontology" / "vocabularies.ttl"]
XSD = PREFIXES["xsd"]
NON_DATA = {str(ONTOLOGY_GRAPH), str(VOCABULARY_GRAPH), str(DERIVED_GRAPH)}


@functools.cache
def shapes() -> Graph:
    return load_shapes(SHAPES)


@functools.cache
def ontology() -> Graph:
    """The ontology and vocabularies, as `caucasus-kg validate` gives them to pySHACL."""
    return load_ontology(find_project(ROOT, ROOT / ".unused-store")).graph


def n_triples(triples: set[ox.Triple]) -> bytes:
    """Triples as N-Triples, sorted (the same bytes for the same triples)."""
    return "".join(sorted(f"{t} .\n" for t in triples)).encode()


def ontology_triples() -> set[ox.Triple]:
    return {q.triple for path in ONTOLOGY_FILES
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}


@pytest.fixture(scope="module")
def dump(built_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built store of the shipped project, dumped as N-Quads."""
    store = ox.Store.read_only(str(built_template / ".caucasus-kg" / "store"))
    path = tmp_path_factory.mktemp("dump") / "store.nq"
    try:
        store.dump(str(path), format=ox.RdfFormat.N_QUADS)
    finally:
        del store
    return path


def quads(dump: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS))


def data_triples(dump: Path) -> set[ox.Triple]:
    """The data graphs of the dump in one set: no ontology, vocabularies or derived links."""
    return {q.triple for q in quads(dump) if q.graph_name.value not in NON_DATA}


def pyshacl_results(path: Path) -> list[ShaclResult]:
    return run_shacl(Graph().parse(path, format="nt"), shapes(), ontology())


def jena_report(triples: set[ox.Triple], folder: Path) -> Graph:
    """Jena's report on the triples, with the ontology mixed in as data (the class hierarchy
    sh:targetClass and sh:class follow, as pySHACL's ont_graph and the SPARQL engine do)."""
    data = folder / "jena-data.nt"
    data.write_bytes(n_triples(triples | ontology_triples()))
    return jena_shacl.validate(data, SHAPES, folder)


# ------------------------------------------------------------------------------------------
# The dump of the built store conforms
# ------------------------------------------------------------------------------------------

def test_the_dump_holds_only_integer_types_the_store_keeps(dump: Path) -> None:
    integers = {q.object.datatype.value for q in quads(dump)
                if isinstance(q.object, ox.Literal) and q.object.datatype.value.endswith("nteger")}
    assert integers == {XSD + "integer"}
    rank = [q.object for q in quads(dump) if q.predicate.value == str(CKG.rank)]
    assert rank == [ox.Literal("16", datatype=ox.NamedNode(XSD + "integer"))]


def test_the_dump_of_the_built_store_conforms_in_pyshacl_and_jena(dump: Path,
                                                                  tmp_path: Path) -> None:
    served = {q.triple for q in quads(dump)}  # every graph, as `serve` answers from them
    assert {q.graph_name.value for q in quads(dump)} >= {str(ONTOLOGY_GRAPH),
                                                          str(VOCABULARY_GRAPH)}
    union = tmp_path / "union.nt"
    union.write_bytes(n_triples(served))
    assert pyshacl_results(union) == []
    report = jena_report(served, tmp_path)
    assert jena_shacl.results(report) == []
    assert jena_shacl.conforms(report)


# ------------------------------------------------------------------------------------------
# A mutated dump: the same results in all three engines
# ------------------------------------------------------------------------------------------

def node(slug: str) -> ox.NamedNode:
    return ox.NamedNode(str(ID[slug]))


def prop(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


Mutation = Callable[[set[ox.Triple]], None]


def replace(subject: str, predicate: object, new: ox.Literal | ox.NamedNode | None) -> Mutation:
    """Replace the one value of ``predicate`` on ``subject`` (remove it if ``new`` is None)."""
    def apply(triples: set[ox.Triple]) -> None:
        [old] = [t for t in triples if t.subject == node(subject) and t.predicate == prop(predicate)]
        triples.remove(old)
        if new is not None:
            triples.add(ox.Triple(old.subject, old.predicate, new))
    return apply


def add(subject: str, predicate: object, value: ox.Literal | ox.NamedNode) -> Mutation:
    def apply(triples: set[ox.Triple]) -> None:
        triples.add(ox.Triple(node(subject), prop(predicate), value))
    return apply


OA = PREFIXES["oa"]
PROV = PREFIXES["prov"]
RDFS = PREFIXES["rdfs"]

MUTATIONS: dict[str, tuple[Mutation, tuple[str, str | None, str]]] = {
    # name: (the change, the result it must give: focus node, path, severity)
    "rank-zero": (replace("cawat-ranking-azerbaijan-2024", CKG.rank, typed("0", "integer")),
                  ("cawat-ranking-azerbaijan-2024", "ckg:rank", "error")),
    "ranking-without-publisher": (replace("cawat-ranking-azerbaijan-2024", CKG.rankedBy, None),
                                  ("cawat-ranking-azerbaijan-2024", "ckg:rankedBy", "error")),
    "ranking-without-population": (
        replace("cawat-ranking-azerbaijan-2024", CKG.rankingPopulation, None),
        ("cawat-ranking-azerbaijan-2024", "ckg:rankingPopulation", "warning")),
    "negative-quantity": (add("azerbaijan-arms-acquisitions-2024", CKG.quantity,
                              typed("-2", "integer")),
                          ("azerbaijan-arms-acquisitions-2024", "ckg:quantity", "error")),
    "treaty-action-without-treaty": (
        replace("russia-withdraws-from-cfe-2023", CKG.treaty, None),
        ("russia-withdraws-from-cfe-2023", "ckg:treaty", "error")),
    "date-of-the-wrong-type": (
        replace("united-states-suspends-cfe-2023", CKG.date, typed("2023-11-07", "string")),
        ("united-states-suspends-cfe-2023", "ckg:date", "error")),
    "impossible-date": (replace("senate-passes-section-907-bill-2023", CKG.date,
                                typed("2023-02-30", "date")),
                        ("senate-passes-section-907-bill-2023", "ckg:date", "error")),
    "evidence-attributed-to-a-treaty": (
        replace("freedom-support-act/evidence/1", PROV + "wasAttributedTo", node("cfe-treaty")),
        ("freedom-support-act/evidence/1", "prov:wasAttributedTo", "error")),
    "untagged-label": (
        replace("senate-adopts-section-907-waiver-amendment-2001", RDFS + "label",
                ox.Literal("The Senate adopts the waiver amendment")),
        ("senate-adopts-section-907-waiver-amendment-2001", "rdfs:label", "error")),
    "quote-not-in-source": (
        replace("harutyunov-south-caucasus-militarization/evidence/1/quote", OA + "exact",
                ox.Literal("words the article never printed")),
        ("harutyunov-south-caucasus-militarization/evidence/1", None, "error")),
}


@pytest.fixture(scope="module")
def mutated(dump: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[ox.Triple]]:
    """The dump's data with every mutation, as N-Triples; every literal is one the store keeps
    as it is, so the three engines read the same terms."""
    triples = data_triples(dump)
    for change, _expected in MUTATIONS.values():
        change(triples)
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                      for t in triples)
    path = tmp_path_factory.mktemp("mutated") / "mutated.nt"
    path.write_bytes(n_triples({q.triple for q in store}))
    assert {q.triple for q in store} == triples, "the mutations must be literals the store keeps"
    return path, triples


@pytest.fixture(scope="module")
def sparql_results(mutated: tuple[Path, set[ox.Triple]],
                   tmp_path_factory: pytest.TempPathFactory) -> list[ShaclResult]:
    """`caucasus-kg validate` (the SPARQL engine) of an RDF-file project holding the dump."""
    root = tmp_path_factory.mktemp("rdf-project") / "project"
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "graphs").mkdir()
    shutil.copy(mutated[0], root / "graphs" / "dump.nt")
    project = find_project(root, root / ".caucasus-kg" / "store")
    result = check(project, validator=VALIDATORS["sparql"])
    shacl_messages = {r.message for r in result.shacl}
    assert [d.render() for d in result.errors if not any(m in d.message for m in shacl_messages)] \
        == [], "only SHACL may object: the loader and the contradiction checks must pass"
    return result.shacl


def keys(results: list[ShaclResult]) -> list[tuple[str, str | None, str, str]]:
    """What every engine must agree on: focus node, path, shape, severity."""
    return sorted({(r.focus, r.path, r.shape, r.severity) for r in results},
                  key=lambda k: (k[0], k[1] or "", k[2], k[3]))


def test_every_mutation_is_found(sparql_results: list[ShaclResult]) -> None:
    found = {(r.focus, r.path, r.severity) for r in sparql_results}
    for name, (_change, (focus, path, severity)) in MUTATIONS.items():
        assert (str(ID[focus]), path, severity) in found, name


def test_the_three_engines_agree_on_the_mutated_dump(
        mutated: tuple[Path, set[ox.Triple]], sparql_results: list[ShaclResult],
        tmp_path: Path) -> None:
    path, triples = mutated
    reference = pyshacl_results(path)
    report = jena_report(triples, tmp_path)
    jena = jena_shacl.results(report)
    assert not jena_shacl.conforms(report)
    assert keys(sparql_results) == keys(reference) == keys(jena)
    # Messages and values too: the shapes' own messages, the value nodes as each engine
    # reports them.
    assert sparql_results == reference == jena



# ------------------------------------------------------------------------------------------
# An RDF-file project typed with the XML Schema subtypes
# ------------------------------------------------------------------------------------------

def rdf_project(root: Path, triples: set[ox.Triple]) -> Path:
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "graphs").mkdir()
    (root / "graphs" / "dump.nt").write_bytes(n_triples(triples))
    return root


@pytest.mark.parametrize(("rank", "valid"), [("16", True), ("0", False)])
def test_an_rdf_file_typed_with_integer_subtypes_gets_one_verdict(
        dump: Path, tmp_path: Path, cli, rank: str, valid: bool) -> None:
    """Other tools write xsd:positiveInteger and xsd:nonNegativeInteger; the store keeps them as
    xsd:integer, and both engines judge the values: a rank of 16 is valid (pySHACL used to
    refuse it), a rank of 0 is refused by both with the same report."""
    triples = data_triples(dump)
    replace("cawat-ranking-azerbaijan-2024", CKG.rank, typed(rank, "positiveInteger"))(triples)
    add("azerbaijan-arms-acquisitions-2024", CKG.quantity, typed("24", "nonNegativeInteger"))(
        triples)
    root = rdf_project(tmp_path / "project", triples)
    fast = cli("--project", root, "validate")
    reference = cli("--project", root, "validate", "--reference")
    assert fast[:2] == reference[:2]
    assert fast[0] == (0 if valid else 1), fast
    if not valid:
        assert fast[1].splitlines() == [
            # located where the dump says the fact was written
            "armenpress-azerbaijan-arms-imports.yaml:299: error in "
            "'cawat-ranking-azerbaijan-2024': A rank (ckg:rank) must be a whole number of 1 or "
            "more (an xsd:integer); write e.g. 'rank: 16', 1 being the top."]
