"""A project's knowledge graph for Python: :func:`open` it, then ask, explain, validate, add and
draw, as the command line does.

The store is opened for each question, as each ``caucasus-kg`` command opens it: a missing
store is built first, an interrupted merge rolled back, and a store older than its inputs gives
a :class:`StaleStoreWarning` (:meth:`KnowledgeGraph.build` brings it up to date). Progress lines
("building it from graphs/...") go to standard error, or to the ``say`` function given.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from caucasus_kg.api import jobs
from caucasus_kg.api.answers import Table, Triples, answer
from caucasus_kg.api.jobs import Files, ValidationReport
from caucasus_kg.core.project import Project, find_project
from caucasus_kg.ops.opening import STALE_WARNING, open_or_build
from caucasus_kg.read.explain import Explanation
from caucasus_kg.read.queries import CannedQuery, catalogue, find_query
from caucasus_kg.store.backend import BuildInfo
from caucasus_kg.store.backends import QueryStore

if TYPE_CHECKING:
    import networkx as nx

    from caucasus_kg.ops.add import AddReport


class StaleStoreWarning(UserWarning):
    """graphs/, the imports or the ontology changed since the store was built: answers are from
    the store as it was. :meth:`KnowledgeGraph.build` rebuilds it (the message names the
    command that does the same)."""


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


class KnowledgeGraph:
    """The knowledge graph of one project (see :func:`open`)."""

    def __init__(self, project: Project, *, validator: str = "sparql",
                 say: Callable[[str], None] | None = None):
        self.project = project
        """Where the project's ontology, graphs, queries and store are."""
        self.validator = validator
        """The SHACL engine of validate, add and build: ``sparql`` or ``pyshacl``."""
        self._say = say or _to_stderr

    def __repr__(self) -> str:
        store = self.project.store_url or self.project.store_path
        return f"<KnowledgeGraph {self.project.root} (store {store})>"

    def _report(self, line: str) -> None:
        if line == STALE_WARNING:
            level, frame = 1, sys._getframe()
            while frame is not None and frame.f_globals.get("__name__", "").startswith(
                    "caucasus_kg."):  # the warning names the caller's line, not the library's
                frame, level = frame.f_back, level + 1
            warnings.warn(line.removeprefix("warning: "), StaleStoreWarning, stacklevel=level)
        else:
            self._say(line)

    def store(self) -> QueryStore:
        """The store, opened for reading as a command opens it (built first if missing): a
        ``pyoxigraph.Store`` opened read-only, or a SPARQL server's
        :class:`~caucasus_kg.store.remote.RemoteStore`."""
        return open_or_build(self.project, self._report, self.validator)

    def queries(self) -> dict[str, CannedQuery]:
        """The catalogue of questions by name (``queries/*.rq``): each with its ``title``,
        ``description``, ``parameters`` (name, type, default, description) and SPARQL ``text``."""
        return catalogue(self.project.queries_dir)

    def query(self, question: str | CannedQuery, /, *, allow_service: bool = False,
              **params: object) -> Table | bool | Triples:
        """Ask a catalogue question by name, a ``.rq`` file or SPARQL text, with its parameters
        as keywords (``date="2023-12-01"`` or ``date=datetime.date(2023, 12, 1)``;
        ``treaty="CFE Treaty"``: an id, label, alias, QID or IRI).

        Returns a :class:`~caucasus_kg.api.answers.Table` for a SELECT, a ``bool`` for an
        ASK, :class:`~caucasus_kg.api.answers.Triples` for a CONSTRUCT or DESCRIBE. Raises
        :class:`~caucasus_kg.read.queries.QueryError` with the command line's message.
        ``allow_service`` lets the query's SERVICE clauses contact the servers they name."""
        if isinstance(question, str):
            question = find_query(question, self.project.queries_dir)
        return answer(self.store(), question, params, allow_service=allow_service)

    def explain(self, entity: str) -> Explanation:
        """The evidence chain behind ``entity`` (an id, label, alias, QID, CURIE or IRI): what
        ``caucasus-kg explain --format json`` prints, as an object (``to_dict()`` gives the
        JSON's dictionary)."""
        return jobs.explain_entity(self.store(), self.project, entity)

    def network(self, **filters: Any) -> nx.MultiDiGraph:
        """The graph as the exports draw it, a networkx ``MultiDiGraph`` keyed by CURIE, with
        the filters of ``caucasus-kg export``: ``focus``, ``depth``, ``include``, ``exclude``,
        ``since``, ``until``, ``source``, ``evidence``, ``aggregate``, ``detail`` (see
        :class:`caucasus_kg.read.network.Filters`). Raises
        :class:`~caucasus_kg.read.network.NetworkError` for a filter that cannot apply."""
        from caucasus_kg.read.network import build_network  # lazy: networkx

        return build_network(self.store(), network_filters(**filters))

    def validate(self, files: Files = (), *, alone: bool = False,
                 require_verified: bool = False) -> ValidationReport:
        """Every check of a build on graphs/, the imports and ``files`` (with ``alone``, on
        ``files`` only), writing nothing: a :class:`~caucasus_kg.api.jobs.ValidationReport`.
        Raises :class:`~caucasus_kg.core.diagnostics.InputError` for a file that cannot be
        read."""
        return jobs.validate(self.project, files, alone=alone, require_verified=require_verified,
                             validator=self.validator)

    def add(self, files: Files, *, dry_run: bool = True) -> AddReport:
        """Check new fact files against the graph and, with ``dry_run=False``, merge them into
        graphs/ and the store, all or nothing. Checking only is the default: merging changes
        the project and is asked for explicitly. The report is what ``caucasus-kg add --format
        json`` prints (``accepted``, ``files``, ``triples``, ``merged``, ``problems``...;
        ``to_dict()`` gives the JSON's dictionary)."""
        return jobs.add(self.project, files, dry_run=dry_run, validator=self.validator)

    def build(self) -> BuildInfo:
        """Check every input and write the store, or nothing: raises
        :class:`~caucasus_kg.core.diagnostics.DataError` (with ``diagnostics``) when the graphs
        do not validate."""
        return jobs.build(self.project, self.validator)


