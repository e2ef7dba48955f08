"""The build pipeline: load every input, check it, validate it, and only then write the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from .contradictions import Dispute, dispute_quads
from .contradictions import find as find_contradictions
from .dataset import Dataset, input_fingerprint, load_dataset, remember_file_digests
from .diagnostics import DataError, Diagnostic
from .namespaces import compact
from .project import Project
from .store import BuildInfo, read_build_info, write_lock
from .validation import ShaclResult, load_shapes, use_reference, validate_dataset


@dataclass
class CheckResult:
    """Everything a check found: the dataset and its diagnostics, loader and SHACL alike."""

    dataset: Dataset
    diagnostics: list[Diagnostic] = field(default_factory=list)
    shacl: list[ShaclResult] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity != "error"]


def check(project: Project, extra: Iterable[Path] = (), today: dt.date | None = None,
          include_project: bool = True) -> CheckResult:
    """Load and validate; SHACL runs only when the loader found no errors."""
    dataset = load_dataset(project, extra, today, include_project)
    result = CheckResult(dataset, list(dataset.diagnostics.items))
    if not result.errors:
        findings = find_contradictions(dataset.store, dataset.ontology)
        result.diagnostics.extend(findings.errors)
        result.disputes = findings.disputes
        for dup in findings.duplicates:
            result.diagnostics.append(Diagnostic(
                dup.file, dup.line, compact(dup.new)[3:],
                f"this looks like a duplicate of '{compact(dup.existing)}' (same kind, actor "
                "and treaty, same date)", f"use the id {compact(dup.existing)[3:]} so the "
                "evidence is merged into one node", "warning"))
    if not result.errors and project.shapes_file.exists():
        shacl, diagnostics = _validate(dataset, load_shapes(project.shapes_file))
        result.shacl = shacl
        result.diagnostics.extend(diagnostics)
    result.diagnostics.sort(key=lambda d: (d.severity != "error", d.file, d.line or 0,
                                           d.fact or "", d.message))
    return result


def _validate(dataset: Dataset, shapes: Graph) -> tuple[list[ShaclResult], list[Diagnostic]]:
    """SHACL on the working store (which then also holds the ontology), or the reference."""
    if use_reference():
        return validate_dataset(dataset, shapes)
    from .shacl_sparql import store_diagnostics, validate_store

    dataset.add_ontology_to_store()
    results = validate_store(dataset.store, shapes, dataset.ontology.graph)
    return results, store_diagnostics(results, dataset.store)


def build(project: Project, today: dt.date | None = None) -> tuple[BuildInfo, CheckResult]:
    """Check everything, then write the store; on any error the old store stays as it was."""
    from .merge import recover

    with write_lock(project.store_path):
        recover(project)
        return build_locked(project, today)


def build_locked(project: Project, today: dt.date | None = None
                 ) -> tuple[BuildInfo, CheckResult]:
    """:func:`build` for a caller that already holds the write lock."""
    result = check(project, today=today)
    if result.errors:
        raise DataError(result.errors)
    result.dataset.release()  # the store is written from the files, not from memory
    graphs = result.dataset.all_graphs()
    from .backends import write_build  # the embedded store or a SPARQL server

    info = write_build(project, graphs, result.dataset.fingerprint,
                       dispute_quads(result.disputes))
    remember_file_digests(project)
    return info, result


def is_stale(project: Project) -> bool | None:
    """True when graphs/ or the ontology changed since the store was built; None if no store."""
    info = read_build_info(project.store_path)
    if info is None or not project.store_path.exists():
        return None
    return input_fingerprint(project) != info.fingerprint
