"""RDF files (Turtle, N-Triples, JSON-LD) -> the graph, with the file as a dataset document.

The file is parsed with the project's RDF loader (syntax errors name the line), its blank nodes
are given canonical labels so the same input gives the same bytes, and it is written as sorted
N-Triples together with a ``ckg:SourceDocument`` / ``dcmitype:Dataset`` describing the file (its
name, SHA-256 and size). Every entity or fact the file types gets ``prov:wasDerivedFrom`` that
document. Its facts still need their own evidence: ``add``'s checks apply unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.model.namespaces import ID, SOURCE
from caucasus_kg.sources.importers.names import NameResolver, slugify
from caucasus_kg.sources.importers.records import (
    PROV,
    RDF_TYPE,
    ImportError_,
    NothingToImport,
    Parsed,
    Triples,
    iri,
    source_document,
)
from caucasus_kg.sources.rdffile import is_rdf_file, read_rdf_file


@dataclass
class RdfParsed(Parsed):
    triples: list[ox.Triple] = field(default_factory=list)
    digest: str = ""


MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""An imported RDF file is read whole and rewritten (sorted, with canonical blank nodes); a
larger file belongs in graphs/, where RDF files are streamed into the store."""


def parse(path: Path, progress: Callable[[int], None] | None = None) -> Parsed:
    if not is_rdf_file(path):
        raise ImportError_(f"'{path.suffix}' is not an RDF file: give a .ttl, .nt or .jsonld "
                           "file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportError_(f"cannot read the file: {exc.strerror}") from exc
    if size > MAX_IMPORT_BYTES:
        raise ImportError_(f"the file is {size / 1e6:.0f} MB; `import rdf` reads files of at "
                           f"most {MAX_IMPORT_BYTES // 1024 ** 2} MB whole: put a larger file "
                           "in graphs/, where it is streamed into the store")
    triples = read_rdf_file(path, str(path))
    if not triples:
        raise NothingToImport("the file holds no triples")
    parsed = RdfParsed(progress=progress, triples=triples)
    parsed.digest = hashlib.sha256(path.read_bytes()).hexdigest()
    parsed.read = len(triples)
    if progress is not None:
        progress(parsed.read)
    typed = {t.subject for t in triples if t.predicate.value == RDF_TYPE}
    parsed.records = sorted((s for s in typed if _top_level(s)), key=lambda s: s.value)
    parsed.preamble = (f"RDF file {path.name}: {len(triples)} triples, "
                       f"{path.stat().st_size} bytes, SHA-256 {parsed.digest}\n")
    return parsed


def _top_level(node: object) -> bool:
    """An entity or fact of its own (``id:x``), not a part of one (``id:x/evidence/1``)."""
    return isinstance(node, ox.NamedNode) and node.value.startswith(str(ID)) and \
        "/" not in node.value[len(str(ID)):]


def build(parsed: Parsed, resolver: NameResolver, treaties: dict[str, str], ids: set[str],
          file_name: str, graph: str, out: Triples | None = None) -> Triples:
    assert isinstance(parsed, RdfParsed)
    out = Triples() if out is None else out
    doc = iri(str(SOURCE[slugify(graph)]))
    source_document(out, doc, f"RDF file {file_name}", None, parsed, file_name)
    out.extend(parsed.triples)
    for node in parsed.records:
        out.add(node, iri(PROV + "wasDerivedFrom"), doc)
    return out