def network_filters(**given: Any) -> Any:  # -> caucasus_kg.read.network.Filters
    """``Filters`` from keywords: a class or evidence kind may be given alone or as a list, a
    date as ``2023``, ``"2023-11"`` or a ``datetime.date``."""
    from caucasus_kg.read.network import Filters  # lazy: networkx

    known = Filters.__dataclass_fields__
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise TypeError(f"unknown filter {', '.join(unknown)}; the filters are: "
                        + ", ".join(known))
    for name in ("include", "exclude", "evidence"):
        value = given.get(name)
        if isinstance(value, str):
            given[name] = (value,)
        elif isinstance(value, Iterable):
            given[name] = tuple(value)
    for name in ("since", "until"):
        if given.get(name) is not None:
            value = given[name]
            given[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return Filters(**given)


def open(path: str | os.PathLike[str] | None = None, *,
         store: str | os.PathLike[str] | None = None,
         sources: Iterable[str | os.PathLike[str]] = (), validator: str = "sparql",
         say: Callable[[str], None] | None = None) -> KnowledgeGraph:
    """Open a project's knowledge graph.

    ``path``: the project folder (with ontology/ and graphs/); by default the one containing
    the current directory, as for the command line (``$CAUCASUS_KG_PROJECT`` if set).
    ``store``: a store folder or the URL of a SPARQL 1.1 server, as ``--store``.
    ``sources``: folders of texts kept outside the graph, as ``--sources``.
    ``validator``: the SHACL engine, ``sparql`` or ``pyshacl``.
    ``say``: where progress lines go (default: standard error).

    Raises FileNotFoundError, saying why, when there is no project there.
    """
    project = find_project(path, store, tuple(sources))
    if validator != "sparql":
        jobs.validator_named(validator)  # an unknown name fails now, not at the first check
    return KnowledgeGraph(project, validator=validator, say=say)
