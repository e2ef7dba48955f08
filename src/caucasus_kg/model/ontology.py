"""The ontology as the loaders see it: which classes exist, which keys map to which properties.

Fact-file keys are the snake_case forms of ontology property names (``effective_date`` is
``ckg:effectiveDate``), and a property's ``rdfs:range`` decides how its values are read. So adding a
property to ``ontology/caucasus-kg.ttl`` is enough for fact files to use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from caucasus_kg.model.namespaces import CKG
from caucasus_kg.model.turtle_files import read_turtle


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class PropertyInfo:
    """How one fact-file key is read."""

    key: str
    iri: URIRef
    is_object: bool
    range: URIRef | None
    vocabulary: URIRef | None  # the SKOS scheme whose concepts are the allowed values
    domain: URIRef | None = None
    """The class whose members the property describes (rdfs:domain), if it names one."""


@dataclass
class Ontology:
    """The parsed ontology and vocabularies, indexed for the loaders."""

    graph: Graph
    properties: dict[str, PropertyInfo] = field(default_factory=dict)
    classes: dict[str, URIRef] = field(default_factory=dict)

    @classmethod
    def load(cls, *paths: Path) -> Ontology:
        onto = cls(read_turtle(*paths))
        onto._index()
        return onto

    def _index(self) -> None:
        for cls_iri in self.graph.subjects(RDF.type, OWL.Class):
            if isinstance(cls_iri, URIRef) and str(cls_iri).startswith(str(CKG)):
                self.classes[str(cls_iri)[len(str(CKG)):]] = cls_iri
        for kind, is_object in ((OWL.ObjectProperty, True), (OWL.DatatypeProperty, False)):
            for prop in self.graph.subjects(RDF.type, kind):
                if not (isinstance(prop, URIRef) and str(prop).startswith(str(CKG))):
                    continue
                local = str(prop)[len(str(CKG)):]
                rng = self.graph.value(prop, RDFS.range)
                dom = self.graph.value(prop, RDFS.domain)
                vocab = self.graph.value(prop, CKG.vocabulary)
                key = snake_case(local)
                self.properties[key] = PropertyInfo(
                    key=key,
                    iri=prop,
                    is_object=is_object,
                    range=rng if isinstance(rng, URIRef) else None,
                    vocabulary=vocab if isinstance(vocab, URIRef) else None,
                    domain=dom if isinstance(dom, URIRef) else None,
                )

    def superclasses(self, cls_iri: URIRef) -> set[URIRef]:
        """The class itself and every class above it."""
        return set(self._above(cls_iri))

    def is_subclass(self, cls_iri: URIRef, ancestor: URIRef) -> bool:
        return ancestor in self._above(cls_iri)

    def _above(self, cls_iri: URIRef) -> frozenset[URIRef]:
        """:meth:`superclasses`, computed once per class: the loaders ask for every fact."""
        cache = self.__dict__.setdefault("_superclass_cache", {})
        found = cache.get(cls_iri)
        if found is None:
            found = cache[cls_iri] = frozenset(
                self.graph.transitive_objects(cls_iri, RDFS.subClassOf))
        return found

    @cached_property
    def concepts(self) -> dict[URIRef, dict[str, URIRef]]:
        """For each concept scheme, its concepts by notation and by lower-cased label."""
        index: dict[URIRef, dict[str, URIRef]] = {}
        for concept, scheme in self.graph.subject_objects(SKOS.inScheme):
            names = index.setdefault(scheme, {})
            for notation in self.graph.objects(concept, SKOS.notation):
                names[str(notation)] = concept
            for label in self.graph.objects(concept, SKOS.prefLabel):
                names[str(label).lower()] = concept
        return index

    def concept_notations(self, scheme: URIRef) -> list[str]:
        return sorted(
            str(n)
            for c in self.graph.subjects(SKOS.inScheme, scheme)
            for n in self.graph.objects(c, SKOS.notation)
        )

    def label(self, iri: URIRef) -> str:
        value = self.graph.value(iri, RDFS.label)
        return str(value) if value is not None else str(iri).rsplit("#", 1)[-1]
