"""How the graph records where a fact comes from, as pyoxigraph triples: source documents, the
evidence that ties a fact to a passage of a text or to a record of a dataset, and the actors a
source names. Fact files and every importer build these parts here, so the evidence model has one
definition.

A piece of evidence is a ``ckg:Evidence`` that is also a Web Annotation (``oa:Annotation``,
motivated by ``oa:describing``) whose body is the fact and whose target is a selection of the
source document: a ``TextQuoteSelector`` with a ``TextPositionSelector`` for a quote, a
``FragmentSelector`` (an RFC 7111 row or an RFC 6901 pointer) for a dataset record.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from caucasus_kg.model.namespaces import PREFIXES

_RDF, _RDFS, _XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]
_OA, _PROV, _DCT = PREFIXES["oa"], PREFIXES["prov"], PREFIXES["dct"]
_DCMITYPE, _FOAF, _WD = PREFIXES["dcmitype"], PREFIXES["foaf"], PREFIXES["wd"]
_CKG, _ID = PREFIXES["ckg"], PREFIXES["id"]

CSV_FRAGMENTS = "http://tools.ietf.org/rfc/rfc7111"
"""``dct:conformsTo`` of a FragmentSelector naming a CSV row (``row=12``)."""
JSON_POINTER = "http://tools.ietf.org/rfc/rfc6901"
"""``dct:conformsTo`` of a FragmentSelector naming a JSON value (``/3/parties/0``)."""

TYPE = ox.NamedNode(_RDF + "type")


@functools.cache
def ckg(local: str) -> ox.NamedNode:
    """A class or property of the caucasus-kg ontology."""
    return ox.NamedNode(_CKG + local)


def entity(slug: str) -> ox.NamedNode:
    """The IRI of an entity or fact (``id:slug``)."""
    return ox.NamedNode(_ID + slug)


def text(value: str, language: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=language) if language else ox.Literal(value)


def typed(value: str, datatype: str) -> ox.Literal:
    """A literal of an XML Schema datatype given by its local name (``date``, ``gYear``)."""
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype))


def _p(namespace: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + local)


def actor(node: ox.NamedNode, kind: str, label: str, wikidata: str | None = None
          ) -> list[ox.Triple]:
    """An actor of class ``ckg:<kind>`` with an English label and, where certain, its QID."""
    triples = [ox.Triple(node, TYPE, ckg(kind)),
               ox.Triple(node, _p(_RDFS, "label"), text(label, "en"))]
    if wikidata:
        triples.append(ox.Triple(node, ckg("wikidata"), ox.NamedNode(_WD + wikidata)))
    return triples


@dataclass(frozen=True)
class SourceDocument:
    """What the graph says about a source document. ``text`` is the stored text quotes are
    checked against (for a dataset: its notes, not its rows)."""

    node: ox.NamedNode
    dataset: bool
    """A dataset (``dcmitype:Dataset``) rather than a text (``dcmitype:Text``)."""
    text: str
    title: str | None = None
    title_language: str | None = "en"
    language: str | None = None
    publisher: ox.NamedNode | None = None
    identifier: str | None = None
    kind: str | None = None
    """What sort of document it is, in words (``news article``, ``dataset``)."""
    issued: ox.Literal | None = None
    page: str | None = None
    note: str | None = None
    source_file: str | None = None
    """The project file the document is declared in."""

    def triples(self) -> list[ox.Triple]:
        s = self.node
        out = [ox.Triple(s, TYPE, ckg("SourceDocument")),
               ox.Triple(s, TYPE, _p(_DCMITYPE, "Dataset" if self.dataset else "Text"))]
        if self.title is not None:
            out.append(ox.Triple(s, _p(_DCT, "title"), text(self.title, self.title_language)))
        if self.language is not None:
            out.append(ox.Triple(s, _p(_DCT, "language"), text(self.language)))
        if self.publisher is not None:
            out.append(ox.Triple(s, _p(_DCT, "publisher"), self.publisher))
        if self.identifier is not None:
            out.append(ox.Triple(s, _p(_DCT, "identifier"), text(self.identifier)))
        if self.kind is not None:
            out.append(ox.Triple(s, _p(_DCT, "type"), text(self.kind, "en")))
        if self.issued is not None:
            out.append(ox.Triple(s, _p(_DCT, "issued"), self.issued))
        if self.page is not None:
            out.append(ox.Triple(s, _p(_FOAF, "page"), ox.NamedNode(self.page)))
        if self.note is not None:
            out.append(ox.Triple(s, _p(_RDFS, "comment"), text(self.note, "en")))
        out.append(ox.Triple(s, ckg("text"), text(self.text)))
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        out.append(ox.Triple(s, ckg("textSha256"), text(digest)))
        if self.source_file is not None:
            out.append(ox.Triple(s, ckg("sourceFile"), text(self.source_file)))
        return out


def _annotation(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                attributed_to: ox.NamedNode | None, line: int | None) -> tuple[
                    ox.NamedNode, list[ox.Triple]]:
    """The parts every piece of evidence has; returns its target and the triples."""
    target = ox.NamedNode(evidence.value + "/target")
    out = [ox.Triple(fact, ckg("hasEvidence"), evidence),
           ox.Triple(fact, _p(_PROV, "wasDerivedFrom"), document),
           ox.Triple(evidence, TYPE, ckg("Evidence")),
           ox.Triple(evidence, TYPE, _p(_OA, "Annotation")),
           ox.Triple(evidence, _p(_OA, "motivatedBy"), _p(_OA, "describing")),
           ox.Triple(evidence, _p(_OA, "hasBody"), fact),
           ox.Triple(evidence, ckg("supports"), fact),
           ox.Triple(evidence, _p(_OA, "hasTarget"), target),
           ox.Triple(target, TYPE, _p(_OA, "SpecificResource")),
           ox.Triple(target, _p(_OA, "hasSource"), document)]
    if attributed_to is not None:
        out.append(ox.Triple(evidence, _p(_PROV, "wasAttributedTo"), attributed_to))
    if line:
        out.append(ox.Triple(evidence, ckg("sourceLine"), typed(str(line), "integer")))
    return target, out


@dataclass(frozen=True)
class Quote:
    """A verbatim passage of a stored text: the exact words, the text around them, and their
    character offsets."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def quote_evidence(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                   quote: Quote, attributed_to: ox.NamedNode | None, line: int | None,
                   note: str | None = None, note_language: str = "en") -> list[ox.Triple]:
    """Evidence that ``fact`` rests on a quote of ``document``, attributed to someone."""
    target, out = _annotation(fact, evidence, document, attributed_to, line)
    if note is not None:
        out.append(ox.Triple(evidence, _p(_RDFS, "comment"), text(note, note_language)))
    by_quote = ox.NamedNode(evidence.value + "/quote")
    by_position = ox.NamedNode(evidence.value + "/position")
    out += [ox.Triple(target, _p(_OA, "hasSelector"), by_quote),
            ox.Triple(target, _p(_OA, "hasSelector"), by_position),
            ox.Triple(by_quote, TYPE, _p(_OA, "TextQuoteSelector")),
            ox.Triple(by_quote, _p(_OA, "exact"), text(quote.exact)),
            ox.Triple(by_quote, _p(_OA, "prefix"), text(quote.prefix)),
            ox.Triple(by_quote, _p(_OA, "suffix"), text(quote.suffix)),
            ox.Triple(by_position, TYPE, _p(_OA, "TextPositionSelector")),
            # xsd:integer, the type the store keeps, within Web Annotation's range
            # xsd:nonNegativeInteger by value (docs/architecture.md, "Two SHACL engines")
            ox.Triple(by_position, _p(_OA, "start"), typed(str(quote.start), "integer")),
            ox.Triple(by_position, _p(_OA, "end"), typed(str(quote.end), "integer"))]
    return out


def record_evidence(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                    attributed_to: ox.NamedNode, record_id: str, line: int | None,
                    fragment: str, conforms_to: str) -> list[ox.Triple]:
    """Evidence that ``fact`` comes from a record of the dataset ``document``."""
    target, out = _annotation(fact, evidence, document, attributed_to, line)
    selector = ox.NamedNode(evidence.value + "/record")
    out += [ox.Triple(evidence, ckg("recordId"), text(record_id)),
            ox.Triple(target, _p(_OA, "hasSelector"), selector),
            ox.Triple(selector, TYPE, _p(_OA, "FragmentSelector")),
            ox.Triple(selector, _p(_RDF, "value"), text(fragment)),
            ox.Triple(selector, _p(_DCT, "conformsTo"), ox.NamedNode(conforms_to))]
    return out
