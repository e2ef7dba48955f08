"""Changing the embedded store and the project's files together, all or nothing.

An addition is committed in steps:

1. a journal is written listing the files about to appear (and those about to be replaced,
   which are copied aside);
2. a copy of the store gets the new named graphs in one transaction;
3. the staged files are moved into the project (graphs/ or the imports folder), and replaced
   files that are not overwritten are removed (an import that was written to graphs/ before
   imports had a folder of their own moves to it);
4. the new store is swapped in, the build info updated, and the journal removed.

A process killed at any point leaves a journal; the next command that writes (add, build, import)
or reads rolls the half-done change back with :func:`recover`, so the files and the store are
exactly as they were before. Callers hold the project's write lock
(:func:`caucasus_kg.store.embedded.write_lock`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.core.project import Project
from caucasus_kg.sources.dataset import NamedGraph
from caucasus_kg.sources.fingerprint import input_fingerprint, remember_file_digests
from caucasus_kg.store.embedded import (
    BuildInfo,
    compact_after_large_write,
    info_path,
    load_graphs,
    read_build_info,
)

CRASH_VARIABLE = "CAUCASUS_KG_FAULT_INJECTION"
"""Set to a step name to make the merge stop dead there (for testing recovery)."""

def crash_point(step: str) -> None:
    if os.environ.get(CRASH_VARIABLE) == step:
        os._exit(137)


def state_dir(project: Project) -> Path:
    return project.store_path.parent


def journal_path(project: Project) -> Path:
    return state_dir(project) / "merge-journal.json"


def recover(project: Project) -> bool:
    """Roll back a merge that was interrupted; True if there was one. Call under the lock."""
    store = project.store_path
    for leftover in store.parent.glob(store.name + ".add-*"):
        if not journal_path(project).exists() or not leftover.name.endswith(".add-old"):
            shutil.rmtree(leftover, ignore_errors=True)
    journal = journal_path(project)
    if not journal.exists():
        shutil.rmtree(state_dir(project) / "staging", ignore_errors=True)
        return False
    data = json.loads(journal.read_text())
    old = store.with_name(store.name + ".add-old")
    if old.exists():
        shutil.rmtree(store, ignore_errors=True)
        os.rename(old, store)
    for rel in data["files"]:
        for path in (project.root / rel, project.root / (rel + ".part")):
            if path.exists():
                path.unlink()
    for number, rel in enumerate(data.get("replaced", [])):  # put back what a merge replaced
        backup = _backup(project, number)
        if backup.exists():
            os.replace(backup, project.root / rel)
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    info = data.get("info")
    if info is not None:
        info_path(store).write_text(info)
    journal.unlink()
    shutil.rmtree(state_dir(project) / "staging", ignore_errors=True)
    return True

def _journal_name(project: Project, path: Path) -> str:
    """A path as the journal keeps it: relative to the project, or absolute when outside it
    (an imports folder configured elsewhere); ``project.root / name`` is the path again."""
    return project.shown(path) if path.is_relative_to(project.root) else str(path.resolve())


def _backup(project: Project, number: int) -> Path:
    """Where the ``number``-th replaced file waits until the merge is complete."""
    return state_dir(project) / "replaced" / str(number)


def link_or_copy(source: str, target: str) -> None:
    """Hard-link RocksDB's table files (immutable once written, as its own checkpoints do) and
    copy everything else, so copying a large store costs little."""
    if source.endswith(".sst"):
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)

def commit(project: Project, moves: list[tuple[Path, Path]], replaced: list[Path],
           graphs: list[NamedGraph], extra_quads: list[ox.Quad], base: Path | None = None
           ) -> None:
    """Move the checked files into the project and their graphs into the store, all or nothing.

    ``moves`` are (staged file, target) pairs; ``replaced`` the existing files whose graphs the
    new files replace (overwritten when they are a target, removed otherwise); ``graphs`` go
    into a copy of the store (of ``base``, if given: a copy of the store without the replaced
    graphs) with ``extra_quads``, which is then swapped in."""
    store_path = project.store_path
    new_store = store_path.with_name(store_path.name + ".add-new")
    old_store = store_path.with_name(store_path.name + ".add-old")
    info_file = info_path(store_path)
    journal = {
        "files": [_journal_name(project, t) for _, t in moves],
        "replaced": [_journal_name(project, t) for t in replaced],
        "info": info_file.read_text() if info_file.exists() else None,
    }
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    for number, target in enumerate(replaced):  # kept until the merge is complete
        backup = _backup(project, number)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, backup)
    tmp = journal_path(project).with_suffix(".tmp")
    tmp.write_text(json.dumps(journal, indent=2))
    os.replace(tmp, journal_path(project))
    crash_point("journal-written")

    shutil.rmtree(new_store, ignore_errors=True)
    shutil.copytree(base or store_path, new_store, copy_function=link_or_copy)
    store = ox.Store(str(new_store))
    load_graphs(store, graphs)  # bulk: the store is a copy until it is swapped in
    store.extend(extra_quads)
    store.flush()
    triples = len(store)
    compact_after_large_write(store, sum(len(g) for g in graphs))
    del store
    crash_point("store-copied")

    for source, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target.with_suffix(target.suffix + ".part"))
        os.replace(target.with_suffix(target.suffix + ".part"), target)
        crash_point("file-moved")
    targets = {t.resolve() for _, t in moves}
    for earlier in replaced:
        if earlier.resolve() not in targets:
            earlier.unlink()

    os.rename(store_path, old_store)
    crash_point("store-moved-aside")
    os.rename(new_store, store_path)
    before = read_build_info(store_path)
    graph_count = (before.graphs if before else 0) + len(graphs) - len(replaced)
    info = BuildInfo(input_fingerprint(project), triples, graph_count)
    info_tmp = info_file.with_suffix(".json.tmp")
    info_tmp.write_text(json.dumps(info.__dict__, indent=2, sort_keys=True) + "\n")
    os.replace(info_tmp, info_file)
    crash_point("store-swapped")
    journal_path(project).unlink()
    remember_file_digests(project)
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    shutil.rmtree(old_store, ignore_errors=True)
