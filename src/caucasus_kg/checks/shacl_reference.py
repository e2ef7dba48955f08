"""pySHACL, the reference SHACL engine: slow, but written by others, so the SPARQL engine
(:mod:`caucasus_kg.checks.shacl_sparql`) is tested against it."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from caucasus_kg.checks.shacl_results import (
    SEVERITIES,
    ShaclResult,
    located_diagnostics,
    result_order,
    show_term,
)
from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.model.namespaces import CKG, SH, compact
from caucasus_kg.model.turtle_files import derived


def shacl_validate(*args, **kwargs):
    """pySHACL's ``validate``, imported on first use (the import alone takes about a second)."""
    from pyshacl import validate  # lazy: importing pySHACL alone takes about a second

    return validate(*args, **kwargs)


class _PreparedQueryGraph(Graph):
    """A graph that parses each SPARQL text once.

    pySHACL evaluates a SPARQL constraint once per focus node and rdflib parses the query text
    every time, which dominated validation time; the parsed query is the same each time.
    """

    _prepared: dict[tuple[str, tuple[tuple[str, str], ...]], object] = {}

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            init_ns = kwargs.get("initNs") or {}
            key = (query_object, tuple(sorted((k, str(v)) for k, v in init_ns.items())))
            prepared = self._prepared.get(key)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery  # lazy: rdflib's SPARQL engine

                prepared = self._prepared[key] = prepareQuery(query_object, initNs=init_ns)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def _shapes_for_pyshacl(shapes: Graph) -> Graph:
    """A copy of ``shapes`` that pySHACL may change: it adds two RDFS triples of its own (that
    ``owl:Class`` and ``owl:DatatypeProperty`` are classes and properties) to the graph it is
    given. The copy of a shapes file is made once and kept: the triples pySHACL adds are the
    same every time, and copying 1,600 triples took a fifth of each fixture's validation."""
    return derived(shapes, "a copy for pySHACL", lambda: Graph() + shapes)


def run_shacl(data: Graph, shapes: Graph, ontology: Graph,
              focus: list[URIRef] | None = None) -> list[ShaclResult]:
    """Validate ``data`` with pySHACL; returns every result, sorted (only those whose focus node
    is among ``focus``, if given).

    ``focus`` filters the results of a full validation rather than using pySHACL's
    ``focus_nodes``: that option also skips nested shapes (sh:or, sh:not, qualified shapes) for
    value nodes outside the set, which reports a region inside a state as inside a city and lets
    a mistyped date through. ``data`` is not changed: validation works on a copy.
    """
    work = _PreparedQueryGraph()
    for prefix, namespace in data.namespaces():
        work.bind(prefix, namespace, override=True)
    for triple in data:
        work.add(triple)
    _conforms, report, _text = shacl_validate(
        work,
        inplace=True,
        shacl_graph=_shapes_for_pyshacl(shapes),
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
    )
    wanted = None if focus is None else {str(f) for f in focus if isinstance(f, URIRef)}
    results = []
    # Only the report's own results: nested sh:detail results belong to their parent.
    top_level = [r for report_node in report.subjects(RDF.type, SH.ValidationReport)
                 for r in report.objects(report_node, SH.result)]
    for result in top_level:
        node = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        shape = report.value(result, SH.sourceShape)
        value = report.value(result, SH.value)
        if wanted is not None and str(node) not in wanted:
            continue
        results.append(ShaclResult(
            focus=str(node),
            path=compact(str(path)) if isinstance(path, URIRef) else None,
            severity=SEVERITIES.get(severity, "error"),
            message=messages[0] if messages else "violates a shape",
            shape=compact(str(shape)) if isinstance(shape, URIRef) else "",
            value=show_term(value) if value is not None else None,
        ))
    return sorted(set(results), key=result_order)


def to_diagnostics(results: list[ShaclResult], data: Graph) -> list[Diagnostic]:
    """Locate each result at the file and line of the fact its focus node belongs to."""
    def locate(node: str) -> tuple[str | None, int | None]:
        file = data.value(URIRef(node), CKG.sourceFile)
        line = data.value(URIRef(node), CKG.sourceLine)
        return (str(file) if file is not None else None,
                int(line) if line is not None else None)

    return located_diagnostics(results, locate)
