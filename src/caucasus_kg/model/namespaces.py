"""The one place where the project's IRIs are defined.

Every other module imports its namespaces from here, so an IRI scheme change is a one-file change.
"""

from __future__ import annotations

import re

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/caucasus-kg/"

ONTOLOGY_IRI = BASE + "ontology"
CKG = Namespace(ONTOLOGY_IRI + "#")
"""Classes and properties of the caucasus-kg ontology."""

ID = Namespace(BASE + "id/")
"""Entities and facts: actors, treaties, events, claims, evidence."""

SOURCE = Namespace(BASE + "source/")
"""Source documents (articles, reports, datasets)."""

VOCAB = Namespace(BASE + "vocab/")
"""SKOS concept schemes and their concepts (stances, weapon categories, bounds...)."""

GRAPH = Namespace(BASE + "graph/")
"""Named graphs: one per fact file, plus the ontology and vocabularies."""

SHAPES = Namespace(BASE + "shapes#")
"""SHACL shapes."""

OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")
DCMITYPE = Namespace("http://purl.org/dc/dcmitype/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_GRAPH = GRAPH["ontology"]
VOCABULARY_GRAPH = GRAPH["vocabularies"]

PREFIXES: dict[str, str] = {
    "ckg": str(CKG),
    "id": str(ID),
    "src": str(SOURCE),
    "vocab": str(VOCAB),
    "graph": str(GRAPH),
    "oa": str(OA),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "wd": str(WD),
    "sh": str(SH),
    "foaf": str(FOAF),
    "dcmitype": str(DCMITYPE),
}
"""Prefixes bound in every serialisation and prepended to every query."""


def is_safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be written as ``<iri>`` in a SPARQL query (a node from the data may
    not be: IRIs with spaces or quotes are rejected by the loaders, but queries must not break)."""
    return bool(iri) and not any(c in iri for c in '<>"{}|^`\\ \n\t')


def sparql_prefixes() -> str:
    """The PREFIX block for SPARQL text, in a stable order."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(PREFIXES.items()))


def compact(iri: str) -> str:
    """Shorten an IRI to a CURIE when one of the project prefixes covers it."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, chosen = ns, prefix
    if not best:
        return iri
    local = iri[len(best):]
    return f"{chosen}:{local}"


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""The syntax of an entity id (the local name under ``id:``): lower-case words joined by '-'."""
QID = re.compile(r"^Q[1-9][0-9]*$")
"""The syntax of a Wikidata item id."""
