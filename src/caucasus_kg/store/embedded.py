"""The embedded Oxigraph store on disk: written whole and swapped in, opened read-only to query.

A build writes a complete new store beside the old one and renames it into place, so a failed or
killed build never leaves a half-written store, and readers never see one being written. An
addition loads its graphs into a copy of the store (RocksDB's table files hard-linked, so the copy
is cheap) and swaps the copy in the same way, under the journal of
:mod:`caucasus_kg.store.transaction`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyoxigraph as ox

from caucasus_kg.core.cores import keeping_a_core_busy
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


def _written(store: ox.Store, graphs: Iterable[str]) -> int:
    """The triples of ``graphs`` in ``store``, counted up to :data:`COMPACT_AFTER` (counting a
    million of them takes a quarter of a second, and only the threshold matters)."""
    found = 0
    for graph in graphs:
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        found += sum(1 for _ in itertools.islice(quads, COMPACT_AFTER - found))
        if found >= COMPACT_AFTER:
            break
    return found


def _graph_count(store: ox.Store) -> int:
    return sum(1 for _ in store.named_graphs())


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time, to tell whether it is as it was when it was loaded
    (None if it is gone)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass
class _Preloaded:
    """N-Triples files loaded by a thread, while they are checked, into the store a build writes
    or the copy of the store an addition swaps in (:meth:`EmbeddedStore.preload`)."""

    folder: Path
    files: dict[str, tuple[Path, tuple[int, int] | None]]
    """Graph name -> the file loaded into it and its :func:`_stamp` before loading."""
    copy_of: Path | None = None
    """The store the folder starts as a copy of (an addition's); None for a new store."""
    replaces: frozenset[str] = frozenset()
    """The graphs the addition replaces (the addition staged must replace the same ones)."""
    drop_replaced: bool = False
    """Remove them from the copy: ``copy_of`` is the store itself, not a copy without them."""
    thread: threading.Thread | None = None
    error: BaseException | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._load, name="caucasus-kg-load-ahead",
                                       daemon=True)
        self.thread.start()

    def _load(self) -> None:
        store: ox.Store | None = None
        try:
            store = _fresh_store(self.folder, self.copy_of,
                                 self.replaces if self.drop_replaced else ())
            with keeping_a_core_busy():
                for graph, (path, _stamp_before) in sorted(self.files.items()):
                    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                                    to_graph=ox.NamedNode(graph))
                store.flush()
                compact_after_large_write(store, _written(store, self.files))
        except BaseException as exc:  # the graphs are then loaded the usual way
            self.error = exc
        finally:
            # Closed here even on an error (whose traceback keeps this frame): RocksDB refuses
            # to open a folder this process still holds open, and it is loaded again there.
            store = None

    def wait(self) -> bool:
        """Wait for the load to end; whether it succeeded."""
        if self.thread is not None:
            self.thread.join()
        return self.error is None

    def discard(self) -> None:
        self.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def open_for(self, graphs: list[NamedGraph]) -> tuple[ox.Store, list[NamedGraph]]:
        """The loaded store, open for writing, and those of ``graphs`` still to load into it.

        A graph loaded ahead stays if it is one of ``graphs``, read from the same file, which is
        unchanged and holds no blank nodes (their labels are made canonical when a graph is
        loaded the usual way); any other graph loaded ahead is removed again."""
        store = ox.Store(str(self.folder))
        wanted = {str(g.name): g for g in graphs}
        kept: set[str] = set()
        for graph, (path, stamp) in sorted(self.files.items()):
            source = wanted[graph].source if graph in wanted else None
            if (source is not None and not source.blank_nodes and stamp is not None
                    and source.path.resolve() == path.resolve() and _stamp(path) == stamp):
                kept.add(graph)
            else:
                store.remove_graph(ox.NamedNode(graph))
        return store, [g for g in graphs if str(g.name) not in kept]


def _fresh_store(folder: Path, copy_of: Path | None, drop: Collection[str]) -> ox.Store:
    """``folder`` made anew, as a copy of the store ``copy_of`` (empty if None) without the
    graphs ``drop``, and opened for writing."""
    shutil.rmtree(folder, ignore_errors=True)
    if copy_of is not None:
        copy_store(copy_of, folder)
    store = ox.Store(str(folder))
    for graph in sorted(drop):
        store.remove_graph(ox.NamedNode(graph))
    return store


