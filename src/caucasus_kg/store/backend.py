"""One interface for the two stores a project can use: the embedded Oxigraph folder
(:class:`caucasus_kg.store.embedded.EmbeddedStore`) and a SPARQL 1.1 server
(:class:`caucasus_kg.store.remote.ServerStore`). :func:`caucasus_kg.store.backends.open_backend`
picks the project's.

A backend answers queries (pyoxigraph's arguments), says what the last write left
(:meth:`Backend.info`), replaces every graph (a build) and adds graphs (an addition, which
:func:`caucasus_kg.store.transaction.commit` makes one step with the files it moves). An addition
is committed through four hooks, so that the journal can always tell
:func:`caucasus_kg.store.transaction.recover` how to finish or undo it:

1. :meth:`Backend.begin_addition` plans it (what the journal records, before anything changes);
2. :meth:`Backend.stage_addition` prepares the new graphs where readers do not see them;
3. :meth:`Backend.publish_addition`, after the files moved, makes them the store's content;
4. :meth:`Backend.recover_addition` undoes a change that was not published, or reports that it
   was (the files then stay).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pyoxigraph as ox

from caucasus_kg.core.project import Project

if TYPE_CHECKING:  # the loader's graphs: only writers, which have them, pass them
    from caucasus_kg.sources.dataset import NamedGraph


class StoreError(Exception):
    """The store is missing, locked or unreadable; the message says what to do."""


class RemoteStoreError(OSError):
    """A SPARQL server store cannot be reached, refused a request, or sent something unreadable
    (defined here, not with the client in :mod:`caucasus_kg.store.remote`, so that commands can
    catch it without loading the HTTP client when the store is a folder)."""


class RemoteQuerySyntaxError(SyntaxError):
    """The SPARQL server rejected the query text (HTTP 400)."""


@dataclass(frozen=True)
class BuildInfo:
    """What the last write left in the store: the inputs' fingerprint, triples and graphs."""

    fingerprint: str
    triples: int
    graphs: int


class QueryStore(Protocol):
    """What reading the graph needs from a store: ``pyoxigraph.Store`` and
    :class:`caucasus_kg.store.remote.RemoteStore` both provide it."""

    def query(self, query: str, prefixes: Mapping[str, str] | None = ...,
              use_default_graph_as_union: bool = ...) -> object: ...

    def quads_for_pattern(self, subject: object, predicate: object, object: object,
                          graph_name: object = ...) -> Iterator[ox.Quad]: ...

    def __len__(self) -> int:
        """The number of quads (a server's manifest counts them)."""
        ...


@dataclass
class Addition:
    """New named graphs and the files they come from, to be committed as one step."""

    graphs: list[NamedGraph]
    """The new graphs; one named like a stored graph replaces it (see ``replaces``)."""
    extra_quads: list[ox.Quad] = field(default_factory=list)
    """Derived quads (recorded disputes) added to the graphs they name."""
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    """(staged file, target) pairs moved into the project."""
    replaced: list[Path] = field(default_factory=list)
    """Files whose graphs the new files replace (overwritten when a target, removed otherwise)."""
    replaces: list[str] = field(default_factory=list)
    """The names of the stored graphs that new graphs replace."""


Plan = dict[str, Any]
"""What the journal records about a store's part of an addition (JSON)."""


class Backend(ABC):
    """A project's store."""

    kind: ClassVar[str]
    project: Project

    @property
    @abstractmethod
    def location(self) -> str:
        """The store as messages name it: its folder or its URL."""

    @abstractmethod
    def info(self) -> BuildInfo | None:
        """The build info (embedded) or the manifest (server); None when nothing was built."""

    @abstractmethod
    def reader(self, without: Collection[str] = ()) -> QueryStore:
        """The store to read, or, with ``without`` (graph names), the store as it would be
        without those graphs (what an addition that replaces them is checked against)."""

    def query(self, query: str, prefixes: Mapping[str, str] | None = None,
              use_default_graph_as_union: bool = False) -> object:
        """``pyoxigraph.Store.query`` on the store."""
        return self.reader().query(query, prefixes=prefixes,
                                   use_default_graph_as_union=use_default_graph_as_union)

    def quads_for_pattern(self, subject: object = None, predicate: object = None,
                          object: object = None, graph_name: object = None
                          ) -> Iterator[ox.Quad]:
        return self.reader().quads_for_pattern(subject, predicate, object, graph_name)

    @abstractmethod
    def replace_graphs(self, graphs: list[NamedGraph], fingerprint: str,
                       extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
        """Make ``graphs`` (and derived quads) the store's whole content, all or nothing as far
        as the store allows (docs/stores.md)."""

    @abstractmethod
    def add_graphs(self, addition: Addition) -> BuildInfo:
        """Commit an addition with its files, under the journal (callers hold the write lock)."""

    def close(self) -> None:
        """Let go of open stores and temporary copies."""
        return None

    def preload(self, files: list[tuple[Path, str]], replaces: Collection[str] = ()) -> None:
        """Start staging an addition's N-Triples files (path, graph name) while they are
        checked, so that checking and loading overlap; the addition's
        :meth:`stage_addition` uses what was loaded if the files are the graphs it adds, as
        they were, and loads them again otherwise. By default nothing is loaded ahead."""
        return None

    def preload_build(self, files: list[tuple[Path, str]]) -> None:
        """:meth:`preload` for a build: start loading N-Triples files into the store that
        :meth:`replace_graphs` then completes with the other graphs."""
        return None

    # The steps of an addition, called by caucasus_kg.store.transaction

    @abstractmethod
    def begin_addition(self, addition: Addition) -> Plan:
        """What the journal must know to undo or finish the addition (``kind`` included)."""

    @abstractmethod
    def stage_addition(self, addition: Addition, plan: Plan) -> None:
        """Prepare the new graphs out of readers' sight."""

    @abstractmethod
    def publish_addition(self, addition: Addition, plan: Plan, fingerprint: str) -> BuildInfo:
        """Make the staged graphs the store's content, with ``fingerprint`` as the build's."""

    def end_addition(self, plan: Plan) -> None:
        """Clean up after a published addition once the journal is gone."""
        return None

    @abstractmethod
    def recover_addition(self, plan: Plan) -> bool:
        """After an interruption: True if the addition had been published (its files stay),
        else undo what was staged and return False."""
