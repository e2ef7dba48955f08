"""Whether the store still reflects its inputs: a digest of everything a build reads.

Cheap (no parsing), so every query can tell whether the store is stale. Digests of large files
are kept beside the store and reused while a file is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from caucasus_kg.core.project import Project
from caucasus_kg.sources.inputs import import_files


def input_fingerprint(project: Project, extra: Iterable[Path] = ()) -> str:
    """A digest of everything a build reads: ontology files, all of graphs/, the imports, and
    ``extra``.

    Cheap (no parsing), so every query can tell whether the store still reflects its inputs.
    """
    digest = hashlib.sha256()
    paths = [project.ontology_file, project.vocabulary_file, project.shapes_file]
    paths += sorted(p for p in project.graphs_dir.rglob("*") if p.is_file())
    paths += import_files(project.imports_dir)
    paths += [Path(p) for p in extra]
    cache = _digest_cache(project)
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project.root) if path.is_relative_to(project.root)
                              else path).encode() + b"\0")
            digest.update(cache.digest(path))
    return digest.hexdigest()


def remember_file_digests(project: Project) -> None:
    """Keep the digests of the project's large input files beside the store (after a write)."""
    _digest_cache(project).save()


def remember_digest(project: Project, file: Path, stamp: tuple[int, int], hexdigest: str) -> None:
    """Note the SHA-256 digest of ``file``, computed while it was read for another reason, for
    the size and modification time it had then: a large import's file is hashed when it is
    checked, and :func:`input_fingerprint` would hash its 200 MB again when it is merged."""
    _digest_cache(project).note(file, stamp, hexdigest)


_DIGEST_CACHES: dict[Path, _DigestCache] = {}


def _digest_cache(project: Project) -> _DigestCache:
    path = project.store_path.parent / "file-digests.json"
    if path not in _DIGEST_CACHES:
        _DIGEST_CACHES[path] = _DigestCache(path, project.root)
    return _DIGEST_CACHES[path]


class _DigestCache:
    """SHA-256 digests of large input files, reused while a file's size and modification time
    (ns) are unchanged, as git's index does: hashing a 200 MB import for every query and every
    `add` would cost a quarter of a second each time. Small files are always hashed. Files in
    the project are keyed by their path in it, so a project folder that is moved or renamed
    (with its store) keeps its digests.

    The cache is read from beside the store and written there only by commands that have just
    written the store (:func:`remember_file_digests`), so a rejected command leaves the folder
    exactly as it was. Unreadable or unwritable, it is simply not used."""

    MIN_SIZE = 1 << 20

    def __init__(self, path: Path, root: Path):
        self.path = path
        self.root = root.resolve()
        try:
            self.entries: dict[str, list] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False

    def digest(self, file: Path) -> bytes:
        stat = file.stat()
        if stat.st_size < self.MIN_SIZE:
            return hashlib.sha256(file.read_bytes()).digest()
        key = self._key(file)
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == stamp:
            try:
                return bytes.fromhex(entry[1])
            except (TypeError, ValueError):
                pass
        value = hashlib.sha256(file.read_bytes()).digest()
        self.entries[key] = [stamp, value.hex()]
        self.changed = True
        return value

    def note(self, file: Path, stamp: tuple[int, int], hexdigest: str) -> None:
        if stamp[0] >= self.MIN_SIZE:
            self.entries[self._key(file)] = [list(stamp), hexdigest]
            self.changed = True

    def _key(self, file: Path) -> str:
        resolved = file.resolve()
        if resolved.is_relative_to(self.root):
            return resolved.relative_to(self.root).as_posix()
        return str(resolved)

    def save(self) -> None:
        if not self.changed:
            return
        try:
            kept = {k: v for k, v in self.entries.items() if (self.root / k).exists()}
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(kept, sort_keys=True), "utf-8")
            os.replace(tmp, self.path)
            self.changed = False
        except OSError:
            pass
