"""The embedded Oxigraph store on disk: written whole and swapped in, opened read-only to query.

A build writes a complete new store beside the old one and renames it into place, so a failed or
killed build never leaves a half-written store, and readers never see one being written. An
addition loads its graphs into a copy of the store (RocksDB's table files hard-linked, so the copy
is cheap) and swaps the copy in the same way, under the journal of
:mod:`caucasus_kg.store.transaction`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyoxigraph as ox

from caucasus_kg.core.project import Project
from caucasus_kg.sources.rdffile import load_into
from caucasus_kg.store.backend import Addition, Backend, BuildInfo, Plan, StoreError
from caucasus_kg.store.transaction import (
    beside,
    commit,
    copy_store,
    crash_point,
    info_path,
    read_build_info,
    swap_in,
    write_build_info,
    write_lock,
)

if TYPE_CHECKING:  # the loader's graphs: only writers, which have them, pass them
    from caucasus_kg.sources.dataset import NamedGraph

__all__ = ["COMPACT_AFTER", "BuildInfo", "EmbeddedStore", "StoreError", "info_path",
           "load_graphs", "memory_store", "open_store", "quads", "read_build_info",
           "write_lock", "write_store"]


def quads(graphs: list[NamedGraph]) -> Iterator[ox.Quad]:
    """The graphs as quads; blank nodes get canonical names so every build is byte-identical."""
    for named in graphs:
        yield from named.quads()


def load_graphs(store: ox.Store, graphs: list[NamedGraph]) -> None:
    """Add ``graphs`` to ``store`` with bulk loading: an RDF file without blank nodes is loaded
    from the file itself (checked unchanged), the rest from their quads."""
    for named in graphs:
        if named.source is not None and not named.source.blank_nodes:
            load_into(store, named.source, named.ox_name)
        else:
            store.bulk_extend(named.quads())


COMPACT_AFTER = 50_000
"""Triples written at once from which the store's table files are merged before it is used."""


def compact_after_large_write(store: ox.Store, written: int) -> None:
    """Merge the store's table files when ``written`` triples were just bulk-loaded into it
    (a build or an import, not a small addition). Each bulk load writes its own set of sorted
    files, and a lookup must then search every set: on 1.5 million triples loaded by a build
    and three imports, compacting (about 6 s) halves the time of the catalogue queries."""
    if written >= COMPACT_AFTER:
        store.optimize()


def _graph_count(store: ox.Store) -> int:
    return sum(1 for _ in store.named_graphs())


