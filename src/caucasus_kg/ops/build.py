"""``caucasus-kg build`` and ``validate``: load every input, run the checks, and only then write
the store (the embedded one or a SPARQL server)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from caucasus_kg.checks.contradictions import dispute_quads
from caucasus_kg.checks.pipeline import CheckResult, check_dataset
from caucasus_kg.checks.validator import DEFAULT_VALIDATOR, Validator
from caucasus_kg.core.diagnostics import DataError
from caucasus_kg.core.project import Project
from caucasus_kg.sources.dataset import load_dataset
from caucasus_kg.sources.fingerprint import remember_file_digests
from caucasus_kg.store.backends import write_build
from caucasus_kg.store.embedded import BuildInfo, write_lock
from caucasus_kg.store.transaction import recover


def check(project: Project, extra: Iterable[Path] = (), today: dt.date | None = None,
          include_project: bool = True, validator: Validator = DEFAULT_VALIDATOR,
          require_verified: bool = False) -> CheckResult:
    """Load the project's graphs (and ``extra`` files) and run every check on them; with
    ``require_verified``, a quote of a text kept elsewhere that cannot be checked is an error."""
    dataset = load_dataset(project, extra, today, include_project, require_verified)
    return check_dataset(dataset, project.shapes_file, validator)


def build(project: Project, today: dt.date | None = None,
          validator: Validator = DEFAULT_VALIDATOR) -> tuple[BuildInfo, CheckResult]:
    """Check everything, then write the store; on any error the old store stays as it was."""
    with write_lock(project.store_path):
        recover(project)
        return build_locked(project, today, validator)


def build_locked(project: Project, today: dt.date | None = None,
                 validator: Validator = DEFAULT_VALIDATOR) -> tuple[BuildInfo, CheckResult]:
    """:func:`build` for a caller that already holds the write lock."""
    result = check(project, today=today, validator=validator)
    if result.errors:
        raise DataError(result.errors)
    result.dataset.release()  # the store is written from the files, not from memory
    graphs = result.dataset.all_graphs()
    info = write_build(project, graphs, result.dataset.fingerprint,
                       dispute_quads(result.disputes))
    remember_file_digests(project)
    return info, result
