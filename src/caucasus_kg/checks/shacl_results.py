"""SHACL results as this program reports them, whichever engine found them: the result itself,
its order, and its diagnostic located at the fact-file line of the fact it concerns (an evidence
or value node is located at the fact it belongs to)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.model.namespaces import ID, SH, compact
from caucasus_kg.model.turtle_files import read_turtle

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


def load_shapes(path: Path) -> Graph:
    return read_turtle(path)


def result_order(r: ShaclResult) -> tuple[str, ...]:
    """Focus node, path and message first; the rest breaks ties, so the order is total."""
    return (r.focus, r.path or "", r.message, r.value or "", r.severity, r.shape)


def show_term(term: object) -> str:
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
