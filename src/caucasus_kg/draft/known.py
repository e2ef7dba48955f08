"""What the graph already knows, as drafting needs it: the entities an article may name (by label,
alias and Wikidata QID, with their classes), every id taken, and the stored facts and claims a
drafted entry may repeat.

Read from the project's store (embedded or a SPARQL server) with a few queries, so drafting a
short article costs the same on a large graph as on a small one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef

from caucasus_kg.core.sparql_text import substitute
from caucasus_kg.model.namespaces import CKG, ID, PREFIXES, SOURCE, VOCAB, WD
from caucasus_kg.model.ontology import Ontology

NAMED_KINDS = ("Actor", "Place", "LegalInstrument")
"""Entities an article names; events and claims are found by their cues, not their names."""


@dataclass
class KnownEntity:
    slug: str
    label: str | None
    aliases: list[str] = field(default_factory=list)
    qid: str | None = None
    classes: set[str] = field(default_factory=set)
    """The local names of its classes and every class above them (State, Actor, Entity)."""

    @property
    def display(self) -> str:
        return self.label or self.slug

    def is_a(self, cls: str) -> bool:
        return cls in self.classes


@dataclass(frozen=True)
class StoredFact:
    """A fact or claim of the graph that a drafted entry may repeat."""

    slug: str
    type: str
    values: dict[str, frozenset[str]]
    """Property key (snake_case) -> the slugs or lexical values it has."""
    quotes: tuple[str, ...] = ()
    where: str | None = None


def _rows(store: object, text: str, **bindings: str) -> list:
    text = substitute(text, bindings) if bindings else text
    return list(store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True))


def _value(term: object) -> str:
    return getattr(term, "value", str(term))


def _local(iri: str, base: object) -> str | None:
    base = str(base)
    return iri[len(base):] if iri.startswith(base) and "/" not in iri[len(base):] else None


_ENTITIES = """
SELECT ?e ?type ?label ?alias ?wd WHERE {
  ?e a ?type .
  FILTER(STRSTARTS(STR(?e), STR(id:)) && !CONTAINS(STRAFTER(STR(?e), STR(id:)), "/"))
  OPTIONAL { ?e rdfs:label ?label FILTER(LANG(?label) = "en") }
  OPTIONAL { ?e skos:altLabel ?alias }
  OPTIONAL { ?e ckg:wikidata ?wd }
}"""


class KnownGraph:
    """The graph's named entities, taken ids and source documents."""

    def __init__(self, ontology: Ontology, entities: Iterable[KnownEntity] = (),
                 taken: Iterable[str] = (), sources: Iterable[str] = ()) -> None:
        self.ontology = ontology
        self.entities: dict[str, KnownEntity] = {e.slug: e for e in entities}
        self.taken: set[str] = set(taken) | set(self.entities)
        self.sources: set[str] = set(sources)
        self.store: object | None = None
        self.by_qid: dict[str, KnownEntity] = {e.qid: e for e in self.entities.values() if e.qid}

    @classmethod
    def from_store(cls, store: object, ontology: Ontology) -> KnownGraph:
        named: dict[str, KnownEntity] = {}
        taken: set[str] = set()
        for row in _rows(store, _ENTITIES):
            slug = _local(_value(row["e"]), ID)
            if slug is None:
                continue
            taken.add(slug)
            type_iri = URIRef(_value(row["type"]))
            classes = {_local(str(c), CKG) for c in ontology.superclasses(type_iri)} - {None}
            if not any(k in classes for k in NAMED_KINDS) and slug not in named:
                continue
            entity = named.setdefault(slug, KnownEntity(slug, None))
            entity.classes |= classes
            if row["label"] is not None and entity.label is None:
                entity.label = _value(row["label"])
            if row["alias"] is not None and _value(row["alias"]) not in entity.aliases:
                entity.aliases.append(_value(row["alias"]))
            if row["wd"] is not None:
                entity.qid = _local(_value(row["wd"]), WD) or entity.qid
        for entity in named.values():
            entity.aliases.sort()
        sources = {_local(_value(r["d"]), SOURCE) for r in _rows(
            store, "SELECT ?d WHERE { ?d a ckg:SourceDocument }")} - {None}
        graph = cls(ontology, [named[k] for k in sorted(named)], taken, sources)
        graph.store = store
        return graph

    def label_of(self, slug: str) -> str:
        entity = self.entities.get(slug)
        return entity.display if entity is not None else slug

    def class_label(self, cls: str) -> str:
        return self.ontology.label(CKG[cls])

    # ----------------------------------------------------------------------------------------
    # Facts and claims the graph already holds
    # ----------------------------------------------------------------------------------------

    def same_event(self, type_name: str, keys: dict[str, str], date: str | None,
                   date_key: str) -> StoredFact | None:
        """A stored fact of ``type_name`` with the same values for ``keys`` (property ->
        slug), and the same date where both give one."""
        if self.store is None or not keys:
            return None
        patterns = " ".join(f"; ckg:{_camel(k)} <{ID}{v}>" for k, v in sorted(keys.items())
                            if _safe(v))
        rows = _rows(self.store, f"""
            SELECT ?n ?d ?file ?line WHERE {{
              ?n a ckg:{type_name} {patterns} .
              OPTIONAL {{ ?n ckg:{_camel(date_key)} ?d }}
              OPTIONAL {{  # one file's entry, the declaring one (with the label) first
                GRAPH ?g {{ ?n ckg:sourceFile ?file OPTIONAL {{ ?n ckg:sourceLine ?line }} }}
                OPTIONAL {{ GRAPH ?g {{ ?n rdfs:label ?declared }} }}
              }}
            }} ORDER BY ?n DESC(BOUND(?declared)) ?file ?line""")
        for row in rows:
            slug = _local(_value(row["n"]), ID)
            if slug is None:
                continue
            stored = _value(row["d"]) if row["d"] is not None else None
            if date is None or stored is None or stored == date:
                where = _value(row["file"]) if row["file"] is not None else None
                if where and row["line"] is not None:
                    where += f":{_value(row['line'])}"
                return StoredFact(slug, type_name, {k: frozenset([v]) for k, v in keys.items()},
                                  where=where)
        return None

    def same_claim(self, claimant: str, stance: str, quote: str) -> StoredFact | None:
        """A stored claim by ``claimant`` with ``stance`` whose evidence quotes overlap
        ``quote`` (one holds the other, or most of their words are the same)."""
        if self.store is None or not _safe(claimant):
            return None
        rows = _rows(self.store, f"""
            SELECT ?c ?q ?file ?line WHERE {{
              ?c ckg:claimant <{ID}{claimant}> ; ckg:stance <{VOCAB}stance/{stance}> ;
                 ckg:hasEvidence/oa:hasTarget/oa:hasSelector/oa:exact ?q .
              OPTIONAL {{  # one file's entry, the declaring one (with the label) first
                GRAPH ?g {{ ?c ckg:sourceFile ?file OPTIONAL {{ ?c ckg:sourceLine ?line }} }}
                OPTIONAL {{ GRAPH ?g {{ ?c rdfs:label ?declared }} }}
              }}
            }} ORDER BY ?c DESC(BOUND(?declared)) ?file ?line""")
        for row in rows:
            slug = _local(_value(row["c"]), ID)
            if slug is not None and overlaps(quote, _value(row["q"])):
                where = _value(row["file"]) if row["file"] is not None else None
                if where and row["line"] is not None:
                    where += f":{_value(row['line'])}"
                return StoredFact(slug, "Claim", {}, (_value(row["q"]),), where)
        return None


def overlaps(a: str, b: str) -> bool:
    """Two quotes say the same: one contains the other, or they share most of their words."""
    x, y = " ".join(a.split()).casefold(), " ".join(b.split()).casefold()
    if x in y or y in x:
        return True
    wa, wb = set(re.findall(r"\w+", x)), set(re.findall(r"\w+", y))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _safe(slug: str) -> bool:
    return re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) is not None
