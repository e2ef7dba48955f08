"""Validating an addition without re-validating the whole graph.

A new file is checked together with the part of the store it touches: every node it describes or
refers to, what those nodes say, and, for treaties, the other actions on them (which the
treaty-party rules need). SHACL then runs with the new file's nodes and the nodes it touches as
its only focus nodes. On the test corpus the results equal a full validation (tests compare them).
The checks themselves are :func:`caucasus_kg.checks.pipeline.check_dataset`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from caucasus_kg.model.namespaces import ID, PREFIXES, SOURCE, is_safe_iri
from caucasus_kg.sources.dataset import NamedGraph
from caucasus_kg.store.backend import QueryStore
from caucasus_kg.store.embedded import memory_store


def touched_nodes(graphs: Iterable[NamedGraph]) -> set[str]:
    """Entities (id: IRIs) and source documents the new graphs describe or refer to.

    Classes and vocabulary concepts are left out: every fact of a kind points at its class, and
    pulling all of them in would make the neighbourhood as large as the graph.
    """
    prefixes = (str(ID), str(SOURCE))
    nodes: set[str] = set()
    for named in graphs:
        subjects, objects = named.iris()
        nodes.update(n for n in subjects | objects if n.startswith(prefixes))
    return nodes


_PARTS = ("ckg:hasEvidence", "ckg:value", "ckg:proposition")
_CLAIMS = "?proposition rdf:subject|rdf:object ?n . ?claim ckg:proposition ?proposition ."
_NEIGHBOURHOOD = (
    "GRAPH ?g { ?n ?p ?o } BIND(?n AS ?s)",
    # a node's evidence, value or proposition, their targets and selectors
    *(f"?n {part}{steps} ?s . GRAPH ?g {{ ?s ?p ?o }}" for part in _PARTS
      for steps in ("", "/oa:hasTarget", "/oa:hasSelector", "/oa:hasTarget/oa:hasSelector")),
    "?n a ckg:Treaty . ?s ckg:treaty ?n . GRAPH ?g { ?s ?p ?o }",
    f"{_CLAIMS} GRAPH ?g {{ ?claim ?p ?o }} BIND(?claim AS ?s)",
    f"{_CLAIMS} ?claim ckg:proposition ?s . GRAPH ?g {{ ?s ?p ?o }}",
)
"""The parts of a node's neighbourhood, each asked on its own and without ``?`` paths: Virtuoso
7.2 fails with an internal error on their UNION in one query, a ``?`` path with a free end makes
the store ask it for every node, and Oxigraph answers a UNION of them without starting from the
given nodes (seconds on a large graph, where each part alone takes milliseconds). A node's parts
are asked one property at a time: Virtuoso 7.2 plans an alternative path (``a|b``), or a
variable property limited to a few, badly (1.6 s on the article graph, where one query per
property takes 5 ms). They are asked without DISTINCT (the quads are deduplicated here): now and
then Virtuoso 7.2 fails a DISTINCT over objects that mix IRIs and dates ("SR066: Unsupported
case in CONVERT (IRI_ID -> DATETIME)").

What the nodes point to is asked apart (:func:`_pointed_to`)."""

_POINTED_TO = "SELECT ?m WHERE {{ VALUES ?n {{ {values} }} ?n ?any ?m . FILTER(isIRI(?m)) }}"
_ABOUT = "SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def neighbourhood(store: QueryStore, nodes: set[str]) -> list[ox.Quad]:
    """The stored quads about ``nodes`` (and their sub-nodes), what they point to, the actions on
    any treaty among them, and the claims whose propositions are about them (for disputes).
    ``nodes`` are nodes the store mentions (:func:`stored_nodes`): the query costs per node."""
    if not nodes:
        return []
    values = " ".join(f"<{n}>" for n in sorted(nodes))
    found: dict[ox.Quad, None] = {}
    for part in _NEIGHBOURHOOD:
        text = f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?n {{ {values} }} {{ {part} }} }}"
        rows = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        found.update((ox.Quad(r["s"], r["p"], r["o"], r["g"]), None) for r in rows)
    found.update((quad, None) for quad in _pointed_to(store, nodes, values))
    return list(found)


def _pointed_to(store: QueryStore, nodes: set[str], values: str, batch: int = 5000
                ) -> Iterator[ox.Quad]:
    """The stored quads about the IRIs ``nodes`` point to (other than ``nodes``). Asked in two
    steps, the IRIs and then their quads, because many nodes point to the same few (their
    class, an actor): joined in one query, the actor's quads came once per node that names it
    (390,000 rows for 107,000 quads on an import that merges 10,000 deals)."""
    rows = store.query(_POINTED_TO.format(values=values), prefixes=PREFIXES,
                       use_default_graph_as_union=True)
    targets = sorted({r["m"].value for r in rows} - nodes)
    targets = [t for t in targets if is_safe_iri(t)]
    for start in range(0, len(targets), batch):
        chosen = " ".join(f"<{t}>" for t in targets[start:start + batch])
        for r in store.query(_ABOUT.format(values=chosen), prefixes=PREFIXES,
                             use_default_graph_as_union=True):
            yield ox.Quad(r["s"], r["p"], r["o"], r["g"])


def stored_nodes(store: QueryStore, nodes: set[str], batch: int = 5000) -> set[str]:
    """The ``nodes`` the store mentions at all: only they can have a neighbourhood. A large
    import touches many thousands of new nodes, and the neighbourhood query is costly per node."""
    candidates = sorted(n for n in nodes if is_safe_iri(n))
    if _holds_at_most(store, 2 * len(candidates)):
        # A large import into a small store: reading the store is cheaper than probing it.
        mentioned: set[str] = set()
        for quad in store.quads_for_pattern(None, None, None):
            mentioned.add(quad.subject.value)
            mentioned.add(quad.object.value)
        return {n for n in candidates if n in mentioned}
    present: set[str] = set()
    for start in range(0, len(candidates), batch):
        values = " ".join(f"<{n}>" for n in candidates[start:start + batch])
        rows = store.query(f"""
            SELECT ?n WHERE {{ VALUES ?n {{ {values} }}
              FILTER(EXISTS {{ ?n ?p ?o }} || EXISTS {{ ?s ?q ?n }}) }}""",
                           use_default_graph_as_union=True)
        present.update(row["n"].value for row in rows)
    return present


def _holds_at_most(store: QueryStore, count: int) -> bool:
    """Whether the store holds at most ``count`` quads, without counting a large one: ``len``
    of an Oxigraph store reads every quad (a quarter of a second at a million), so its quads
    are read only up to one more than ``count``; a SPARQL server's manifest counts them."""
    if isinstance(store, ox.Store):
        beyond = itertools.islice(store.quads_for_pattern(None, None, None), count, None)
        return next(beyond, None) is None
    return len(store) <= count


def scratch_store(store: QueryStore, new_graphs: list[NamedGraph], stored: set[str],
                  scratch: ox.Store | None = None) -> ox.Store:
    """A store with the new graphs and the stored neighbourhood of ``stored`` (their
    :func:`stored_touched_nodes`): a new in-memory one, or ``scratch`` (the working store that
    already holds the new graphs), extended.

    The ontology and vocabularies are not read from the store: the validators put the
    project's own (which the store was built from) into the working store or mix them in, so
    SHACL sees the whole class hierarchy without a second copy crossing the network."""
    if scratch is None:
        scratch = memory_store(new_graphs)
    scratch.bulk_extend(neighbourhood(store, stored))
    return scratch


def stored_touched_nodes(store: QueryStore, new_graphs: list[NamedGraph]) -> set[str]:
    """The :func:`touched_nodes` of the new graphs that the store mentions."""
    return stored_nodes(store, touched_nodes(new_graphs))


def focus_nodes(new_graphs: list[NamedGraph]) -> set[str]:
    """Every node the new graphs describe, plus the stored entities they refer to."""
    nodes: set[str] = set()
    entity = str(ID)
    for named in new_graphs:
        subjects, objects = named.iris()
        nodes |= subjects
        nodes.update(o for o in objects if o.startswith(entity))
    return nodes
