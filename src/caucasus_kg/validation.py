"""SHACL validation (pySHACL) of the data graphs against ontology/shapes.ttl, as diagnostics.

Each SHACL result becomes a diagnostic located at the fact-file line of its focus node (an
evidence or value node is located at the fact it belongs to), with the shape's human message.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from .dataset import Dataset
from .diagnostics import Diagnostic
from .namespaces import CKG, ID, SH, compact

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, reduced to what a person needs."""

    focus: str
    path: str | None
    severity: str
    message: str
    shape: str
    value: str | None


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
    """Validate ``data`` (only the ``focus`` nodes, if given); returns every result, sorted.

    ``data`` is not changed: validation works on a copy.
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
        focus_nodes=focus,
    )
    results = []
    # Only the report's own results: nested sh:detail results belong to their parent.
    top_level = [r for report_node in report.subjects(RDF.type, SH.ValidationReport)
                 for r in report.objects(report_node, SH.result)]
    for result in top_level:
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        shape = report.value(result, SH.sourceShape)
        value = report.value(result, SH.value)
        results.append(ShaclResult(
            focus=str(focus),
            path=compact(str(path)) if isinstance(path, URIRef) else None,
            severity=SEVERITIES.get(severity, "error"),
            message=messages[0] if messages else "violates a shape",
            shape=compact(str(shape)) if isinstance(shape, URIRef) else "",
            value=_show(value) if value is not None else None,
        ))
    return sorted(set(results), key=lambda r: (r.focus, r.path or "", r.message))


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
    out = []
    for r in results:
        fact = URIRef(owning_fact(r.focus))
        file = data.value(fact, CKG.sourceFile)
        line = data.value(fact, CKG.sourceLine)
        evidence_line = data.value(URIRef(r.focus), CKG.sourceLine)
        slug = str(fact)[len(str(ID)):] if str(fact).startswith(str(ID)) else compact(str(fact))
        message = r.message
        if r.path and r.path not in message:
            message += f" [{r.path}]"
        out.append(Diagnostic(
            file=str(file) if file is not None else "graph",
            line=int(evidence_line or line) if (evidence_line or line) is not None else None,
            fact=slug,
            message=message,
            fix=None,
            severity="warning" if r.severity != "error" else "error",
        ))
    return out


def validate_dataset(dataset: Dataset, shapes: Graph) -> tuple[list[ShaclResult], list[Diagnostic]]:
    data = dataset.data_union()
    results = run_shacl(data, shapes, dataset.ontology.graph)
    return results, to_diagnostics(results, data)
