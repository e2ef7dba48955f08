"""The SHACL shapes (ontology/shapes.ttl) against fixtures, the ontology and the shipped graph.

Fixtures live in tests/fixtures/shapes/: ``_base.ttl`` (a source document, actors, a treaty...)
is merged into every fixture; ``valid/*.ttl`` must validate without any result and
``invalid/*.ttl`` must produce exactly the results their header announces. A fixture header is
made of comment lines at the top of the file:

    # shape: shapes:TreatyActionShape              the node shape(s) the fixture is about
    # expect: violation id:no-treaty ckg:treaty     severity, focus node, result path ('-': none)

Every assertion is on the real output of :func:`caucasus_kg.checks.shacl_reference.run_shacl`; the pySHACL
report behind it is captured as well, to tell which shape and constraint produced each result.
pySHACL runs on the fixture as the store keeps it (test_shacl_sparql.as_stored: the same results
as on the file's literals), and each fixture's test also checks that the default engine
(:mod:`caucasus_kg.checks.shacl_sparql`) gives exactly that report, in full and, for an invalid
fixture, restricted to some of its nodes as focus.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from test_shacl_sparql import as_stored, on_focus, own_nodes, store_of

from caucasus_kg.checks import shacl_reference
from caucasus_kg.checks.shacl_reference import run_shacl
from caucasus_kg.checks.shacl_results import ShaclResult, load_shapes
from caucasus_kg.checks.shacl_sparql import validate_store
from caucasus_kg.model.namespaces import CKG, ID, PREFIXES, SH, SHAPES
from caucasus_kg.sources.factfile import INTEGER_TYPES

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

SEVERITY_WORDS = {"violation": "error", "warning": "warning", "info": "info"}
NODE_LEVEL_PARAMETERS = [SH["not"], SH["or"], SH["and"], SH.xone, SH["class"], SH.node,
                         SH.datatype, SH["in"], SH.nodeKind, SH.hasValue, SH.closed]
CURIE_PREFIXES = {**PREFIXES, "shapes": str(SHAPES)}


# ------------------------------------------------------------------------------------------
# Loading shapes and fixtures
# ------------------------------------------------------------------------------------------

@functools.cache
def shapes_graph() -> Graph:
    return load_shapes(SHAPES_FILE)


@functools.cache
def base_graph() -> Graph:
    return Graph().parse(BASE, format="turtle")


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    if prefix not in CURIE_PREFIXES:
        raise ValueError(f"unknown prefix in {curie!r}")
    return CURIE_PREFIXES[prefix] + local


@dataclass(frozen=True)
class Fixture:
    path: Path
    shapes: frozenset[URIRef]
    expected: frozenset[tuple[str, str, str | None]]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


HEADER = re.compile(r"^#\s*(shape|expect):\s*(.+?)\s*$")


@functools.cache
def fixture(path: Path) -> Fixture:
    shapes: set[URIRef] = set()
    expected: set[tuple[str, str, str | None]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        if match is None:
            continue
        key, value = match.groups()
        if key == "shape":
            shapes.update(URIRef(expand(word)) for word in value.split())
        else:
            severity, focus, result_path = value.split()
            expected.add((expand(focus), SEVERITY_WORDS[severity],
                          None if result_path == "-" else result_path))
    return Fixture(path, frozenset(shapes), frozenset(expected))


@functools.cache
def fixture_data(path: Path) -> Graph:
    data = Graph()
    data += base_graph()
    data.parse(path, format="turtle")
    return data


# ------------------------------------------------------------------------------------------
# Validation: run_shacl, with the pySHACL report captured
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    results: list[ShaclResult]
    report: Graph

    @property
    def triples(self) -> set[tuple[str, str, str | None]]:
        return {(r.focus, r.severity, r.path) for r in self.results}

    def top_level(self) -> list:
        """The report's own results (sh:result), not nested sh:detail ones."""
        report_node = self.report.value(predicate=RDF.type, object=SH.ValidationReport, any=False)
        return list(self.report.objects(report_node, SH.result))

    def sources(self) -> set[tuple[URIRef | BNode, URIRef | BNode | None]]:
        """(sh:sourceShape, sh:sourceConstraint) of every top-level result."""
        return {(self.report.value(r, SH.sourceShape), self.report.value(r, SH.sourceConstraint))
                for r in self.top_level()}


