"""Which store a project uses: the embedded Oxigraph folder (the default) or a SPARQL 1.1 server
(``--store http://...``), both behind :class:`caucasus_kg.store.backend.Backend`.

Readers (queries, explain, export) need only :class:`~caucasus_kg.store.backend.QueryStore`:
``query`` with pyoxigraph's arguments and ``quads_for_pattern``, which ``pyoxigraph.Store`` and
:class:`~caucasus_kg.store.remote.RemoteStore` both provide. Writers go through the backend:
``replace_graphs`` for a build, ``add_graphs`` for an addition.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from caucasus_kg.core.project import Project
from caucasus_kg.store.backend import (
    Backend,
    BuildInfo,
    Plan,
    QueryStore,
    RemoteQuerySyntaxError,
    RemoteStoreError,
    StoreError,
)
from caucasus_kg.store.embedded import EmbeddedStore
from caucasus_kg.store.transaction import Recovery
from caucasus_kg.store.transaction import recover as recover_with

if TYPE_CHECKING:
    from caucasus_kg.sources.dataset import NamedGraph

__all__ = ["Backend", "QueryStore", "RemoteStoreError", "open_backend", "recover",
           "server_errors", "write_build"]


def open_backend(project: Project, check: bool = False) -> Backend:
    """The project's store; with ``check``, a server is reached once so that a dead one fails
    here with a clear message (:class:`RemoteStoreError`)."""
    if project.store_url is None:
        return EmbeddedStore(project)
    from caucasus_kg.store.remote import ServerStore  # lazy: the HTTP client, for a server only

    backend = ServerStore(project)
    if check:
        backend.remote.check()
    return backend


def _backend_for(project: Project, plan: Plan) -> Backend:
    """The store an interrupted addition was writing, as its journal names it."""
    if plan.get("kind") == "server":
        from caucasus_kg.store.remote import ServerStore  # lazy: the HTTP client, for a server only

        return ServerStore(dataclasses.replace(project, store_url=plan["url"]))
    path = Path(plan["path"]) if plan.get("path") else project.store_path
    return EmbeddedStore(dataclasses.replace(project, store_url=None, store_path=path))


def recover(project: Project) -> Recovery | None:
    """:func:`caucasus_kg.store.transaction.recover` with the store each journal names. Call
    under the write lock."""
    return recover_with(project, lambda plan: _backend_for(project, plan))


@contextlib.contextmanager
def server_errors() -> Iterator[None]:
    """A SPARQL server that cannot be reached, or refuses a request, as a :class:`StoreError`."""
    try:
        yield
    except RemoteQuerySyntaxError as exc:
        raise StoreError(f"the SPARQL server refused a query: {exc}") from exc
    except RemoteStoreError as exc:
        raise StoreError(str(exc)) from exc


def write_build(project: Project, graphs: list[NamedGraph], fingerprint: str,
                extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
    """Replace the store's content with ``graphs`` (and derived quads), all or nothing."""
    return open_backend(project).replace_graphs(graphs, fingerprint, extra_quads)
