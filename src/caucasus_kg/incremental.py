"""Validating an addition without re-validating the whole graph.

A new file is checked together with the part of the store it touches: every node it describes or
refers to, what those nodes say, and, for treaties, the other actions on them (which the
treaty-party rules need). SHACL then runs with the new file's nodes and the nodes it touches as
its only focus nodes. On the test corpus the results equal a full validation (tests compare them).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .dataset import NamedGraph
from .namespaces import ID, PREFIXES, SOURCE
from .store import memory_store, quads, to_rdflib
from .validation import ShaclResult, run_shacl


def touched_nodes(graphs: Iterable[NamedGraph]) -> set[str]:
    """Entities (id: IRIs) and source documents the new graphs describe or refer to.

    Classes and vocabulary concepts are left out: every fact of a kind points at its class, and
    pulling all of them in would make the neighbourhood as large as the graph.
    """
    nodes: set[str] = set()
    for named in graphs:
        for s, _p, o in named.graph:
            for term in (s, o):
                if isinstance(term, URIRef) and str(term).startswith((str(ID), str(SOURCE))):
                    nodes.add(str(term))
    return nodes


def neighbourhood(store: ox.Store, nodes: set[str]) -> list[ox.Quad]:
    """The stored quads about ``nodes`` (and their sub-nodes), what they point to, the actions on
    any treaty among them, and the claims whose propositions are about them (for disputes)."""
    if not nodes:
        return []
    values = " ".join(f"<{n}>" for n in sorted(nodes) if _safe(n))
    text = f"""
        SELECT DISTINCT ?s ?p ?o ?g WHERE {{
          VALUES ?n {{ {values} }}
          {{ GRAPH ?g {{ ?n ?p ?o }} BIND(?n AS ?s) }}
          UNION
          {{ ?n (ckg:hasEvidence|ckg:value|ckg:proposition)/oa:hasTarget?/oa:hasSelector? ?s .
             GRAPH ?g {{ ?s ?p ?o }} }}
          UNION
          {{ ?n ?any ?m . FILTER(isIRI(?m)) GRAPH ?g {{ ?m ?p ?o }} BIND(?m AS ?s) }}
          UNION
          {{ ?n a ckg:Treaty . ?s ckg:treaty ?n . GRAPH ?g {{ ?s ?p ?o }} }}
          UNION
          {{ ?proposition rdf:subject|rdf:object ?n . ?claim ckg:proposition ?proposition .
             ?claim (ckg:proposition)? ?s . GRAPH ?g {{ ?s ?p ?o }} }}
        }}"""
    rows = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]


def _safe(iri: str) -> bool:
    return not any(c in iri for c in '<>"{}|^`\\ ')


def scratch_store(store: ox.Store, new_graphs: list[NamedGraph]) -> ox.Store:
    """An in-memory store with the new graphs and the stored neighbourhood they touch."""
    scratch = memory_store(new_graphs)
    scratch.extend(neighbourhood(store, touched_nodes(new_graphs)))
    return scratch


def focus_nodes(new_graphs: list[NamedGraph]) -> list[URIRef]:
    """Every node the new graphs describe, plus the stored entities they refer to."""
    nodes = {s for named in new_graphs for s in named.graph.subjects()
             if isinstance(s, URIRef)}
    nodes |= {o for named in new_graphs for o in named.graph.objects()
              if isinstance(o, URIRef) and str(o).startswith(str(ID))}
    return sorted(nodes)


def validate_addition(scratch: ox.Store, new_graphs: list[NamedGraph], shapes: Graph,
                      ontology: Graph) -> tuple[list[ShaclResult], Graph]:
    data = to_rdflib(scratch)
    results = run_shacl(data, shapes, ontology, focus=focus_nodes(new_graphs))
    return results, data


__all__ = ["neighbourhood", "quads", "scratch_store", "touched_nodes", "validate_addition"]
