"""Importers for third-party datasets (SIPRI arms transfers, UNODA treaty status).

An importer reads a dataset file, turns each record into facts with evidence pointing at the
record (a Web Annotation FragmentSelector naming the row, plus ``ckg:recordId`` and
``ckg:sourceLine``), writes them as sorted N-Triples without blank nodes to
``<dataset>-<file stem>.nt`` and hands that file to :func:`caucasus_kg.merge.add_files`, so that
validation and the atomic merge are the ones ``caucasus-kg add`` uses.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from caucasus_kg.model.namespaces import CKG, ID
from caucasus_kg.sources.importers.names import NameResolver

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF_NS + "type"
RDF_VALUE = RDF_NS + "value"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
XSD = "http://www.w3.org/2001/XMLSchema#"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
DCMITYPE = "http://purl.org/dc/dcmitype/"
WD = "http://www.wikidata.org/entity/"
CSV_FRAGMENTS = "http://tools.ietf.org/rfc/rfc7111"
JSON_POINTER = "http://tools.ietf.org/rfc/rfc6901"


class ImportError_(Exception):
    """The dataset cannot be imported at all (unreadable, unknown layout)."""


@dataclass(frozen=True)
class Problem:
    """A record that could not be imported, with the line it starts on."""

    line: int | None
    message: str

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    """What an importer read: the records it understood and the problems it met."""

    records: list[object] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: int = 0
    preamble: str = ""
    generated: str | None = None  # ISO date of "Data generated:"
    warnings: list[Problem] = field(default_factory=list)
    without_facts: int = 0  # well-formed records that state nothing to import
    progress: Callable[[int], None] | None = None  # called with the count of records read

    def count_record(self) -> None:
        self.read += 1
        if self.progress is not None:
            self.progress(self.read)


# ------------------------------------------------------------------------------------------
# N-Triples
# ------------------------------------------------------------------------------------------

def iri(value: str) -> str:
    return f"<{value}>"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r"))


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^<{XSD}{datatype}>'
    return f'"{_escape(text)}"'


class Triples:
    """A set of N-Triples lines, written sorted so the output is deterministic."""

    def __init__(self) -> None:
        self.lines: set[str] = set()

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.add(f"{s} {p} {o} .\n")

    def text(self) -> str:
        return "".join(sorted(self.lines))


@functools.cache
def ckg(local: str) -> str:
    return f"<{CKG}{local}>"


def entity(slug: str) -> str:
    return iri(str(ID[slug]))


# ------------------------------------------------------------------------------------------
# Shared building blocks
# ------------------------------------------------------------------------------------------

def declare_actors(out: Triples, resolver: NameResolver) -> None:
    for actor in resolver.created.values():
        node = entity(actor.slug)
        out.add(node, iri(RDF_TYPE), ckg(actor.kind))
        out.add(node, iri(RDFS_LABEL), lit(actor.label, "en"))
        if actor.wikidata:
            out.add(node, ckg("wikidata"), iri(WD + actor.wikidata))


def source_document(out: Triples, doc: str, title: str, publisher: str | None,
                    parsed: Parsed, file_name: str) -> None:
    """The dataset file as a source document. Its stored text is the dataset's own notes
    (preamble and header line), not its rows."""
    out.add(doc, iri(RDF_TYPE), ckg("SourceDocument"))
    out.add(doc, iri(RDF_TYPE), iri(DCMITYPE + "Dataset"))
    out.add(doc, iri(DCT + "title"), lit(title, "en"))
    if publisher:
        out.add(doc, iri(DCT + "publisher"), entity(publisher))
    out.add(doc, iri(DCT + "identifier"), lit(file_name))
    out.add(doc, iri(DCT + "type"), lit("dataset", "en"))
    if parsed.generated:
        out.add(doc, iri(DCT + "issued"), lit(parsed.generated, datatype="date"))
    out.add(doc, ckg("text"), lit(parsed.preamble or file_name))
    digest = hashlib.sha256((parsed.preamble or file_name).encode("utf-8")).hexdigest()
    out.add(doc, ckg("textSha256"), lit(digest))


def evidence(out: Triples, fact: str, number: int | str, doc: str, attributed_to: str,
             record_id: str, line: int | None, fragment: str, conforms_to: str) -> None:
    """Evidence that ``fact`` comes from a record of the dataset ``doc``."""
    node = fact[:-1] + f"/evidence/{number}>"
    target = fact[:-1] + f"/evidence/{number}/target>"
    selector = fact[:-1] + f"/evidence/{number}/record>"
    out.add(fact, ckg("hasEvidence"), node)
    out.add(fact, iri(PROV + "wasDerivedFrom"), doc)
    out.add(node, iri(RDF_TYPE), ckg("Evidence"))
    out.add(node, iri(RDF_TYPE), iri(OA + "Annotation"))
    out.add(node, ckg("supports"), fact)
    out.add(node, iri(OA + "hasBody"), fact)
    out.add(node, iri(OA + "motivatedBy"), iri(OA + "describing"))
    out.add(node, iri(OA + "hasTarget"), target)
    out.add(node, iri(PROV + "wasAttributedTo"), entity(attributed_to))
    out.add(node, ckg("recordId"), lit(record_id))
    if line:
        out.add(node, ckg("sourceLine"), lit(str(line), datatype="positiveInteger"))
    out.add(target, iri(RDF_TYPE), iri(OA + "SpecificResource"))
    out.add(target, iri(OA + "hasSource"), doc)
    out.add(target, iri(OA + "hasSelector"), selector)
    out.add(selector, iri(RDF_TYPE), iri(OA + "FragmentSelector"))
    out.add(selector, iri(RDF_VALUE), lit(fragment))
    out.add(selector, iri(DCT + "conformsTo"), iri(conforms_to))


PUBLISHERS = {
    "sipri": ("ResearchOrganisation", "Stockholm International Peace Research Institute",
              "Q691161"),
    "unoda": ("InternationalOrganisation", "United Nations Office for Disarmament Affairs",
              "Q7888207"),
}


def declare_publisher(out: Triples, slug: str, known_ids: set[str]) -> None:
    if slug in known_ids:
        return
    kind, label, qid = PUBLISHERS[slug]
    node = entity(slug)
    out.add(node, iri(RDF_TYPE), ckg(kind))
    out.add(node, iri(RDFS_LABEL), lit(label, "en"))
    out.add(node, ckg("wikidata"), iri(WD + qid))


def read_text(path: Path) -> str:
    """The dataset as text: UTF-8 if it is, else Latin-1 (SIPRI's classic export)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text


MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def generated_date(line: str) -> str | None:
    """'Data generated: 13 Mar 2025 10:02:49 AM' -> '2025-03-13'."""
    match = re.search(r"Data generated:\s*(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})", line)
    if not match or match.group(2).lower() not in MONTHS:
        return None
    return f"{match.group(3)}-{MONTHS[match.group(2).lower()]:02d}-{int(match.group(1)):02d}"


