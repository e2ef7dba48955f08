"""The project's own Turtle files (ontology, vocabularies, shapes), parsed once per process.

Every check parses them, and rdflib's Turtle parser takes about a tenth of a second for each. A
process that runs many commands (a notebook using :mod:`caucasus_kg.api`, the test suite)
would parse them again for each one. They are kept by content (SHA-256 of the bytes), so an
edited file is parsed again. The graph is shared by every caller and read-only: changing it
raises TypeError, where a copy (``Graph() + graph``) may be changed at will.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import NoReturn

from rdflib import Graph

_KEPT = 8


class TurtleGraph(Graph):
    """A graph read from Turtle files by :func:`read_turtle`: shared, so read-only once read.
    ``source_sha256`` identifies the files' bytes (work derived from the graph, such as
    compiled shapes, can be kept by it)."""

    source_sha256: str = ""
    _sealed: bool = False

    def _refuse(self) -> NoReturn:
        raise TypeError("this graph is shared by every reader of its Turtle file and cannot be "
                        "changed; change a copy of it (Graph() + graph)")

    def add(self, triple):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().add(triple)

    def addN(self, quads):  # type: ignore[no-untyped-def]  # noqa: N802 (rdflib's name)
        if self._sealed:
            self._refuse()
        return super().addN(quads)

    def remove(self, triple):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().remove(triple)

    def set(self, triple):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().set(triple)

    def parse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().parse(*args, **kwargs)

    def update(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().update(*args, **kwargs)

    def __iadd__(self, other):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().__iadd__(other)

    def __isub__(self, other):  # type: ignore[no-untyped-def]
        if self._sealed:
            self._refuse()
        return super().__isub__(other)


_READ: OrderedDict[tuple[str, ...], TurtleGraph] = OrderedDict()
"""The graphs read, by the SHA-256 of each file's bytes; the latest used last."""


def read_turtle(*paths: Path) -> TurtleGraph:
    """The graph of the Turtle files at ``paths`` (shared, read-only); rdflib's errors as its
    parser raises them."""
    files = [(Path(path), Path(path).read_bytes()) for path in paths]
    key = tuple(hashlib.sha256(data).hexdigest() for _, data in files)
    graph = _READ.get(key)
    if graph is None:
        graph = TurtleGraph()
        for path, data in files:
            graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
        graph.source_sha256 = key[0] if len(key) == 1 else hashlib.sha256(
            " ".join(key).encode()).hexdigest()
        graph._sealed = True
        _READ[key] = graph
        while len(_READ) > _KEPT:
            _READ.popitem(last=False)
    _READ.move_to_end(key)
    return graph
