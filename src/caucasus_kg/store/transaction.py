"""Changing a store and the project's files together, all or nothing: the write lock, the journal,
the swap of a store folder, and recovery.

An addition (:func:`commit`) goes in steps, whichever the store
(:class:`caucasus_kg.store.backend.Backend` does the store's part):

1. a journal is written listing the files about to appear, those about to be replaced (copied
   aside) and what the store will do (:meth:`~caucasus_kg.store.backend.Backend.begin_addition`);
2. the store prepares the new graphs out of readers' sight: the embedded store loads them into a
   copy of itself, a SPARQL server receives them under staging names its manifest does not list;
3. the staged files are moved into the project (graphs/ or the imports folder), and replaced
   files that are not overwritten are removed (an import that was written to graphs/ before
   imports had a folder of their own moves to it);
4. the store publishes the graphs: the embedded copy is swapped in with its build info, the
   server moves the staging graphs into place and rewrites its manifest in one update;
5. the journal is removed.

A process killed at any point leaves the journal; the next command that writes (add, build,
import) or reads calls :func:`recover`, which undoes the change (files and store exactly as they
were) unless the store had published it, in which case the files, already in place, stay. An
error raised during the steps is recovered from at once, the same way. Callers hold the project's
write lock (:func:`write_lock`).

Builds of the embedded store write a whole new folder beside the old one and swap it in
(:func:`swap_in`); a build killed midway leaves that folder, which the next writer removes
(:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from caucasus_kg.core.bounded import DISK_ERRORS, disk_error
from caucasus_kg.core.project import Project
from caucasus_kg.sources.fingerprint import input_fingerprint, remember_file_digests
from caucasus_kg.store.backend import Addition, Backend, BuildInfo, Plan, StoreError

CRASH_VARIABLE = "CAUCASUS_KG_FAULT_INJECTION"
"""Set to a step name to make a write stop dead there (for testing recovery)."""


def crash_point(step: str) -> None:
    if os.environ.get(CRASH_VARIABLE) == step:
        os._exit(137)


# --------------------------------------------------------------------------------------------
# The lock

@contextlib.contextmanager
def write_lock(store_path: Path) -> Iterator[None]:
    """Hold the project's write lock; a second writer fails at once with a clear message."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = store_path.with_name(store_path.name + ".lock")
    with open(lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreError(f"another caucasus-kg command is writing {store_path}; wait for it "
                             "to finish and try again") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------
# The embedded store's folder: build info, swap, leftovers

def info_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".json")


def read_build_info(store_path: Path) -> BuildInfo | None:
    try:
        data = json.loads(info_path(store_path).read_text())
        return BuildInfo(data["fingerprint"], int(data["triples"]), int(data["graphs"]))
    except (OSError, ValueError, KeyError):
        return None


def write_build_info(store_path: Path, info: BuildInfo | str) -> None:
    """Write the build info beside the store (or put back its earlier text), atomically."""
    text = info if isinstance(info, str) else \
        json.dumps(info.__dict__, indent=2, sort_keys=True) + "\n"
    tmp = info_path(store_path).with_suffix(".json.tmp")
    tmp.write_text(text)
    os.replace(tmp, info_path(store_path))


def beside(store_path: Path, suffix: str) -> Path:
    """A folder next to the store: ``store.SUFFIX``."""
    return store_path.with_name(f"{store_path.name}.{suffix}")


def swap_in(new: Path, store_path: Path, aside: Path, info: BuildInfo, step: str) -> None:
    """Put the store folder ``new`` in place of the store (moved to ``aside``, which the caller
    removes once it is no longer needed) and write its build info. ``step`` names the moment the
    old store is aside and the new one not yet in place, for fault injection."""
    if store_path.exists():
        os.rename(store_path, aside)
    crash_point(step)
    os.rename(new, store_path)
    write_build_info(store_path, info)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(store_path: Path) -> list[Path]:
    """Remove what killed writers left beside the store: the ``store.new-PID`` folder of a build
    whose process is gone, and its ``store.old-PID``, put back first if the build was killed
    between moving the old store aside and moving the new one in. Call under the lock."""
    removed = []
    for suffix in ("old", "new"):  # an old store is put back before anything is removed
        for leftover in sorted(store_path.parent.glob(f"{store_path.name}.{suffix}-*")):
            pid = leftover.name.rsplit("-", 1)[1]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if suffix == "old" and not store_path.exists() and leftover.is_dir():
                os.rename(leftover, store_path)
                continue
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(leftover)
    with contextlib.suppress(FileNotFoundError):
        info_path(store_path).with_suffix(".json.tmp").unlink()
    with contextlib.suppress(FileNotFoundError):  # a journal whose writer was killed
        journal_path(store_path.parent).with_suffix(".tmp").unlink()
    staging = store_path.parent / IMPORT_STAGING
    for leftover in sorted(staging.glob("*-*")):  # an import's file, left by a killed import
        pid = leftover.name.split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(leftover)
    with contextlib.suppress(OSError):
        staging.rmdir()
    journal = journal_path(store_path.parent)
    for leftover in store_path.parent.glob(store_path.name + ".add-*"):
        if not journal.exists() or not leftover.name.endswith(".add-old"):
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


IMPORT_STAGING = "import-staging"


def import_staging(project: Project) -> Path:
    """A new folder of this process's own, in the project's state folder, for the file an import
    writes before it is checked and merged. Named after the process, so that one left by a
    killed import (the file can take hundreds of MB) is removed by :func:`remove_leftovers`."""
    parent = state_dir(project) / IMPORT_STAGING
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))


