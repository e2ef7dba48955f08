"""How the graph records where a fact comes from, as pyoxigraph triples: source documents, the
evidence that ties a fact to a passage of a text or to a record of a dataset, and the actors a
source names. Fact files and every importer build these parts here, so the evidence model has one
definition.

A piece of evidence is a ``ckg:Evidence`` that is also a Web Annotation (``oa:Annotation``,
motivated by ``oa:describing``) whose body is the fact and whose target is the source document
or a selection of it. Its kind is one of four subclasses, each visibly different:

- ``ckg:QuoteEvidence``: a verbatim quote of a text the graph stores (``TextQuoteSelector`` and
  ``TextPositionSelector``);
- ``ckg:AnchoredQuoteEvidence``: a verbatim quote of a text kept outside the graph, whose source
  carries the text's SHA-256 (``TextQuoteSelector`` only);
- ``ckg:ReportEvidence``: what the source reports, in the curator's words (``ckg:paraphrase``,
  never ``oa:exact``), attributed to the reporter and naming whom it reports;
- ``ckg:RecordEvidence``: a record of a dataset (``FragmentSelector``: an RFC 7111 row or an
  RFC 6901 pointer).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from caucasus_kg.model.iris import PREFIXES

_RDF, _RDFS, _XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]
_OA, _PROV, _DCT = PREFIXES["oa"], PREFIXES["prov"], PREFIXES["dct"]
_DCMITYPE, _FOAF, _WD = PREFIXES["dcmitype"], PREFIXES["foaf"], PREFIXES["wd"]
_CKG, _ID = PREFIXES["ckg"], PREFIXES["id"]

CSV_FRAGMENTS = "http://tools.ietf.org/rfc/rfc7111"
"""``dct:conformsTo`` of a FragmentSelector naming a CSV row (``row=12``)."""
JSON_POINTER = "http://tools.ietf.org/rfc/rfc6901"
"""``dct:conformsTo`` of a FragmentSelector naming a JSON value (``/3/parties/0``)."""

TYPE = ox.NamedNode(_RDF + "type")

LANGUAGES = "http://id.loc.gov/vocabulary/iso639-1/"
"""The Library of Congress's ISO 639-1 language IRIs (the value of ``dct:language``)."""
DOCUMENT_TYPES = PREFIXES["vocab"] + "document-type/"
"""The document types of ontology/vocabularies.ttl (the value of ``dct:type``)."""

QUOTE, ANCHORED_QUOTE, REPORT, RECORD = ("QuoteEvidence", "AnchoredQuoteEvidence",
                                         "ReportEvidence", "RecordEvidence")
"""The evidence kinds: local names of the subclasses of ckg:Evidence."""
KIND_NAMES = {QUOTE: "quote of a stored text", ANCHORED_QUOTE: "quote of a text kept outside the graph",
              REPORT: "report in the curator's words", RECORD: "dataset record"}
"""How each evidence kind is named to people."""


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
    checked against (for a dataset: its notes, not its rows); a text kept outside the graph is
    identified by ``sha256`` alone."""

    node: ox.NamedNode
    dataset: bool
    """A dataset (``dcmitype:Dataset``) rather than a text (``dcmitype:Text``)."""
    text: str | None
    sha256: str | None = None
    """The digest of a text that is not stored (computed from ``text`` when it is)."""
    title: str | None = None
    title_language: str | None = "en"
    language: str | None = None
    """An ISO 639-1 code, written as the Library of Congress's IRI."""
    publisher: ox.NamedNode | None = None
    identifier: str | None = None
    kind: str | None = None
    """The notation of a document type (``news-article``, ``dataset``)."""
    issued: ox.Literal | None = None
    retrieved: ox.Literal | None = None
    page: str | None = None
    note: str | None = None
    interviewees: tuple[ox.NamedNode, ...] = ()
    source_file: str | None = None
    """The project file the document is declared in."""

    def triples(self) -> list[ox.Triple]:
        s = self.node
        out = [ox.Triple(s, TYPE, ckg("SourceDocument")),
               ox.Triple(s, TYPE, _p(_DCMITYPE, "Dataset" if self.dataset else "Text"))]
        if self.title is not None:
            out.append(ox.Triple(s, _p(_DCT, "title"), text(self.title, self.title_language)))
        if self.language is not None:
            out.append(ox.Triple(s, _p(_DCT, "language"), ox.NamedNode(LANGUAGES + self.language)))
        if self.publisher is not None:
            out.append(ox.Triple(s, _p(_DCT, "publisher"), self.publisher))
        if self.identifier is not None:
            out.append(ox.Triple(s, _p(_DCT, "identifier"), text(self.identifier)))
        if self.kind is not None:
            out.append(ox.Triple(s, _p(_DCT, "type"), ox.NamedNode(DOCUMENT_TYPES + self.kind)))
        if self.issued is not None:
            out.append(ox.Triple(s, _p(_DCT, "issued"), self.issued))
        if self.page is not None:
            out.append(ox.Triple(s, _p(_FOAF, "page"), ox.NamedNode(self.page)))
        if self.retrieved is not None:
            out.append(ox.Triple(s, ckg("retrieved"), self.retrieved))
        if self.note is not None:
            out.append(ox.Triple(s, _p(_RDFS, "comment"), text(self.note, "en")))
        out += [ox.Triple(s, ckg("interviewee"), person) for person in self.interviewees]
        digest = self.sha256
        if self.text is not None:
            out.append(ox.Triple(s, ckg("text"), text(self.text)))
            digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        if digest is not None:
            out.append(ox.Triple(s, ckg("textSha256"), text(digest)))
        if self.source_file is not None:
            out.append(ox.Triple(s, ckg("sourceFile"), text(self.source_file)))
        return out


