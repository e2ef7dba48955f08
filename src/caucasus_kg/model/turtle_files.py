"""The project's own Turtle files (ontology, vocabularies, shapes), parsed once per process.

Every check parses them, and rdflib's Turtle parser takes about a tenth of a second for each. A
process that runs many commands (a notebook using :mod:`caucasus_kg.api`, the test suite)
would parse them again for each one. They are kept by content (SHA-256 of the bytes), so an
edited file is parsed again. The graph is shared by every caller and read-only: changing it
raises TypeError, where a copy (``Graph() + graph``) may be changed at will.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Graph

_KEPT = 8
_T = TypeVar("_T")


class TurtleGraph(Graph):
    """A graph read from Turtle files by :func:`read_turtle`: shared, so read-only once read.
    ``source_sha256`` identifies the files' bytes (work derived from the graph, such as
    compiled shapes, can be kept by it)."""

    source_sha256: str = ""
    _sealed: bool = False
    _derived: dict[str, Any]


def _unless_sealed(change: Callable[..., Any]) -> Callable[..., Any]:
    """``change`` (a Graph method that changes the graph), refused on a sealed graph."""
    @functools.wraps(change)
    def guarded(self: TurtleGraph, *args: Any, **kwargs: Any) -> Any:
        if self._sealed:
            raise TypeError("this graph is shared by every reader of its Turtle file and cannot "
                            "be changed; change a copy of it (Graph() + graph)")
        return change(self, *args, **kwargs)
    return guarded


for _name in ("add", "addN", "remove", "set", "parse", "update", "__iadd__", "__isub__"):
    setattr(TurtleGraph, _name, _unless_sealed(getattr(Graph, _name)))


def derived(graph: Graph, name: str, make: Callable[[], _T]) -> _T:
    """What ``make`` derives from ``graph`` (a copy, the shapes compiled, the triples converted):
    for a graph read by :func:`read_turtle`, made once and kept with it (it is kept by its files'
    content and cannot change), else made again on every call."""
    if not (isinstance(graph, TurtleGraph) and graph._sealed):
        return make()
    if name not in graph._derived:
        graph._derived[name] = make()
    return graph._derived[name]


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
        graph._derived = {}
        graph._sealed = True
        _READ[key] = graph
        while len(_READ) > _KEPT:
            _READ.popitem(last=False)
    _READ.move_to_end(key)
    return graph
