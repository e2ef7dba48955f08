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
from caucasus_kg.sources.inputs import project_inputs
from caucasus_kg.store.backend import BuildInfo
from caucasus_kg.store.backends import open_backend, recover, server_errors
from caucasus_kg.store.transaction import write_lock


def check(project: Project, extra: Iterable[Path] = (), today: dt.date | None = None,
          include_project: bool = True, validator: Validator = DEFAULT_VALIDATOR,
          require_verified: bool = False) -> CheckResult:
    """Load the project's graphs (and ``extra`` files) and run every check on them; with
    ``require_verified``, a quote of a text kept elsewhere that cannot be checked is an error."""
    dataset = load_dataset(project, extra, today, include_project, require_verified)
    return check_dataset(dataset, project.shapes_file, validator)


def build(project: Project, today: dt.date | None = None,
          validator: Validator = DEFAULT_VALIDATOR) -> tuple[BuildInfo, CheckResult]:
    """Check everything, then write the store; on any error the old store stays as it was.
    Under the write lock, an interrupted addition is finished or rolled back first, and what
    killed builds left beside the store is removed."""
    with write_lock(project.store_path):
        with server_errors():
            recover(project)
        return build_locked(project, today, validator)


def build_locked(project: Project, today: dt.date | None = None,
                 validator: Validator = DEFAULT_VALIDATOR) -> tuple[BuildInfo, CheckResult]:
    """:func:`build` for a caller that already holds the write lock. Large N-Triples files
    (imports) are loaded into the new store while everything is checked."""
    backend = open_backend(project)
    try:
        backend.preload_build([(f.path, f.graph) for f in project_inputs(project)])
        result = check(project, today=today, validator=validator)
        if result.errors:
            raise DataError(result.errors)
        result.dataset.release()  # the store is written from the files, not from memory
        graphs = result.dataset.all_graphs()
        info = backend.replace_graphs(graphs, result.dataset.fingerprint,
                                      dispute_quads(result.disputes))
    finally:
        backend.close()
    remember_file_digests(project)
    return info, result
