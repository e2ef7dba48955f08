"""RDF terms between rdflib and pyoxigraph.

pyoxigraph terms are what the store holds and what readers see; rdflib graphs remain where a
library needs them (pySHACL, the ontology reader, the fact-file loader). These functions are the
one place where one becomes the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from caucasus_kg.model.namespaces import PREFIXES

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def new_graph() -> Graph:
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph


def to_ox_term(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def rdflib_quads(graph: Graph, graph_name: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
    """An rdflib graph's triples as Oxigraph quads (in ``graph_name``, or the default graph)."""
    target = graph_name if graph_name is not None else ox.DefaultGraph()
    for s, p, o in graph:
        yield ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), target)


def to_rdflib(store: ox.Store, exclude: set[str] | None = None) -> Graph:
    """All triples of the store's named graphs as one rdflib graph."""
    graph = new_graph()
    for quad in store.quads_for_pattern(None, None, None, None):
        if exclude and isinstance(quad.graph_name, ox.NamedNode) and \
                quad.graph_name.value in exclude:
            continue
        graph.add((from_ox_term(quad.subject), from_ox_term(quad.predicate),
                   from_ox_term(quad.object)))
    return graph


def from_ox_term(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def add_triples(graph: Graph, triples: Iterable[ox.Triple]) -> None:
    """Add pyoxigraph triples to an rdflib graph."""
    for t in triples:
        graph.add((from_ox_term(t.subject), from_ox_term(t.predicate), from_ox_term(t.object)))