def validate(data: Graph, ontology: Graph) -> Outcome:
    captured: list[Graph] = []

    def spy(*args, **kwargs):
        conforms, report, text = pyshacl.validate(*args, **kwargs)
        captured.append(report)
        return conforms, report, text

    with mock.patch.object(shacl_reference, "shacl_validate", spy):
        results = run_shacl(data, shapes_graph(), ontology)
    assert len(captured) == 1
    return Outcome(results, captured[0])


@pytest.fixture(scope="session")
def ontology(dataset) -> Graph:
    """The ontology and vocabularies, as `caucasus-kg validate` passes them to pySHACL."""
    return dataset.ontology.graph


_OUTCOMES: dict[Path, Outcome] = {}


def outcome_of(path: Path, ontology: Graph) -> Outcome:
    if path not in _OUTCOMES:
        _OUTCOMES[path] = validate(as_stored(fixture_data(path)), ontology)
    return _OUTCOMES[path]


def assert_the_sparql_engine_agrees(path: Path, outcome: Outcome, ontology: Graph) -> None:
    """The SPARQL engine's report on the fixture is pySHACL's, in full and, for an invalid
    fixture, on some of its own nodes as focus (and empty on a node it does not hold)."""
    store = store_of(fixture_data(path))
    assert validate_store(store, shapes_graph(), ontology) == outcome.results
    if not outcome.results:
        return
    nodes = own_nodes(path)
    for focus in (nodes, nodes[::2] or nodes, nodes[1::3] or nodes):
        fast = validate_store(store, shapes_graph(), ontology, [str(f) for f in focus])
        assert fast == on_focus(outcome.results, focus)
    assert validate_store(store, shapes_graph(), ontology,
                          [str(ID) + "nothing-here"]) == []


# ------------------------------------------------------------------------------------------
# The shapes graph, read structurally
# ------------------------------------------------------------------------------------------

def node_shapes() -> set[URIRef]:
    return set(shapes_graph().subjects(RDF.type, SH.NodeShape))


def property_shapes() -> dict:
    """Every property shape directly under a node shape -> its node shape."""
    g = shapes_graph()
    return {ps: ns for ns in node_shapes() for ps in g.objects(ns, SH.property)}


def sparql_constraints() -> dict:
    """Every SPARQL constraint -> the node shape that holds it."""
    g = shapes_graph()
    return {c: ns for ns in node_shapes() for c in g.objects(ns, SH.sparql)}


def has_node_level_constraint(shape) -> bool:
    g = shapes_graph()
    return any((shape, p, None) in g for p in NODE_LEVEL_PARAMETERS)


def owning_node_shape(source) -> URIRef:
    if source in node_shapes():
        return source
    return property_shapes()[source]


def label(node) -> str:
    g = shapes_graph()
    if isinstance(node, URIRef):
        return g.namespace_manager.normalizeUri(node)
    path = g.value(node, SH.path)
    return f"[property shape on {path.n3(g.namespace_manager) if path is not None else '?'}]"


# ------------------------------------------------------------------------------------------
# Fixtures: valid ones validate cleanly, invalid ones fail exactly as announced
# ------------------------------------------------------------------------------------------

