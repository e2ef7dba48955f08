"""One function per job that the Python API and the command line both do: explain an entity,
validate files, add files (the commands ``explain``, ``validate`` and ``add`` call these), and
build the store. Opening the store for reading is
:func:`caucasus_kg.ops.opening.open_or_build` for both, and asking a question
:func:`caucasus_kg.read.queries.run_query`.

Each raises the library's exceptions, whose messages are the command line's: the command line
turns them into exit codes, the Python API lets them reach the caller. The loaders, checks and
SHACL engines are imported only by the jobs that need them, so that opening the API to ask a
question costs what ``caucasus-kg query`` costs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from caucasus_kg.core.diagnostics import Diagnostic, errors_in, warnings_in
from caucasus_kg.core.project import Project
from caucasus_kg.read.explain import Explanation, explain
from caucasus_kg.read.queries import resolve_entity
from caucasus_kg.sources.texts import project_texts
from caucasus_kg.store.backend import BuildInfo
from caucasus_kg.store.backends import QueryStore

if TYPE_CHECKING:
    from caucasus_kg.checks.validator import Validator
    from caucasus_kg.ops.add import AddReport

PathLike = str | os.PathLike[str]
Files = PathLike | Iterable[PathLike]
"""One file or several: a path given alone is one file, not a sequence of characters."""


def validator_named(validator: str | Validator) -> Validator:
    """The SHACL engine called ``validator`` (``sparql`` or ``pyshacl``), or the engine given."""
    from caucasus_kg.checks.validator import VALIDATORS  # lazy: rdflib and the SHACL engines

    if not isinstance(validator, str):
        return validator
    if validator not in VALIDATORS:
        raise ValueError(f"unknown validator '{validator}'; the validators are: "
                         + ", ".join(sorted(VALIDATORS)))
    return VALIDATORS[validator]


def build(project: Project, validator: str | Validator = "sparql") -> BuildInfo:
    """Check every input and write the store, or nothing: raises DataError with the problems
    when the graphs do not validate."""
    from caucasus_kg.ops.build import build as run_build  # lazy: the loaders and checks

    info, _ = run_build(project, validator=validator_named(validator))
    return info


def explain_entity(store: QueryStore, project: Project, entity: str) -> Explanation:
    """The evidence chain behind ``entity`` (an id, label, alias, QID, CURIE or IRI): raises
    :class:`~caucasus_kg.read.queries.UnknownEntity` (with the names closest to it) or
    :class:`~caucasus_kg.read.queries.QueryError` when it names no single entity."""
    node = resolve_entity(entity, store)
    return explain(store, node, project_texts(project))


@dataclass
class ValidationReport:
    """What ``validate`` found: every problem, located, and how much was checked."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Errors first, then warnings; each with ``file``, ``line``, ``fact``, ``message``, ``fix``
    and ``severity``."""
    triples: int = 0
    """The data triples checked."""

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_in(self.diagnostics)

    @property
    def warnings(self) -> list[Diagnostic]:
        return warnings_in(self.diagnostics)

    @property
    def summary(self) -> str:
        """The last line ``caucasus-kg validate`` prints."""
        counts = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.errors:
            return f"invalid: {counts}"
        return f"valid: {self.triples} data triples checked, {counts}"

    def to_dict(self) -> dict[str, object]:
        """What ``caucasus-kg validate --format json`` prints."""
        return {"valid": self.ok, "problems": [d.to_dict() for d in self.diagnostics]}

    def __str__(self) -> str:
        return "".join(d.render() + "\n" for d in self.diagnostics) + self.summary


def paths(files: Files) -> list[Path]:
    if isinstance(files, str | os.PathLike):
        return [Path(files)]
    return [Path(f) for f in files]


def validate(project: Project, files: Files = (), *, alone: bool = False,
             require_verified: bool = False, validator: str | Validator = "sparql"
             ) -> ValidationReport:
    """Every check of a build on the project's graphs and imports and ``files`` (only ``files``
    with ``alone``), writing nothing. Raises InputError when a file cannot be read at all."""
    from caucasus_kg.ops.build import check  # lazy: the loaders and checks

    result = check(project, paths(files), include_project=not alone,
                   validator=validator_named(validator), require_verified=require_verified)
    return ValidationReport(result.diagnostics, sum(len(g) for g in result.dataset.graphs))


def add(project: Project, files: Files, *, dry_run: bool = True,
        validator: str | Validator = "sparql") -> AddReport:
    """Check new fact files against the graph and merge them into graphs/ and the store, all or
    nothing (with ``dry_run``, check only), on the embedded store or a SPARQL server. Raises
    InputError for files that cannot be read or added, StoreError when another command is
    writing or the store cannot be reached."""
    from caucasus_kg.ops.add import add_files  # lazy: the loaders, checks and YAML editing

    return add_files(project, paths(files), dry_run=dry_run, validator=validator_named(validator))
