"""Resolving references: a slug, IRI, label, alias or Wikidata QID names one entity, or it is an error."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from caucasus_kg.core.suggest import did_you_mean
from caucasus_kg.model.namespaces import CKG, ID, QID, WD

_TYPE = ox.NamedNode(str(RDF.type))
_LABEL = ox.NamedNode(str(RDFS.label))
_ALT_LABEL = ox.NamedNode(str(SKOS.altLabel))
_WIKIDATA = ox.NamedNode(str(CKG.wikidata))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass
class Declaration:
    """An entity somebody declared, and where."""

    slug: str
    iri: URIRef
    types: set[URIRef]
    file: str
    line: int | None
    labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None
    mentions: list[tuple[str, int | None]] = field(default_factory=list)
    """Every (file, line) that describes this entity; several files may add to one entity."""

    def __post_init__(self) -> None:
        if not self.mentions:
            self.mentions = [(self.file, self.line)]

    @property
    def display(self) -> str:
        return self.labels[0] if self.labels else self.slug

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def _cut(name: str, limit: int = 120) -> str:
    """A name from a file for a message, cut short: a message never echoes unbounded input."""
    return name if len(name) <= limit else name[:limit - 3] + "..."


class ResolveError(Exception):
    """A reference that names nothing, or more than one thing."""

    def __init__(self, message: str, fix: str | None):
        super().__init__(message)
        self.message = message
        self.fix = fix


class EntityIndex:
    """Every declared entity, findable by slug, IRI, label, alias or QID."""

    def __init__(self) -> None:
        self.by_slug: dict[str, Declaration] = {}
        self._by_name: dict[str, list[Declaration]] = {}
        self._by_qid: dict[str, list[Declaration]] = {}

    def __contains__(self, slug: str) -> bool:
        return slug in self.by_slug

    def declare(self, decl: Declaration) -> Declaration | None:
        """Add a declaration; returns the earlier one if the slug is already taken."""
        if decl.slug in self.by_slug:
            return self.by_slug[decl.slug]
        self.by_slug[decl.slug] = decl
        for name in {*decl.labels, *decl.aliases}:
            self._by_name.setdefault(name.casefold(), []).append(decl)
        if decl.wikidata:
            self._by_qid.setdefault(decl.wikidata, []).append(decl)
        return None

    def merge(self, earlier: Declaration, later: Declaration) -> None:
        """Record that ``later`` describes the same entity as ``earlier`` (from another file)."""
        earlier.types |= later.types
        earlier.mentions.append((later.file, later.line))
        for label in later.labels:
            if label not in earlier.labels:
                earlier.labels.append(label)
        for alias in later.aliases:
            if alias not in earlier.aliases:
                earlier.aliases.append(alias)
        for name in {*later.labels, *later.aliases}:
            bucket = self._by_name.setdefault(name.casefold(), [])
            if earlier not in bucket:
                bucket.append(earlier)
        if later.wikidata and not earlier.wikidata:
            earlier.wikidata = later.wikidata
            self._by_qid.setdefault(later.wikidata, []).append(earlier)

    def candidates(self, name: str) -> list[Declaration]:
        """Every entity ``name`` could refer to (by slug, IRI, QID, label or alias)."""
        name = name.strip()
        if name in self.by_slug:
            return [self.by_slug[name]]
        if name.startswith(str(ID)) and name[len(str(ID)):] in self.by_slug:
            return [self.by_slug[name[len(str(ID)):]]]
        qid = name[len(str(WD)):] if name.startswith(str(WD)) else name
        if QID.match(qid):
            return list(self._by_qid.get(qid, []))
        return list(self._by_name.get(name.casefold(), []))

    def resolve(self, name: str) -> Declaration:
        """The one entity ``name`` refers to, or a :class:`ResolveError` with candidates."""
        qid = name.strip()
        qid = qid[len(str(WD)):] if qid.startswith(str(WD)) else qid
        none_message = f"no entity is aligned to Wikidata {qid}" if QID.match(qid) else None
        return self._one(name.strip(), self.candidates(name), none_message)

    def _one(self, name: str, hits: list[Declaration], none_message: str | None) -> Declaration:
        unique = {d.slug: d for d in hits}
        if len(unique) == 1:
            return next(iter(unique.values()))
        if len(unique) > 1:
            listing = ", ".join(f"'{d.slug}' ({d.display}, {d.where()})"
                                for d in sorted(unique.values(), key=lambda d: d.slug))
            raise ResolveError(f"'{_cut(name)}' is ambiguous: it could be {listing}",
                               "use the id (slug) of the one you mean")
        candidates = sorted(set(self._display_names())) + sorted(self.by_slug)
        hint = did_you_mean(name, candidates)
        raise ResolveError(none_message or f"unknown entity '{_cut(name)}'",
                           hint or "declare it in a fact file (actors:, places:, ...) or "
                           "check the spelling; `caucasus-kg query entities` lists what exists")

    def _display_names(self) -> Iterable[str]:
        for decls in self._by_name.values():
            for d in decls:
                yield from d.labels
                yield from d.aliases


def declarations_from_graph(graph: Graph, file: str) -> list[Declaration]:
    """Entities an RDF file declares: subjects in the id namespace that have an rdf:type."""
    found: dict[URIRef, Declaration] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        if not (isinstance(subject, URIRef) and str(subject).startswith(str(ID))):
            continue
        slug = str(subject)[len(str(ID)):]
        if "/" in slug:  # evidence, selectors and other nodes that belong to an entity
            continue
        decl = found.get(subject)
        if decl is None:
            decl = found[subject] = Declaration(slug, subject, set(), file, None)
            decl.labels = sorted(str(x) for x in graph.objects(subject, RDFS.label))
            decl.aliases = sorted(str(x) for x in graph.objects(subject, SKOS.altLabel))
            wd = graph.value(subject, CKG.wikidata)
            if wd is not None and str(wd).startswith(str(WD)):
                decl.wikidata = str(wd)[len(str(WD)):]
        if isinstance(cls, URIRef):
            decl.types.add(cls)
    return list(found.values())


def declarations_from_store(store: ox.Store, graph: ox.NamedNode, file: str
                            ) -> list[Declaration]:
    """:func:`declarations_from_graph` for an RDF file parsed into an Oxigraph store: the file's
    named graph is scanned by SPARQL, so only the entities themselves reach Python."""
    prefix = str(ID)
    top_level = (f'STRSTARTS(STR(?s), "{prefix}") && '
                 f'!CONTAINS(SUBSTR(STR(?s), {len(prefix) + 1}), "/")')

    def rows(predicate: ox.NamedNode) -> list[tuple[str, object]]:
        found = store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{graph.value}> {{ ?s <{predicate.value}>"
                            f" ?o }} FILTER(isIRI(?s) && {top_level}) }}")
        return [(row["s"].value, row["o"]) for row in found]

    found: dict[str, Declaration] = {}
    for subject, cls in rows(_TYPE):
        decl = found.get(subject)
        if decl is None:
            decl = found[subject] = Declaration(subject[len(prefix):], URIRef(subject), set(),
                                                file, None)
        if isinstance(cls, ox.NamedNode):
            decl.types.add(URIRef(cls.value))
    for predicate, attribute in ((_LABEL, "labels"), (_ALT_LABEL, "aliases")):
        for subject, value in rows(predicate):
            if subject in found:
                getattr(found[subject], attribute).append(value.value)
    for subject, value in rows(_WIKIDATA):
        decl = found.get(subject)
        if decl is not None and isinstance(value, ox.NamedNode) and \
                value.value.startswith(str(WD)):
            qid = value.value[len(str(WD)):]
            decl.wikidata = min(qid, decl.wikidata) if decl.wikidata else qid
    for decl in found.values():
        decl.labels.sort()
        decl.aliases.sort()
    return [found[key] for key in sorted(found)]