def test_base_fixture_is_valid(ontology):
    outcome = validate(base_graph(), ontology)
    assert outcome.results == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture(path, ontology):
    fx = fixture(path)
    assert fx.shapes, f"{fx.name} has no '# shape:' line"
    assert not fx.expected, f"{fx.name} is a valid fixture but has '# expect:' lines"
    outcome = outcome_of(path, ontology)
    assert outcome.results == [], "\n".join(
        f"{r.severity} {r.focus} {r.path}: {r.message}" for r in outcome.results)
    assert_the_sparql_engine_agrees(path, outcome, ontology)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_exercises_its_shapes(path, ontology):
    """A valid fixture must contain, itself (not only in the base), a focus node of each shape."""
    fx = fixture(path)
    own = Graph().parse(path, format="turtle")
    data = fixture_data(path) + ontology
    for shape in fx.shapes:
        focus = targets(shape, data)
        assert focus & set(own.subjects()), (
            f"{fx.name} declares {label(shape)} but defines none of its focus nodes")


def targets(shape: URIRef, data: Graph) -> set:
    g = shapes_graph()
    found = set()
    for cls in g.objects(shape, SH.targetClass):
        rows = data.query("SELECT ?n WHERE { ?n a/rdfs:subClassOf* ?c }",
                          initBindings={"c": cls}, initNs={"rdfs": RDFS})
        found.update(row[0] for row in rows)
    for prop in g.objects(shape, SH.targetSubjectsOf):
        found.update(data.subjects(prop, None))
    return found


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture(path, ontology):
    fx = fixture(path)
    assert fx.shapes, f"{fx.name} has no '# shape:' line"
    assert fx.expected, f"{fx.name} is an invalid fixture without '# expect:' lines"
    outcome = outcome_of(path, ontology)
    details = "\n".join(f"{r.severity} {r.focus} {r.path}: {r.message}" for r in outcome.results)
    assert outcome.triples == fx.expected, details
    # Only the shapes the fixture is about may fire.
    fired = {owning_node_shape(shape) for shape, _ in outcome.sources()}
    assert fired <= fx.shapes, f"unexpected shapes fired: {sorted(map(label, fired - fx.shapes))}"
    # Every result carries the shape's own message, never pySHACL's generic one.
    messages = {str(m) for m in shapes_graph().objects(None, SH.message)}
    for r in outcome.results:
        assert any(_message_matches(template, r.message) for template in messages), r.message
    assert_the_sparql_engine_agrees(path, outcome, ontology)


def _message_matches(template: str, message: str) -> bool:
    pattern = "".join(".*?" if re.fullmatch(r"\{[?$]\w+\}", part) else re.escape(part)
                      for part in re.split(r"(\{[?$]\w+\})", template))
    return re.fullmatch(pattern, message, flags=re.DOTALL) is not None


# ------------------------------------------------------------------------------------------
# Coverage: no shape or constraint without fixtures
# ------------------------------------------------------------------------------------------

def test_every_ontology_class_has_a_node_shape(ontology):
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class)
               if isinstance(c, URIRef) and c.startswith(str(CKG))}
    targeted = set(shapes_graph().objects(None, SH.targetClass))
    assert classes, "no classes found in the ontology"
    assert sorted(classes - targeted) == []


def test_every_node_shape_has_valid_and_invalid_fixtures():
    declared_valid = set().union(*(fixture(p).shapes for p in VALID))
    declared_invalid = set().union(*(fixture(p).shapes for p in INVALID))
    shapes = node_shapes()
    assert sorted(map(label, shapes - declared_valid)) == []
    assert sorted(map(label, shapes - declared_invalid)) == []
    assert sorted(map(label, (declared_valid | declared_invalid) - shapes)) == []


@pytest.fixture(scope="module")
def invalid_sources(ontology) -> set:
    """(sourceShape, sourceConstraint) of every result of every invalid fixture."""
    return set().union(*(outcome_of(p, ontology).sources() for p in INVALID))


def test_every_node_shape_fails_in_some_invalid_fixture(invalid_sources):
    fired = {owning_node_shape(shape) for shape, _ in invalid_sources}
    assert sorted(map(label, node_shapes() - fired)) == []


