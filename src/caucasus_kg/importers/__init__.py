"""Importers for third-party datasets (SIPRI arms transfers, UNODA treaty status).

An importer reads a dataset file, turns each record into facts with evidence pointing at the
record (a Web Annotation FragmentSelector naming the row, plus ``ckg:recordId`` and
``ckg:sourceLine``), writes them as sorted N-Triples without blank nodes to
``<dataset>-<file stem>.nt`` and hands that file to :func:`caucasus_kg.merge.add_files`, so that
validation and the atomic merge are the ones ``caucasus-kg add`` uses.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..merge import AddReport
from ..namespaces import CKG, GRAPH, ID
from ..project import Project
from .names import NameResolver
from .progress import Progress

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


@dataclass
class ImportOutcome:
    """What ``caucasus-kg import`` did."""

    dataset: str
    file: Path
    nt_name: str
    read: int = 0
    imported: int = 0
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unsure: dict[str, str] = field(default_factory=dict)
    new_actors: list[str] = field(default_factory=list)
    without_facts: int = 0
    triples: int = 0
    seconds: float = 0.0
    unchanged: bool = False
    failed_strict: bool = False
    report: AddReport | None = None
    duplicates: list = field(default_factory=list)  # sipri.Duplicate
    changes: Changes | None = None  # set when a changed file replaces its earlier import

    @property
    def accepted(self) -> bool:
        if self.failed_strict:
            return False
        return self.unchanged or (self.report is not None and self.report.accepted)


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
    import hashlib

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


# ------------------------------------------------------------------------------------------
# The import itself
# ------------------------------------------------------------------------------------------

def nt_name(dataset: str, path: Path) -> str:
    return f"{dataset}-{re.sub(r'[^A-Za-z0-9_-]+', '_', path.stem)}.nt"


def store_names(project: Project, own_graph: str) -> tuple[NameResolver, dict[str, str], set[str]]:
    """Actors and treaties already in the store (not counting this import's own graph):
    a resolver for party names, treaty labels -> id, and every entity id."""
    from ..build import build, is_stale
    from ..namespaces import PREFIXES
    from ..store import open_store

    if is_stale(project) is not False:
        build(project)
    store = open_store(project.store_path)
    query = """
        SELECT ?s ?l ?treaty WHERE {
          GRAPH ?g { ?s a ?c }
          FILTER (?g != ?own)
          ?c rdfs:subClassOf* ?top .
          VALUES ?top { ckg:Actor ckg:Treaty }
          OPTIONAL { ?s rdfs:label|skos:altLabel ?l }
          BIND (?top = ckg:Treaty AS ?treaty)
        }"""
    query = query.replace("?own", f"<{GRAPH[own_graph]}>")
    resolver = NameResolver()
    treaties: dict[str, str] = {}
    ids: set[str] = set()
    for row in store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True):
        subject = row["s"].value
        if not subject.startswith(str(ID)):
            continue
        slug = subject[len(str(ID)):]
        ids.add(slug)
        label = row["l"].value.lower() if row["l"] is not None else None
        if row["treaty"].value == "true":
            if label:
                treaties.setdefault(label, slug)
        else:
            resolver.known_ids.add(slug)
            if label:
                resolver.known.setdefault(label, slug)
    del store
    return resolver, treaties, ids


Builder = Callable[[Parsed, NameResolver, dict[str, str], set[str], str, str], Triples]
Matcher = Callable[[Parsed, NameResolver, object, str], list]
"""Finds records the graph already holds under other ids (``sipri.match_existing``)."""


@dataclass(frozen=True)
class Changes:
    """How a re-import of a changed file differs from the import it replaces, fact by fact
    (a fact is a subject with evidence; its sub-nodes count with it)."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    triples_added: int
    triples_removed: int

    def render(self) -> str:
        return (f"{len(self.added)} fact(s) added, {len(self.removed)} removed, "
                f"{len(self.changed)} changed ({self.triples_added} triples added, "
                f"{self.triples_removed} removed)")


_FACT_OF = re.compile(rf"^<({re.escape(str(ID))}[^>/]+)[/>]")
_HAS_EVIDENCE = f" {ckg('hasEvidence')} "


def compare(old: str, new: str) -> Changes:
    """Facts added, removed and changed between two N-Triples texts written by an importer."""

    def facts(text: str) -> dict[str, set[str]]:
        lines = set(text.splitlines())
        with_evidence = {m.group(1) for line in lines if _HAS_EVIDENCE in line
                         for m in [_FACT_OF.match(line)] if m}
        grouped: dict[str, set[str]] = {f: set() for f in with_evidence}
        for line in lines:
            match = _FACT_OF.match(line)
            if match and match.group(1) in grouped:
                grouped[match.group(1)].add(line)
        return grouped

    before, after = facts(old), facts(new)
    old_lines, new_lines = set(old.splitlines()), set(new.splitlines())
    return Changes(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=sorted(f for f in set(before) & set(after) if before[f] != after[f]),
        triples_added=len(new_lines - old_lines),
        triples_removed=len(old_lines - new_lines))


def _locate_at_records(report: AddReport, triples_file: Path, shown: str) -> None:
    """Point each problem about an imported fact at the dataset record it came from (the first
    ``ckg:sourceLine`` of its evidence) instead of the generated N-Triples file."""
    if not report.problems:
        return
    marker = f" {ckg('sourceLine')} "
    first: dict[str, int] = {}
    with triples_file.open(encoding="utf-8") as lines:
        for line in lines:
            if marker not in line:
                continue
            match = _FACT_OF.match(line)
            number = re.search(r'"(\d+)"', line)
            if match and number:
                slug = match.group(1)[len(str(ID)):]
                first[slug] = min(first.get(slug, int(number.group(1))), int(number.group(1)))
    report.problems = [dataclasses.replace(p, file=shown, line=first[p.fact])
                       if p.fact in first else p for p in report.problems]


def run_import(project: Project, dataset: str, path: Path, parse: Callable[..., Parsed],
               build_triples: Builder, strict: bool = False,
               dry_run: bool = False, match: Matcher | None = None,
               progress: Progress | None = None) -> ImportOutcome:
    """Read ``path``, write its facts as N-Triples and merge them through ``add``'s checks.

    A file imported before under the same name is replaced (atomically, with the same checks)
    when its content changed, and left alone when it did not.
    """
    from ..merge import add_files
    from ..store import open_store

    progress = progress or Progress(None)
    started = time.perf_counter()
    name = nt_name(dataset, path)
    outcome = ImportOutcome(dataset, path, name)
    parsed = parse(path, progress=progress.records)
    outcome.read = parsed.read
    outcome.skipped = parsed.problems
    outcome.warnings = parsed.warnings
    outcome.without_facts = parsed.without_facts
    progress.stage(f"read {parsed.read:,} records, {len(parsed.problems):,} malformed")
    if strict and parsed.problems:
        outcome.failed_strict = True
        outcome.seconds = time.perf_counter() - started
        return outcome
    resolver, treaties, ids = store_names(project, name[:-3])
    if match is not None:
        store = open_store(project.store_path)
        outcome.duplicates = match(parsed, resolver, store, name[:-3])
        del store
    triples = build_triples(parsed, resolver, treaties, ids, path.name, name[:-3])
    outcome.imported = len(parsed.records) - sum(1 for d in outcome.duplicates if d.merged)
    outcome.unsure = dict(sorted(resolver.unsure.items()))
    outcome.new_actors = sorted(resolver.created)
    text = triples.text()
    outcome.triples = len(triples.lines)
    del triples  # a large import's lines and text take hundreds of MB: keep only the text
    progress.stage(f"converted to {outcome.triples:,} triples")
    target = project.graphs_dir / name
    if target.exists():
        old = target.read_text("utf-8")
        if old == text:
            outcome.unchanged = True
            outcome.seconds = time.perf_counter() - started
            return outcome
        outcome.changes = compare(old, text)
        del old
    folder = Path(tempfile.mkdtemp(prefix="caucasus-kg-import-"))
    try:
        staged = folder / name
        staged.write_text(text, "utf-8")
        del text
        with progress.waiting(f"checking {outcome.triples:,} triples against the graph"):
            outcome.report = add_files(project, [staged], dry_run=dry_run,
                                       replace_existing=outcome.changes is not None)
        _locate_at_records(outcome.report, staged, str(path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    progress.stage("checked" + ("" if dry_run or not outcome.accepted else " and merged"))
    outcome.seconds = time.perf_counter() - started
    return outcome
