"""The checks every write runs, whether it builds the whole graph, adds files or imports a
dataset: what the loader found, contradictions between facts, and the SHACL shapes.

They run on the dataset's working store: every data graph for a build; for an addition, the new
graphs plus the stored neighbourhood they touch, reporting only on the new and touched nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from caucasus_kg.checks.contradictions import Dispute, Duplicate
from caucasus_kg.checks.contradictions import find as find_contradictions
from caucasus_kg.checks.shacl_results import ShaclResult, load_shapes
from caucasus_kg.checks.validator import Validator
from caucasus_kg.core.diagnostics import Diagnostic, errors_in, warnings_in
from caucasus_kg.model.namespaces import compact
from caucasus_kg.sources.dataset import Dataset


@dataclass
class CheckResult:
    """Everything the checks found: the dataset and its diagnostics, loader and SHACL alike."""

    dataset: Dataset
    diagnostics: list[Diagnostic] = field(default_factory=list)
    shacl: list[ShaclResult] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_in(self.diagnostics)

    @property
    def warnings(self) -> list[Diagnostic]:
        return warnings_in(self.diagnostics)


def diagnostic_order(d: Diagnostic) -> tuple[object, ...]:
    """Errors first, then by file, line, fact and message."""
    return (d.severity != "error", d.file, d.line or 0, d.fact or "", d.message)


def duplicate_warning(duplicate: Duplicate) -> Diagnostic:
    existing = compact(duplicate.existing)[3:]
    return Diagnostic(
        duplicate.file, duplicate.line, compact(duplicate.new)[3:],
        f"this looks like a duplicate of 'id:{existing}' (same kind, actor and treaty, same "
        "date)", f"use the id {existing} so the evidence is merged into one node", "warning")


def check_dataset(dataset: Dataset, shapes_file: Path, validator: Validator,
                  focus: Iterable[str] | None = None,
                  new_graphs: set[str] | None = None,
                  shacl_unless_duplicates: bool = False) -> CheckResult:
    """Run the contradiction checks and SHACL (only if the loader found no error, and SHACL only
    if nothing contradicts) on ``dataset.store``.

    ``focus``: report only on these nodes (an addition's new and touched nodes), all if None;
    ``new_graphs``: the graphs being added (a contradiction needs one side in them);
    ``shacl_unless_duplicates``: skip SHACL when duplicates are found (``add`` merges them and
    checks again)."""
    focus = None if focus is None else sorted(focus)
    result = CheckResult(dataset, list(dataset.diagnostics.items))
    if not result.errors:
        findings = find_contradictions(dataset.store, dataset.ontology,
                                       nodes=None if focus is None else set(focus),
                                       new_graphs=new_graphs)
        result.diagnostics.extend(findings.errors)
        result.disputes = findings.disputes
        result.duplicates = findings.duplicates
        result.diagnostics.extend(duplicate_warning(d) for d in findings.duplicates)
    if result.duplicates and shacl_unless_duplicates:
        return result
    if not result.errors and shapes_file.exists():
        result.shacl, located = validator.validate(dataset, load_shapes(shapes_file), focus)
        result.diagnostics.extend(located)
    result.diagnostics.sort(key=diagnostic_order)
    return result