def test_every_node_level_constraint_fails_in_some_invalid_fixture(invalid_sources):
    with_node_constraints = {s for s in node_shapes() if has_node_level_constraint(s)}
    fired = {shape for shape, constraint in invalid_sources if constraint is None}
    assert sorted(map(label, with_node_constraints - fired)) == []


def test_every_property_shape_fails_in_some_invalid_fixture(invalid_sources):
    fired = {shape for shape, _ in invalid_sources}
    missing = [f"{label(ns)} {label(ps)}" for ps, ns in property_shapes().items()
               if ps not in fired]
    assert sorted(missing) == []


def test_every_sparql_constraint_fails_in_some_invalid_fixture(invalid_sources):
    constraints = sparql_constraints()
    assert len(constraints) >= 7
    fired = {constraint for _, constraint in invalid_sources}
    assert sorted(map(label, set(constraints) - fired)) == []


# ------------------------------------------------------------------------------------------
# Form of the shapes: messages, severities, labels, prefixes, vocabularies
# ------------------------------------------------------------------------------------------

def test_every_node_shape_has_label_comment_and_severity():
    g = shapes_graph()
    for shape in node_shapes():
        assert isinstance(shape, URIRef) and shape.startswith(str(SHAPES)), shape
        assert g.value(shape, RDFS.label) is not None, label(shape)
        assert g.value(shape, RDFS.comment) is not None, label(shape)
        assert g.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, label(shape)


def test_every_constraint_has_message_and_severity():
    g = shapes_graph()
    problems = []
    for ps, ns in property_shapes().items():
        where = f"{label(ns)} {label(ps)}"
        if not isinstance(g.value(ps, SH.message), Literal):
            problems.append(f"{where}: no sh:message")
        if g.value(ps, SH.severity) is None:
            problems.append(f"{where}: no sh:severity")
    for constraint, ns in sparql_constraints().items():
        # pySHACL reports a SPARQL constraint with the severity of the shape that holds it.
        if not isinstance(g.value(constraint, SH.message), Literal):
            problems.append(f"{label(constraint)}: no sh:message")
        if g.value(constraint, SH.severity) is None and g.value(ns, SH.severity) is None:
            problems.append(f"{label(constraint)}: no sh:severity on it or on {label(ns)}")
    for ns in node_shapes():
        if has_node_level_constraint(ns) and not isinstance(g.value(ns, SH.message), Literal):
            problems.append(f"{label(ns)}: node-level constraint without sh:message")
    assert problems == []


def test_messages_are_distinct_and_name_a_fix():
    """Messages are sentences of the form '<the problem>; <the fix>.', one per constraint."""
    g = shapes_graph()
    messages = [str(m) for m in g.objects(None, SH.message)]
    assert len(messages) == len(set(messages)), "two constraints share a message"
    for message in messages:
        problem, _, fix = message.partition("; ")
        assert len(problem) > 20 and len(fix) > 10 and message.endswith("."), message


def test_sparql_constraints_are_well_formed():
    g = shapes_graph()
    declared = {str(g.value(d, SH.prefix))
                for d in g.objects(URIRef(str(SHAPES).rstrip("#")), SH.declare)}
    for constraint in sparql_constraints():
        assert isinstance(constraint, URIRef), "name every SPARQL constraint"
        assert (constraint, RDF.type, SH.SPARQLConstraint) in g
        query = str(g.value(constraint, SH.select))
        assert "$this" in query, label(constraint)
        assert g.value(constraint, SH.prefixes) == URIRef(str(SHAPES).rstrip("#"))
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", query))
        assert used <= declared, f"{label(constraint)} uses undeclared prefixes {used - declared}"


