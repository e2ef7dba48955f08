"""The project's own Turtle files (ontology, vocabularies, shapes), parsed once per process.

Every check parses them, and rdflib's Turtle parser takes about a tenth of a second for each. A
process that runs many commands (a notebook using :mod:`caucasus_kg.api`, the test suite)
would parse them again for each one. Their triples are kept by content (SHA-256 of the bytes),
so an edited file is parsed again, and each caller gets a graph of its own to change as it likes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

from rdflib import Graph

_KEPT = 8
_PARSED: OrderedDict[str, tuple[tuple, tuple]] = OrderedDict()
"""SHA-256 of a file's bytes -> (its triples, its prefix bindings), the latest used last."""


class TurtleGraph(Graph):
    """A graph read from a Turtle file, knowing the SHA-256 of the file's bytes (so that work
    derived from it, such as compiled shapes, can be kept by content too)."""

    source_sha256: str = ""


def read_turtle(*paths: Path) -> TurtleGraph:
    """A new graph of the Turtle files at ``paths``; rdflib's errors as its parser raises them."""
    graph = TurtleGraph()
    digests = []
    for path in paths:
        digest, triples, namespaces = _parsed(Path(path))
        digests.append(digest)
        for prefix, namespace in namespaces:
            graph.bind(prefix, namespace, override=True, replace=True)
        graph += triples
    graph.source_sha256 = (digests[0] if len(digests) == 1 else
                           hashlib.sha256(" ".join(digests).encode()).hexdigest())
    return graph


def _parsed(path: Path) -> tuple[str, tuple, tuple]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    kept = _PARSED.get(digest)
    if kept is None:
        graph = Graph()
        graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
        kept = _PARSED[digest] = (tuple(graph), tuple(graph.namespaces()))
        while len(_PARSED) > _KEPT:
            _PARSED.popitem(last=False)
    _PARSED.move_to_end(digest)
    return digest, *kept
