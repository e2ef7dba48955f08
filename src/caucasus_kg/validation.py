"""SHACL validation of the data graphs against ontology/shapes.ttl, as diagnostics.

Two engines give the same results: the shapes compiled to SPARQL and run in Oxigraph
(:mod:`shacl_sparql`, the default), and pySHACL (:func:`run_shacl`, the reference; selected with
``caucasus-kg validate --reference`` or ``CAUCASUS_KG_VALIDATOR=pyshacl``).

Each SHACL result becomes a diagnostic located at the fact-file line of its focus node (an
evidence or value node is located at the fact it belongs to), with the shape's human message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from .dataset import Dataset
from .diagnostics import Diagnostic
from .namespaces import CKG, ID, SH, compact

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}

VALIDATOR_ENV = "CAUCASUS_KG_VALIDATOR"
"""Environment variable choosing the SHACL engine: ``pyshacl`` for the reference."""


def use_reference() -> bool:
    """True when pySHACL (the reference engine) is selected instead of the SPARQL one."""
    return os.environ.get(VALIDATOR_ENV, "").strip().lower() == "pyshacl"


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, reduced to what a person needs."""

    focus: str
    path: str | None
    severity: str
    message: str
    shape: str
    value: str | None


def shacl_validate(*args, **kwargs):
    """pySHACL's ``validate``, imported on first use (the import alone takes about a second)."""
    from pyshacl import validate

    return validate(*args, **kwargs)


def load_shapes(path) -> Graph:
    shapes = Graph()
    shapes.parse(path, format="turtle")
    return shapes


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
                prepared = self._prepared[key] = prepareQuery(query_object, initNs=init_ns)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


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
        shacl_graph=shapes,
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
            value=_show(value) if value is not None else None,
        ))
    return sorted(set(results), key=result_order)


def result_order(r: ShaclResult) -> tuple[str, ...]:
    """Focus node, path and message first; the rest breaks ties, so the order is total."""
    return (r.focus, r.path or "", r.message, r.value or "", r.severity, r.shape)


def _show(term: object) -> str:
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def owning_fact(focus: str) -> str:
    """The fact an evidence, selector or value node belongs to (``id:x/evidence/1`` -> ``id:x``)."""
    if focus.startswith(str(ID)):
        return str(ID) + focus[len(str(ID)):].split("/", 1)[0]
    return focus


def to_diagnostics(results: list[ShaclResult], data: Graph) -> list[Diagnostic]:
    """Locate each result at the file and line of the fact its focus node belongs to."""
    def locate(node: str) -> tuple[str | None, int | None]:
        file = data.value(URIRef(node), CKG.sourceFile)
        line = data.value(URIRef(node), CKG.sourceLine)
        return (str(file) if file is not None else None,
                int(line) if line is not None else None)

    return located_diagnostics(results, locate)


def located_diagnostics(results: list[ShaclResult],
                        locate: Callable[[str], tuple[str | None, int | None]]
                        ) -> list[Diagnostic]:
    """Diagnostics for ``results``; ``locate(node)`` gives a node's (source file, line)."""
    out = []
    for r in results:
        fact = owning_fact(r.focus)
        file, line = locate(fact)
        _file, evidence_line = locate(r.focus)
        slug = fact[len(str(ID)):] if fact.startswith(str(ID)) else compact(fact)
        message = r.message
        if r.path and r.path not in message:
            message += f" [{r.path}]"
        where = evidence_line if evidence_line is not None else line
        out.append(Diagnostic(
            file=file if file is not None else "graph",
            line=where,
            fact=slug,
            message=message,
            fix=None,
            severity="warning" if r.severity != "error" else "error",
        ))
    return out


def validate_dataset(dataset: Dataset, shapes: Graph) -> tuple[list[ShaclResult], list[Diagnostic]]:
    """SHACL on the dataset's data graphs, with the engine :func:`use_reference` selects."""
    if use_reference():
        data = dataset.data_union()
        results = run_shacl(data, shapes, dataset.ontology.graph)
        return results, to_diagnostics(results, data)
    from .shacl_sparql import store_diagnostics, validate_store
    from .store import memory_store

    store = memory_store(dataset.all_graphs())
    results = validate_store(store, shapes, dataset.ontology.graph)
    return results, store_diagnostics(results, store)