def link_or_copy_file(source: Path, target: Path) -> None:
    """Give the file ``source`` the new name ``target`` (a hard link), or copy it there when
    that cannot be done (another file system). For files that are never written in place
    afterwards, only renamed over or removed: RocksDB's table files, the files an addition
    stages and the ones it replaces. Copying the 200 MB of an import took over a second."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def link_or_copy(source: str, target: str) -> None:
    """Hard-link RocksDB's table files (immutable once written, as its own checkpoints do) and
    copy everything else, so copying a large store costs little."""
    if source.endswith(".sst"):
        link_or_copy_file(Path(source), Path(target))
    else:
        shutil.copy2(source, target)


def copy_store(source: Path, target: Path) -> None:
    """Copy a store folder (see :func:`link_or_copy`). A copy that fails for want of space or
    rights raises that OSError itself, not ``shutil.Error``'s list of every file it missed, so
    the message says what happened."""
    try:
        shutil.copytree(source, target, copy_function=link_or_copy)
    except shutil.Error as exc:
        code = disk_error(exc)
        if code is None:
            raise
        raise OSError(code, os.strerror(code), str(target)) from exc


# --------------------------------------------------------------------------------------------
# The journal

def state_dir(project: Project) -> Path:
    return project.store_path.parent


def journal_path(folder: Project | Path) -> Path:
    """The journal of the project (or of the state folder ``folder``)."""
    return (state_dir(folder) if isinstance(folder, Project) else folder) / "merge-journal.json"


def _journal_name(project: Project, path: Path) -> str:
    """A path as the journal keeps it: relative to the project, or absolute when outside it
    (an imports folder configured elsewhere); ``project.root / name`` is the path again."""
    return project.shown(path) if path.is_relative_to(project.root) else str(path.resolve())


def _backup(project: Project, number: int) -> Path:
    """Where the ``number``-th replaced file waits until the merge is complete."""
    return state_dir(project) / "replaced" / str(number)


def commit(project: Project, backend: Backend, addition: Addition) -> BuildInfo:
    """Move the addition's files into the project and its graphs into the store, all or nothing
    (the steps above). Returns the store's new build info."""
    plan = backend.begin_addition(addition)
    journal = {
        "files": [_journal_name(project, t) for _, t in addition.moves],
        "replaced": [_journal_name(project, t) for t in addition.replaced],
        "store": plan,
    }
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    tmp = journal_path(project).with_suffix(".tmp")
    try:
        for number, target in enumerate(addition.replaced):  # kept until the merge is complete
            backup = _backup(project, number)
            backup.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy_file(target, backup)
        tmp.write_text(json.dumps(journal, indent=2))
        os.replace(tmp, journal_path(project))
    except BaseException:  # a full disk, say: nothing has changed yet, so nothing is left
        tmp.unlink(missing_ok=True)
        shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
        raise
    crash_point("journal-written")

    try:
        backend.stage_addition(addition, plan)
        crash_point("store-copied")
        for source, target in addition.moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy_file(source, target.with_suffix(target.suffix + ".part"))
            os.replace(target.with_suffix(target.suffix + ".part"), target)
            crash_point("file-moved")
        targets = {t.resolve() for _, t in addition.moves}
        for earlier in addition.replaced:
            if earlier.resolve() not in targets:
                earlier.unlink()
        info = backend.publish_addition(addition, plan, input_fingerprint(project))
    except Exception as exc:
        try:
            outcome = _recover_journal(project, lambda _plan: backend)
        except Exception as again:
            code = disk_error(exc)
            what = DISK_ERRORS[code] if code is not None else exc
            raise StoreError(f"{what}; undoing the merge failed too ({again}): the next command "
                             "will finish or roll it back") from exc
        if outcome is Recovery.FINISHED:  # the store took it before the error was raised
            published = backend.info()
            if published is not None:
                return published
        raise
    crash_point("store-swapped")
    journal_path(project).unlink()
    remember_file_digests(project)
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    backend.end_addition(plan)
    return info


class Recovery(enum.Enum):
    """What :func:`recover` did with an interrupted addition."""

    ROLLED_BACK = "rolled back a merge that was interrupted; the graph is as it was"
    FINISHED = ("finished a merge that was interrupted after the store had taken it; its files "
                "are in place")

    @property
    def message(self) -> str:
        return self.value


def recover(project: Project, backend_for: Callable[[Plan], Backend]) -> Recovery | None:
    """Remove what killed writers left and finish or roll back an interrupted addition; None if
    there was none. ``backend_for`` gives the store a journal's plan names (the project's store
    may have changed since: ``--store``). Call under the lock."""
    remove_leftovers(project.store_path)
    return _recover_journal(project, backend_for)


def _recover_journal(project: Project, backend_for: Callable[[Plan], Backend]
                     ) -> Recovery | None:
    journal = journal_path(project)
    if not journal.exists():
        shutil.rmtree(state_dir(project) / "staging", ignore_errors=True)
        return None
    data = json.loads(journal.read_text())
    plan = data.get("store") or {"kind": "embedded", "info": data.get("info")}
    published = backend_for(plan).recover_addition(plan)
    if not published:
        for rel in data["files"]:
            for path in (project.root / rel, project.root / (rel + ".part")):
                if path.exists():
                    path.unlink()
        for number, rel in enumerate(data.get("replaced", [])):  # put back what was replaced
            backup = _backup(project, number)
            if backup.exists():
                os.replace(backup, project.root / rel)
    else:
        for rel in data["files"]:  # a copy cut short is not the file
            part = project.root / (rel + ".part")
            if part.exists():
                part.unlink()
        remember_file_digests(project)
    shutil.rmtree(state_dir(project) / "replaced", ignore_errors=True)
    journal.unlink()
    shutil.rmtree(state_dir(project) / "staging", ignore_errors=True)
    return Recovery.FINISHED if published else Recovery.ROLLED_BACK
