"""Opening a project's store for reading, as every reading command does: an interrupted change is
finished or rolled back first, a missing store is built, and a stale one is reported.

The policy lives here, not in the command line, so the server and the Python API open a project
the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from caucasus_kg.core.project import Project
from caucasus_kg.sources.fingerprint import input_fingerprint
from caucasus_kg.store.backend import Backend, QueryStore
from caucasus_kg.store.backends import open_backend, recover
from caucasus_kg.store.transaction import journal_path, write_lock

if TYPE_CHECKING:
    from caucasus_kg.checks.validator import Validator

STALE_WARNING = ("warning: imports/, graphs/ or the ontology changed since the store was built; "
                 "run `caucasus-kg build` to see the changes")


def is_stale(project: Project, backend: Backend | None = None) -> bool | None:
    """True when an input (graphs/, the imports, the ontology) changed since the store was built;
    None if nothing was built (no store folder, or nothing on the server)."""
    info = (backend or open_backend(project)).info()
    if info is None:
        return None
    return input_fingerprint(project) != info.fingerprint


def open_for_reading(project: Project, say: Callable[[str], None],
                     build: Callable[[Project, str], None]) -> QueryStore:
    """The project's store, ready to query.

    ``say`` prints a progress or warning line; ``build(project, why)`` builds the store when
    there is none yet (the caller decides how a build reports and fails). Raises
    :class:`caucasus_kg.store.backend.StoreError` (and, for a SPARQL server,
    :class:`caucasus_kg.store.remote.RemoteStoreError`) when the store cannot be opened.
    """
    backend = open_backend(project, check=True)
    if journal_path(project).exists():
        with write_lock(project.store_path):
            outcome = recover(project)
            if outcome is not None:
                say(outcome.message)
    stale = is_stale(project, backend)
    if stale is None:
        where = project.store_url or project.store_path
        build(project, f"nothing built on {where}" if project.store_url else f"no store at {where}")
        backend = open_backend(project)  # what the build wrote
    elif stale:
        say(STALE_WARNING)
    return backend.reader()


def open_or_build(project: Project, say: Callable[[str], None],
                  validator: str | Validator = "sparql") -> QueryStore:
    """:func:`open_for_reading`, building a missing store with the SHACL engine ``validator``
    (a name or the engine) and saying so: what every reading command and the Python API do.

    Raises :class:`caucasus_kg.core.diagnostics.DataError` (with the problems) when the graphs
    do not validate, so nothing could be built, and InputError when a file cannot be read.
    """
    def build_missing(project: Project, missing: str) -> None:
        from caucasus_kg.checks.validator import VALIDATORS  # lazy: rdflib, the SHACL engines
        from caucasus_kg.ops.build import build  # lazy: the loaders and checks

        say(f"{missing} yet: building it from {project.graphs_dir}")
        engine = VALIDATORS[validator] if isinstance(validator, str) else validator
        info, _ = build(project, validator=engine)
        say(f"built: {info.triples} triples in {info.graphs} graphs")

    return open_for_reading(project, say, build_missing)
