"""``caucasus-kg import``: read a dataset with its importer, write its facts as sorted N-Triples
without blank nodes (``<dataset>-<file stem>.nt``, in the project's imports folder, never in the
hand-written graphs/) and merge that file with the checks and the atomic merge of
``caucasus-kg add``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from caucasus_kg.checks.validator import DEFAULT_VALIDATOR, Validator
from caucasus_kg.core.project import Project
from caucasus_kg.model.namespaces import GRAPH, ID, PREFIXES
from caucasus_kg.ops.add import AddReport, add_files, earlier_import
from caucasus_kg.ops.build import build
from caucasus_kg.ops.opening import is_stale
from caucasus_kg.sources.background_load import BackgroundLoad
from caucasus_kg.sources.importers.names import NameResolver
from caucasus_kg.sources.importers.progress import Progress
from caucasus_kg.sources.importers.records import Parsed, Problem, Triples, ckg
from caucasus_kg.sources.inputs import graph_name_for, project_inputs
from caucasus_kg.store.backend import QueryStore
from caucasus_kg.store.backends import open_backend, server_errors
from caucasus_kg.store.transaction import import_staging


@dataclass
class ImportOutcome:
    """What ``caucasus-kg import`` did."""

    dataset: str
    file: Path
    nt_name: str
    target: str = ""
    """Where the import goes, as messages name it (``imports/<nt_name>``)."""
    earlier: str | None = None
    """The earlier import of the same name, if any (in the imports folder, or in graphs/)."""
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


def nt_name(dataset: str, path: Path) -> str:
    return f"{dataset}-{re.sub(r'[^A-Za-z0-9_-]+', '_', path.stem)}.nt"


def store_names(project: Project, own_graph: str, validator: Validator = DEFAULT_VALIDATOR
                ) -> tuple[NameResolver, dict[str, str], set[str]]:
    """Actors and treaties already in the project's store (building it first if it is stale),
    as :func:`names_in` gives them."""
    if is_stale(project) is not False:
        build(project, validator=validator)
    backend = open_backend(project)
    try:
        return names_in(backend, own_graph)
    finally:
        backend.close()


def names_in(store: QueryStore, own_graph: str) -> tuple[NameResolver, dict[str, str], set[str]]:
    """Actors and treaties in ``store`` (not counting the import's own graph ``own_graph``): a
    resolver for party names (labels, aliases and alpha-3 codes), treaty labels -> id, and every
    entity id."""
    query = """
        SELECT ?s ?l ?treaty ?code WHERE {
          GRAPH ?g { ?s a ?c }
          FILTER (?g != ?own)
          ?c rdfs:subClassOf* ?top .
          VALUES ?top { ckg:Actor ckg:Treaty }
          OPTIONAL { ?s rdfs:label|skos:altLabel ?l }
          OPTIONAL { ?s ckg:iso3166Alpha3 ?code }
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
            if row["code"] is not None:
                resolver.known_codes.setdefault(row["code"].value, slug)
    return resolver, treaties, ids


class Builder(Protocol):
    """An importer's ``build``: the records' triples, added to ``out`` (a new one if None)."""

    def __call__(self, parsed: Parsed, resolver: NameResolver, treaties: dict[str, str],
                 ids: set[str], file_name: str, graph: str, out: Triples | None = None
                 ) -> Triples: ...


Matcher = Callable[..., list]
"""Finds records the graph already holds under other ids (``sipri.match_existing``): called with
the parsed file, the name resolver, the store, this import's graph name and ``files``, the file
behind each graph (graph name -> the file as messages name it)."""


def graph_files(project: Project) -> dict[str, str]:
    """The file behind each named graph of the project's inputs (graph name -> ``graphs/x.yaml``
    or ``imports/x.nt``), for messages that point at what the graph already holds."""
    return {f.graph[len(str(GRAPH)):]: project.shown(f.path) for f in project_inputs(project)}


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
               progress: Progress | None = None,
               validator: Validator = DEFAULT_VALIDATOR) -> ImportOutcome:
    """Read ``path``, write its facts as N-Triples and merge them through ``add``'s checks.

    A file imported before under the same name is replaced (atomically, with the same checks)
    when its content changed, and left alone when it did not. Raises
    :class:`caucasus_kg.store.backend.StoreError` when the store is locked or cannot be reached.
    """
    progress = progress or Progress(None)
    started = time.perf_counter()
    name = nt_name(dataset, path)
    outcome = ImportOutcome(dataset, path, name, project.shown(project.imports_dir / name))
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
    with server_errors():
        resolver, treaties, ids = store_names(project, name[:-3], validator)
        if match is not None:
            backend = open_backend(project)
            outcome.duplicates = match(parsed, resolver, backend.reader(), name[:-3],
                                       files=graph_files(project))
            backend.close()
    # The triples load into the working store of the checks while they are made (on another
    # core: the conversion is Python, the load is Oxigraph's).
    with BackgroundLoad(graph_name_for(name)) as ahead:
        triples = build_triples(parsed, resolver, treaties, ids, path.name, name[:-3],
                                Triples(feed=ahead.feed))
        outcome.imported = len(parsed.records) - sum(1 for d in outcome.duplicates if d.merged)
        outcome.unsure = dict(sorted(resolver.unsure.items()))
        outcome.new_actors = sorted(resolver.created)
        text = triples.text()
        outcome.triples = len(triples.lines)
        del triples  # a large import's lines and text take hundreds of MB: keep only the text
        progress.stage(f"converted to {outcome.triples:,} triples")
        earlier = earlier_import(project, name)
        if earlier is not None:
            outcome.earlier = project.shown(earlier)
            old = earlier.read_text("utf-8")
            if old == text and earlier.parent == project.imports_dir:
                outcome.unchanged = True
                outcome.seconds = time.perf_counter() - started
                return outcome
            outcome.changes = compare(old, text)
            del old
        folder = import_staging(project)
        try:
            staged = folder / name
            staged.write_text(text, "utf-8")
            ahead.wrote(staged)
            del text
            with progress.waiting(f"checking {outcome.triples:,} triples against the graph"):
                outcome.report = add_files(project, [staged], dry_run=dry_run,
                                           validator=validator, imported=True, ahead=ahead)
            _locate_at_records(outcome.report, staged, str(path))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # when no other import is using it
    progress.stage("checked" + ("" if dry_run or not outcome.accepted else " and merged"))
    outcome.seconds = time.perf_counter() - started
    return outcome
