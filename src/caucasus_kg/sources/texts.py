"""Source texts: reading a stored text safely, and finding a text kept outside the graph by its
SHA-256 in the sources folders.

A fact file may only name a text inside its own folder, the project or a sources folder, as a
regular file of bounded size: a fact file can never make the program read ``/proc/self/environ``
or a device. A source whose text may not be copied into the graph gives only the text's SHA-256;
any file in a sources folder (``sources = "..."`` in caucasus-kg.toml, or ``--sources DIR``) with
that digest is its text.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

MAX_TEXT_BYTES = 10 * 1024 * 1024
"""A source text larger than this is refused: no article or statement comes near it."""


class TextError(Exception):
    """A text that may not or cannot be read; the message says why and what to do."""


def read_text_file(path: Path, allowed: Iterable[Path], shown: str | None = None) -> str:
    """The UTF-8 text of ``path``, which must resolve (symlinks followed) inside one of the
    ``allowed`` folders and be a regular file of at most MAX_TEXT_BYTES. Messages name the file
    as ``shown`` (the path as the user wrote it)."""
    name = shown if shown is not None else str(path)
    resolved = Path(path).resolve()
    roots = [Path(r).resolve() for r in allowed]
    if not any(resolved.is_relative_to(root) for root in roots):
        raise TextError(f"'{name}' is outside the folders a source text may come from (the "
                        "fact file's folder, the project and the sources folders)")
    try:
        info = resolved.stat()
    except FileNotFoundError:
        raise TextError(f"'{name}' does not exist") from None
    except OSError as exc:
        raise TextError(f"'{name}' cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise TextError(f"'{name}' is not a regular file")
    if info.st_size > MAX_TEXT_BYTES:
        raise TextError(f"'{name}' is {info.st_size / 1e6:.1f} MB; source texts are limited to "
                        f"{MAX_TEXT_BYTES // (1024 * 1024)} MB")
    with open(resolved, "rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TextError(f"'{name}' is not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                        f"{exc.start})") from None


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextFinder:
    """Finds texts by their SHA-256 in the sources folders (indexed once, on first use)."""

    def __init__(self, folders: Sequence[Path] = ()):
        self.folders = [Path(f) for f in folders]
        self._by_digest: dict[str, Path] | None = None

    def _index(self) -> dict[str, Path]:
        if self._by_digest is None:
            self._by_digest = {}
            for folder in self.folders:
                for root, _dirs, files in os.walk(folder):
                    for name in sorted(files):
                        path = Path(root) / name
                        try:
                            text = read_text_file(path, self.folders)
                        except TextError:
                            continue
                        self._by_digest.setdefault(sha256_of(text), path)
        return self._by_digest

    def find(self, sha256: str) -> tuple[Path, str] | None:
        """The file holding the text with this digest, and the text; None if no folder has it."""
        path = self._index().get(sha256.lower())
        if path is None:
            return None
        return path, read_text_file(path, self.folders)


def project_texts(project: object) -> TextFinder:
    """The finder of texts kept outside the graph, in a project's sources folders."""
    return TextFinder(getattr(project, "sources_dirs", ()))