def _stamp(path: Path) -> tuple[int, int]:
    """A file's size and modification time: whether it is as it was when it was loaded."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@dataclass
class _Preloaded:
    """An addition's N-Triples files being loaded, by a thread, into the copy of the store that
    :meth:`EmbeddedStore.stage_addition` swaps in (see :meth:`EmbeddedStore.preload`)."""

    files: dict[str, tuple[Path, tuple[int, int]]]
    """Graph name -> the file loaded into it and its :func:`_stamp` before loading."""
    replaces: frozenset[str]
    thread: threading.Thread | None = None
    error: BaseException | None = None
    triples: int = 0

    def usable_for(self, addition: Addition) -> bool:
        """Whether the loaded copy is the addition's: the same graphs from the same files,
        unchanged, none of which holds blank nodes (those are relabelled when loaded)."""
        if self.thread is not None:
            self.thread.join()
        if self.error is not None or frozenset(addition.replaces) != self.replaces:
            return False
        if {str(g.name) for g in addition.graphs} != set(self.files):
            return False
        for named in addition.graphs:
            path, stamp = self.files[str(named.name)]
            source = named.source
            if (source is None or source.blank_nodes or source.path.resolve() != path.resolve()
                    or _stamp(path) != stamp):
                return False
        return True


def write_store(store_path: Path, graphs: list[NamedGraph], fingerprint: str,
                extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
    """Write a fresh store with ``graphs`` (and derived quads) and swap it in for the old one."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = beside(store_path, f"new-{os.getpid()}")
    old = beside(store_path, f"old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = ox.Store(str(tmp))
        load_graphs(store, graphs)
        if extra_quads:
            store.bulk_extend(extra_quads)
        store.flush()
        triples = len(store)
        compact_after_large_write(store, triples)
        del store
        crash_point("build-written")
        info = BuildInfo(fingerprint, triples, len(graphs) + (1 if extra_quads else 0))
        swap_in(tmp, store_path, old, info, "build-moved-aside")
        return info
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def open_store(store_path: Path) -> ox.Store:
    """Open the store read-only for querying."""
    if not store_path.exists():
        raise StoreError(f"no store at {store_path}; run `caucasus-kg build` first")
    try:
        return ox.Store.read_only(str(store_path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {store_path}: {exc}; rebuild it with "
                         "`caucasus-kg build`") from exc


def memory_store(graphs: list[NamedGraph]) -> ox.Store:
    """An in-memory store with ``graphs``, for validation rules and tests."""
    store = ox.Store()
    store.bulk_extend(quads(graphs))
    return store


class EmbeddedStore(Backend):
    """The project's Oxigraph folder (``project.store_path``)."""

    kind: ClassVar[str] = "embedded"

    def __init__(self, project: Project) -> None:
        self.project = project
        self.path = project.store_path
        self._reader: ox.Store | None = None
        self._base: Path | None = None  # a copy without the graphs an addition replaces
        self._staged: BuildInfo | None = None
        self._preloaded: _Preloaded | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    def info(self) -> BuildInfo | None:
        if not self.path.exists():
            return None
        return read_build_info(self.path)

    def reader(self, without: Collection[str] = ()) -> ox.Store:
        if not without:
            if self._reader is None:
                self._reader = open_store(self.path)
            return self._reader
        base = beside(self.path, "add-base")
        shutil.rmtree(base, ignore_errors=True)
        copy_store(self.path, base)
        self._base = base
        store = ox.Store(str(base))
        for graph in sorted(without):
            store.remove_graph(ox.NamedNode(graph))
        store.flush()
        del store
        return ox.Store.read_only(str(base))

    def replace_graphs(self, graphs: list[NamedGraph], fingerprint: str,
                       extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
        self._reader = None
        return write_store(self.path, graphs, fingerprint, extra_quads)

    def add_graphs(self, addition: Addition) -> BuildInfo:
        return commit(self.project, self, addition)

    def close(self) -> None:
        self._reader = None
        preloaded, self._preloaded = self._preloaded, None
        if preloaded is not None:  # not used: the addition was refused or failed
            if preloaded.thread is not None:
                preloaded.thread.join()
            shutil.rmtree(beside(self.path, "add-new"), ignore_errors=True)
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    # The steps of an addition

    def begin_addition(self, addition: Addition) -> Plan:
        info = info_path(self.path)
        return {"kind": self.kind, "path": str(self.path),
                "info": info.read_text() if info.exists() else None}

    def preload(self, files: list[tuple[Path, str]], replaces: Collection[str] = ()) -> None:
        """Load N-Triples files into a copy of the store (of the one without the replaced
        graphs, if :meth:`reader` made it) in a thread, while the caller checks them.

        Loading a million triples into RocksDB takes about as long as the checks, and both
        mostly wait on one core each, so an import takes the longer of the two instead of
        their sum. Files of other formats are loaded when the addition is staged."""
        if not files or any(path.suffix.lower() != ".nt" for path, _ in files):
            return
        preloaded = _Preloaded({graph: (path, _stamp(path)) for path, graph in files},
                               frozenset(replaces))
        preloaded.thread = threading.Thread(target=self._load_ahead, args=(preloaded,),
                                            name="caucasus-kg-preload", daemon=True)
        self._preloaded = preloaded
        preloaded.thread.start()

    def _load_ahead(self, preloaded: _Preloaded) -> None:
        try:
            store = self._new_copy(preloaded.replaces)
            before = len(store)
            for graph, (path, _stamp_before) in sorted(preloaded.files.items()):
                store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                                to_graph=ox.NamedNode(graph))
            store.flush()
            preloaded.triples = len(store)
            compact_after_large_write(store, preloaded.triples - before)
            del store
        except BaseException as exc:  # the addition is then staged the usual way
            preloaded.error = exc

    def _new_copy(self, replaces: Collection[str]) -> ox.Store:
        """The store being staged: a copy (of the one without the replaced graphs, if any),
        open for writing."""
        new_store = beside(self.path, "add-new")
        shutil.rmtree(new_store, ignore_errors=True)
        copy_store(self._base or self.path, new_store)
        store = ox.Store(str(new_store))
        if self._base is None:  # not read without them first: drop the replaced graphs here
            for graph in sorted(replaces):
                store.remove_graph(ox.NamedNode(graph))
        return store

    def stage_addition(self, addition: Addition, plan: Plan) -> None:
        """A copy of the store with the new graphs bulk-loaded (by :meth:`preload`, if it
        loaded them): it is a copy until it is swapped in."""
        preloaded, self._preloaded = self._preloaded, None
        if preloaded is not None and preloaded.usable_for(addition):
            store = ox.Store(str(beside(self.path, "add-new")))
            extra = {q for q in addition.extra_quads if q not in store}
            store.extend(extra)
            store.flush()
            self._staged = BuildInfo("", preloaded.triples + len(extra), _graph_count(store))
            del store
            return
        store = self._new_copy(addition.replaces)
        load_graphs(store, addition.graphs)
        store.extend(addition.extra_quads)
        store.flush()
        self._staged = BuildInfo("", len(store), _graph_count(store))
        compact_after_large_write(store, sum(len(g) for g in addition.graphs))
        del store

    def publish_addition(self, addition: Addition, plan: Plan, fingerprint: str) -> BuildInfo:
        assert self._staged is not None
        self._reader = None
        info = BuildInfo(fingerprint, self._staged.triples, self._staged.graphs)
        swap_in(beside(self.path, "add-new"), self.path, beside(self.path, "add-old"), info,
                "store-moved-aside")
        return info

    def end_addition(self, plan: Plan) -> None:
        shutil.rmtree(beside(self.path, "add-old"), ignore_errors=True)

    def recover_addition(self, plan: Plan) -> bool:
        """Put the store and its build info back as they were: the swap is undone even when it
        was complete, so an interrupted addition always leaves the graph as it was."""
        self._reader = None
        old = beside(self.path, "add-old")
        if old.exists():
            shutil.rmtree(self.path, ignore_errors=True)
            os.rename(old, self.path)
        info = info_path(self.path)
        earlier = plan.get("info")
        if earlier is not None and (not info.exists() or info.read_text() != earlier):
            write_build_info(self.path, earlier)  # unchanged, it is not rewritten (full disks)
        shutil.rmtree(beside(self.path, "add-new"), ignore_errors=True)
        return False