def _ntriples(files: list[tuple[Path, str]]) -> dict[str, tuple[Path, tuple[int, int] | None]]:
    return {graph: (path, _stamp(path)) for path, graph in files
            if path.suffix.lower() == ".nt"}


def write_store(store_path: Path, graphs: list[NamedGraph], fingerprint: str,
                extra_quads: list[ox.Quad] | None = None,
                preloaded: _Preloaded | None = None) -> BuildInfo:
    """Write a fresh store with ``graphs`` (and derived quads) and swap it in for the old one.
    ``preloaded``: files already loaded into the new store's folder, while they were checked."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = beside(store_path, f"new-{os.getpid()}")
    old = beside(store_path, f"old-{os.getpid()}")
    try:
        loaded_ahead = (preloaded is not None and preloaded.folder == tmp
                        and preloaded.wait())
        if loaded_ahead:
            store, remaining = preloaded.open_for(graphs)
        else:
            if preloaded is not None:
                preloaded.discard()
            shutil.rmtree(tmp, ignore_errors=True)
            store, remaining = ox.Store(str(tmp)), graphs
        load_graphs(store, remaining)
        if extra_quads:
            store.bulk_extend(extra_quads)
        store.flush()
        triples = len(store)
        # What was loaded ahead was compacted there; only a large rest is compacted again.
        compact_after_large_write(
            store, sum(len(g) for g in remaining) if loaded_ahead else triples)
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
        preloaded, self._preloaded = self._preloaded, None
        return write_store(self.path, graphs, fingerprint, extra_quads, preloaded)

    def add_graphs(self, addition: Addition) -> BuildInfo:
        return commit(self.project, self, addition)

    def close(self) -> None:
        self._reader = None
        preloaded, self._preloaded = self._preloaded, None
        if preloaded is not None:  # not used: the build or addition was refused or failed
            preloaded.discard()
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    # The steps of an addition

    def begin_addition(self, addition: Addition) -> Plan:
        info = info_path(self.path)
        return {"kind": self.kind, "path": str(self.path),
                "info": info.read_text() if info.exists() else None}

    def preload(self, files: list[tuple[Path, str]], replaces: Collection[str] = ()) -> None:
        """Load an addition's N-Triples files into a copy of the store (of the one without the
        replaced graphs, if :meth:`reader` made it) in a thread, while the caller checks them.

        Loading a million triples into RocksDB takes about as long as the checks, and each
        mostly keeps one core busy, so a large import takes the longer of the two instead of
        their sum. Files of other formats are loaded when the addition is staged."""
        ahead = _ntriples(files)
        if ahead:
            self._start(_Preloaded(beside(self.path, "add-new"), ahead,
                                   copy_of=self._base or self.path, replaces=frozenset(replaces),
                                   drop_replaced=self._base is None))

    def preload_build(self, files: list[tuple[Path, str]]) -> None:
        """Load a build's N-Triples files into the new store in a thread, while the build
        reads and checks them (:meth:`preload` for a build, which starts from an empty store)."""
        ahead = _ntriples(files)
        if ahead:
            self._start(_Preloaded(beside(self.path, f"new-{os.getpid()}"), ahead))

    def _start(self, preloaded: _Preloaded) -> None:
        if self._preloaded is not None:
            self._preloaded.discard()
        self._preloaded = preloaded
        preloaded.start()

    def _new_copy(self, replaces: Collection[str]) -> ox.Store:
        """The store being staged: a copy (of the one without the replaced graphs, if any),
        open for writing."""
        # Not read without the replaced graphs first (no base): they are dropped from the copy.
        return _fresh_store(beside(self.path, "add-new"), self._base or self.path,
                            replaces if self._base is None else ())

    def stage_addition(self, addition: Addition, plan: Plan) -> None:
        """A copy of the store with the new graphs bulk-loaded (by :meth:`preload`, those it
        loaded): it is a copy until it is swapped in."""
        preloaded, self._preloaded = self._preloaded, None
        if (preloaded is not None and preloaded.folder == beside(self.path, "add-new")
                and preloaded.wait() and preloaded.replaces == frozenset(addition.replaces)):
            store, remaining = preloaded.open_for(addition.graphs)
        else:
            if preloaded is not None:
                preloaded.discard()
            store, remaining = self._new_copy(addition.replaces), addition.graphs
        load_graphs(store, remaining)
        store.extend(addition.extra_quads)
        store.flush()
        self._staged = BuildInfo("", len(store), _graph_count(store))
        compact_after_large_write(store, sum(len(g) for g in remaining))
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
