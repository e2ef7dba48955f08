"""The one place where the project's IRIs are defined, as plain strings.

Reading the graph (queries, explain, the staleness check) needs IRIs only as text, and importing
rdflib for them would cost a query command more than answering it. The loaders, which build rdflib
graphs, get the same namespaces as rdflib ``Namespace`` objects from
:mod:`caucasus_kg.model.namespaces`, which is built from these strings.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/caucasus-kg/"

ONTOLOGY_IRI = BASE + "ontology"
CKG = ONTOLOGY_IRI + "#"
"""Classes and properties of the caucasus-kg ontology."""
ID = BASE + "id/"
"""Entities and facts: actors, treaties, events, claims, evidence."""
SOURCE = BASE + "source/"
"""Source documents (articles, reports, datasets)."""
VOCAB = BASE + "vocab/"
"""SKOS concept schemes and their concepts (stances, weapon categories, bounds...)."""
GRAPH = BASE + "graph/"
"""Named graphs: one per fact file, plus the ontology and vocabularies."""
SHAPES = BASE + "shapes#"
"""SHACL shapes."""

OA = "http://www.w3.org/ns/oa#"
WD = "http://www.wikidata.org/entity/"
DCMITYPE = "http://purl.org/dc/dcmitype/"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

ONTOLOGY_GRAPH = GRAPH + "ontology"
VOCABULARY_GRAPH = GRAPH + "vocabularies"

PREFIXES: dict[str, str] = {
    "ckg": CKG,
    "id": ID,
    "src": SOURCE,
    "vocab": VOCAB,
    "graph": GRAPH,
    "oa": OA,
    "prov": PROV,
    "skos": SKOS,
    "dct": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "wd": WD,
    "sh": SH,
    "foaf": FOAF,
    "dcmitype": DCMITYPE,
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
