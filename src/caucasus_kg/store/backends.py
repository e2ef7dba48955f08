"""The two kinds of store behind the same commands: the embedded Oxigraph folder (the default) and
a SPARQL 1.1 server (``--store http://...``).

Readers (queries, explain, export) need only :class:`QueryStore`: ``query`` with pyoxigraph's
arguments and ``quads_for_pattern``. ``pyoxigraph.Store`` and
:class:`~caucasus_kg.sparql_remote.RemoteStore` both provide it. Writers go through
:func:`write_build`, which replaces the project's graphs in whichever store the project uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Protocol

import pyoxigraph as ox

from caucasus_kg.core.project import Project
from caucasus_kg.sources.dataset import NamedGraph
from caucasus_kg.sources.fingerprint import input_fingerprint
from caucasus_kg.store.embedded import BuildInfo, StoreError, quads, write_store
from caucasus_kg.store.remote import RemoteStore, RemoteStoreError, is_remote

__all__ = ["QueryStore", "RemoteStore", "RemoteStoreError", "is_remote", "open_remote",
           "remote_is_stale", "write_build"]


class QueryStore(Protocol):
    """What reading the graph needs from a store."""

    def query(self, query: str, prefixes: Mapping[str, str] | None = ...,
              use_default_graph_as_union: bool = ...) -> object: ...

    def quads_for_pattern(self, subject: object, predicate: object, object: object,
                          graph_name: object = ...) -> Iterator[ox.Quad]: ...


def open_remote(project: Project) -> RemoteStore:
    """The project's SPARQL server, reached once so a dead server fails here with a clear message."""
    assert project.store_url is not None
    remote = RemoteStore(project.store_url)
    remote.check()
    return remote


def write_build(project: Project, graphs: list[NamedGraph], fingerprint: str,
                extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
    """Replace the store's content with ``graphs`` (and derived quads), all or nothing."""
    if project.store_url is None:
        return write_store(project.store_path, graphs, fingerprint, extra_quads)
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in [*quads(graphs), *(extra_quads or [])]:
        by_graph[quad.graph_name.value].append(quad.triple)
    for named in graphs:
        by_graph.setdefault(str(named.name), [])
    try:
        manifest = RemoteStore(project.store_url).replace_graphs(dict(by_graph), fingerprint)
    except RemoteStoreError as exc:
        raise StoreError(f"{exc}; the store was not changed") from exc
    return BuildInfo(fingerprint, manifest.triples, len(manifest.graphs))


def remote_is_stale(project: Project, remote: RemoteStore) -> bool | None:
    """Like :func:`caucasus_kg.build.is_stale` for a server: None when nothing was built there."""
    manifest = remote.manifest()
    if not manifest.graphs:
        return None
    return input_fingerprint(project) != manifest.fingerprint
