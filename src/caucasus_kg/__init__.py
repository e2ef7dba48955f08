"""caucasus-kg: a knowledge graph of security in the South Caucasus, built on W3C standards.

``caucasus_kg.open()`` opens a project's graph for Python (see :mod:`caucasus_kg.api` and
docs/python.md); importing the package itself loads nothing else, so that the command line
starts at once.
"""

TYPE_CHECKING = False  # not typing.TYPE_CHECKING, nor __future__: each would double the time
if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable

    from caucasus_kg.api import KnowledgeGraph

__version__ = "0.1.0"


def open(path: "str | os.PathLike[str] | None" = None, *,
         store: "str | os.PathLike[str] | None" = None,
         sources: "Iterable[str | os.PathLike[str]]" = (), validator: str = "sparql",
         say: "Callable[[str], None] | None" = None) -> "KnowledgeGraph":
    """Open a project's knowledge graph: see :func:`caucasus_kg.api.graph.open`."""
    from caucasus_kg.api import open as open_graph  # lazy: the API, only when it is used

    return open_graph(path, store=store, sources=sources, validator=validator, say=say)