def test_vocabulary_lists_match_the_vocabularies(ontology):
    """sh:in lists of concepts must be exactly the concepts of the property's scheme."""
    g = shapes_graph()
    checked = 0
    for ps in property_shapes():
        values = g.value(ps, SH["in"])
        if values is None:
            continue
        path = g.value(ps, SH.path)
        scheme = ontology.value(path, CKG.vocabulary)
        assert scheme is not None, f"sh:in on {path}, which has no ckg:vocabulary"
        concepts = set(ontology.subjects(SKOS.inScheme, scheme))
        assert set(Collection(g, values)) == concepts, path
        checked += 1
    assert checked == 4  # stance, weapon category, bound, document type


def test_shapes_ask_only_for_datatypes_the_store_keeps():
    """A literal of every datatype the shapes require keeps that datatype in Oxigraph: a shape
    asking for xsd:positiveInteger (stored as xsd:integer) would fail on the served graph."""
    required = {o for o in shapes_graph().objects(None, SH.datatype) if o != RDF.langString}
    assert XSD.integer in required
    store = ox.Store()
    for datatype in sorted(required):
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"),
                          ox.Literal("1", datatype=ox.NamedNode(str(datatype)))))
    kept = {q.object.datatype.value for q in store}
    assert sorted(str(d) for d in required if str(d) not in kept) == []


def _minimum(graph: Graph, datatype) -> int:
    """The xsd:minInclusive of an ontology datatype that restricts xsd:integer."""
    restriction = graph.value(datatype, OWL.equivalentClass)
    assert graph.value(restriction, OWL.onDatatype) == XSD.integer, datatype
    [facet] = Collection(graph, graph.value(restriction, OWL.withRestrictions))
    [(key, value)] = graph.predicate_objects(facet)
    assert key == XSD.minInclusive, datatype
    return int(value)


def test_whole_number_bounds_agree_in_the_ontology_the_shapes_and_the_loader(ontology):
    """Each whole-number property: its range in the ontology (an xsd:integer restriction), its
    shape (sh:datatype xsd:integer and sh:minInclusive) and the fact-file loader's least value."""
    g = shapes_graph()
    bounded = {g.value(ps, SH.path): int(g.value(ps, SH.minInclusive))
               for ps in property_shapes() if g.value(ps, SH.datatype) == XSD.integer}
    assert set(bounded) == {CKG.rank, CKG.quantity, CKG.numberOrdered, CKG.numberDelivered}
    for path, minimum in bounded.items():
        datatype = ontology.value(path, RDFS.range)
        assert _minimum(ontology, datatype) == minimum == INTEGER_TYPES[datatype], path
    restricted = {d for d in ontology.subjects(OWL.equivalentClass, None)
                  if ontology.value(ontology.value(d, OWL.equivalentClass), OWL.onDatatype)
                  == XSD.integer}
    assert restricted == {CKG.positiveInteger, CKG.nonNegativeInteger}
    assert {d: _minimum(ontology, d) for d in restricted} == \
        {d: m for d, m in INTEGER_TYPES.items() if d != XSD.integer}
    assert ontology.value(CKG.sourceLine, RDFS.range) == CKG.positiveInteger


# ------------------------------------------------------------------------------------------
# The shipped graph
# ------------------------------------------------------------------------------------------

def test_shipped_graph_is_clean(dataset):
    results = run_shacl(dataset.data_union(), shapes_graph(), dataset.ontology.graph)
    assert results == [], "\n".join(
        f"{r.severity} {r.focus} {r.path}: {r.message}" for r in results)


def test_shapes_see_the_shipped_graph(dataset, ontology):
    """Guard against a vacuous clean run: every class shape of a shipped class has focus nodes."""
    data = dataset.data_union() + ontology
    counts = defaultdict(int)
    for shape in node_shapes():
        counts[shape] = len(targets(shape, data))
    for name in ["EntityShape", "FactShape", "ClaimShape", "EvidenceShape", "SourceDocumentShape",
                 "TreatyActionShape", "ResponseOrderShape", "SelfDenialShape",
                 "PropositionNotAssertedShape", "QuoteInSourceShape", "TextDigestShape"]:
        assert counts[SHAPES[name]] > 0, name
