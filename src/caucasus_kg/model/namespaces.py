"""The project's namespaces as rdflib ``Namespace`` objects, for the code that builds rdflib graphs
(the fact-file loader, the ontology, the SHACL engines).

The IRIs themselves are defined once, as plain strings, in :mod:`caucasus_kg.model.iris`, which is
what the read path uses: importing this module imports rdflib.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from caucasus_kg.model import iris
from caucasus_kg.model.iris import (
    BASE,
    ONTOLOGY_IRI,
    PREFIXES,
    QID,
    SLUG,
    compact,
    is_safe_iri,
    sparql_prefixes,
)

CKG = Namespace(iris.CKG)
"""Classes and properties of the caucasus-kg ontology."""
ID = Namespace(iris.ID)
"""Entities and facts: actors, treaties, events, claims, evidence."""
SOURCE = Namespace(iris.SOURCE)
"""Source documents (articles, reports, datasets)."""
VOCAB = Namespace(iris.VOCAB)
"""SKOS concept schemes and their concepts (stances, weapon categories, bounds...)."""
GRAPH = Namespace(iris.GRAPH)
"""Named graphs: one per fact file, plus the ontology and vocabularies."""
SHAPES = Namespace(iris.SHAPES)
"""SHACL shapes."""

OA = Namespace(iris.OA)
WD = Namespace(iris.WD)
DCMITYPE = Namespace(iris.DCMITYPE)
FOAF = Namespace(iris.FOAF)
SH = Namespace(iris.SH)

ONTOLOGY_GRAPH = URIRef(iris.ONTOLOGY_GRAPH)
VOCABULARY_GRAPH = URIRef(iris.VOCABULARY_GRAPH)

__all__ = ["BASE", "CKG", "DCMITYPE", "DCTERMS", "FOAF", "GRAPH", "ID", "OA", "ONTOLOGY_GRAPH",
           "ONTOLOGY_IRI", "OWL", "PREFIXES", "PROV", "QID", "RDF", "RDFS", "SH", "SHAPES",
           "SKOS", "SLUG", "SOURCE", "VOCAB", "VOCABULARY_GRAPH", "WD", "XSD", "compact",
           "is_safe_iri", "sparql_prefixes"]