def _annotation(kind: str, fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                attributed_to: ox.NamedNode | None, line: int | None) -> tuple[
                    ox.NamedNode, list[ox.Triple]]:
    """The parts every piece of evidence has; returns its target and the triples."""
    target = ox.NamedNode(evidence.value + "/target")
    out = [ox.Triple(fact, ckg("hasEvidence"), evidence),
           ox.Triple(fact, _p(_PROV, "wasDerivedFrom"), document),
           ox.Triple(evidence, TYPE, ckg("Evidence")),
           ox.Triple(evidence, TYPE, ckg(kind)),
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
    """A verbatim passage of a text: the exact words, the text around them (empty when not
    known), and their character offsets when the text is stored (None otherwise)."""

    exact: str
    prefix: str
    suffix: str
    start: int | None = None
    end: int | None = None


def quote_evidence(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                   quote: Quote, attributed_to: ox.NamedNode | None, line: int | None,
                   note: str | None = None, note_language: str = "en") -> list[ox.Triple]:
    """Evidence that ``fact`` rests on a quote of ``document``, attributed to someone: of a
    stored text when the quote's offsets are known, else of a text kept elsewhere."""
    stored = quote.start is not None and quote.end is not None
    target, out = _annotation(QUOTE if stored else ANCHORED_QUOTE, fact, evidence, document,
                              attributed_to, line)
    if note is not None:
        out.append(ox.Triple(evidence, _p(_RDFS, "comment"), text(note, note_language)))
    by_quote = ox.NamedNode(evidence.value + "/quote")
    out += [ox.Triple(target, _p(_OA, "hasSelector"), by_quote),
            ox.Triple(by_quote, TYPE, _p(_OA, "TextQuoteSelector")),
            ox.Triple(by_quote, _p(_OA, "exact"), text(quote.exact))]
    if quote.prefix or stored:
        out.append(ox.Triple(by_quote, _p(_OA, "prefix"), text(quote.prefix)))
    if quote.suffix or stored:
        out.append(ox.Triple(by_quote, _p(_OA, "suffix"), text(quote.suffix)))
    if stored:
        by_position = ox.NamedNode(evidence.value + "/position")
        out += [ox.Triple(target, _p(_OA, "hasSelector"), by_position),
                ox.Triple(by_position, TYPE, _p(_OA, "TextPositionSelector")),
                # xsd:integer, the type the store keeps, within Web Annotation's range
                # xsd:nonNegativeInteger by value (docs/architecture.md, "Two SHACL engines")
                ox.Triple(by_position, _p(_OA, "start"), typed(str(quote.start), "integer")),
                ox.Triple(by_position, _p(_OA, "end"), typed(str(quote.end), "integer"))]
    return out


def report_evidence(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                    paraphrase: str, reporter: ox.NamedNode | None,
                    reports: ox.NamedNode | None, line: int | None, note: str | None = None,
                    language: str = "en") -> list[ox.Triple]:
    """Evidence that ``document`` reports what ``fact`` records, in the curator's own words:
    attributed to the reporter, naming whom it reports; never a quote."""
    _target, out = _annotation(REPORT, fact, evidence, document, reporter, line)
    out.append(ox.Triple(evidence, ckg("paraphrase"), text(paraphrase, language)))
    if reports is not None:
        out.append(ox.Triple(evidence, ckg("reports"), reports))
    if note is not None:
        out.append(ox.Triple(evidence, _p(_RDFS, "comment"), text(note, language)))
    return out


def record_evidence(fact: ox.NamedNode, evidence: ox.NamedNode, document: ox.NamedNode,
                    attributed_to: ox.NamedNode, record_id: str, line: int | None,
                    fragment: str, conforms_to: str) -> list[ox.Triple]:
    """Evidence that ``fact`` comes from a record of the dataset ``document``."""
    target, out = _annotation(RECORD, fact, evidence, document, attributed_to, line)
    selector = ox.NamedNode(evidence.value + "/record")
    out += [ox.Triple(evidence, ckg("recordId"), text(record_id)),
            ox.Triple(target, _p(_OA, "hasSelector"), selector),
            ox.Triple(selector, TYPE, _p(_OA, "FragmentSelector")),
            ox.Triple(selector, _p(_RDF, "value"), text(fragment)),
            ox.Triple(selector, _p(_DCT, "conformsTo"), ox.NamedNode(conforms_to))]
    return out
