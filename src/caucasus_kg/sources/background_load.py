"""An in-memory store that a thread fills with N-Triples text, batch by batch, while the text is
still being made.

An import converts its records in Python, which keeps one core busy. Loading the converted
triples into the working store that the checks run on is Oxigraph's work, which releases the
GIL: 3.3 s for the 1.16M triples of the SIPRI register. Fed while the records are converted, that
load runs on the other core, and the checks start with the working store filled.

What was fed is used only when it is the file the checks read: :meth:`BackgroundLoad.holds`.
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox

from caucasus_kg.sources.rdffile import RdfSource


class BackgroundLoad:
    """Loads the N-Triples lines given to :meth:`feed` into ``graph`` of :attr:`store`, a new
    in-memory store, in a thread. Use it as a context manager: leaving it stops the thread."""

    def __init__(self, graph: str) -> None:
        self.graph = ox.NamedNode(graph)
        self.store: ox.Store | None = ox.Store()
        """The store being filled, until it is handed over (:meth:`take_store`)."""
        self._filling = self.store
        self._taken: int | None = None
        self._written: tuple[int, int, int, int] | None = None
        self._lines = 0
        self._usable = True
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="caucasus-kg-working-load",
                                        daemon=True)
        self._thread.start()

    def feed(self, text: str) -> None:
        """Load ``text``: whole N-Triples lines, none of them fed before."""
        if "_:" in text:
            # Blank nodes get their canonical labels only when the whole file is loaded.
            self._usable = False
        if self._usable:
            self._lines += text.count("\n")
            self._queue.put(text)

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            if self._usable and self._filling is not None:
                try:
                    self._filling.load(input=text, format=ox.RdfFormat.N_TRIPLES,
                                       to_graph=self.graph)
                except (SyntaxError, ValueError, OSError):
                    self._usable = False  # the file's own load will report the problem

    def wrote(self, path: Path) -> None:
        """Note that ``path`` was just written with the sorted text of every line fed."""
        self._written = _identity(path)

    def take_store(self) -> ox.Store | None:
        """The store, which this object no longer holds once the load has finished; it may
        still be loading (:meth:`holds` waits for it)."""
        store, self.store = self.store, None
        self._taken = id(store)
        return store

    def finish(self) -> None:
        """Wait until everything fed is loaded."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._filling = None

    def holds(self, source: RdfSource, store: ox.Store) -> bool:
        """Whether ``store`` is the one taken and holds exactly the triples of the file
        ``source`` (as the checks read it), once everything fed is loaded.

        That is so when ``source`` is the very file :meth:`wrote` names (the same inode: an
        import's file is linked into the staging folder), unchanged since it was written and
        since it was read, with as many lines as were fed. A file with blank nodes is loaded
        as usual, which gives them their canonical labels (an import's file has none)."""
        self.finish()
        if not self._usable or self._taken != id(store) or source.blank_nodes:
            return False
        try:
            now = _identity(source.path)
        except OSError:
            return False
        return (now == self._written and source.stamp == now[2:]
                and source.lines == self._lines)

    def __enter__(self) -> BackgroundLoad:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._usable = False  # what is still queued is not loaded
        self.finish()
        self.store = None


def _identity(path: Path) -> tuple[int, int, int, int]:
    """The file's device, inode, size and modification time (ns)."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns
