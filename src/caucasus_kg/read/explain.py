"""The evidence chain behind a node: what the graph says about it, and on whose word.

For a fact or claim: its statements, then each piece of evidence (the verbatim quote, its place in
the source document, the document and its publisher, and who the information is attributed to).
For any node: the claims made about it and the facts it takes part in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from caucasus_kg.core.sparql_text import substitute
from caucasus_kg.model.namespaces import PREFIXES, compact

HIDDEN = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "https://w3id.org/caucasus-kg/ontology#hasEvidence",
    "https://w3id.org/caucasus-kg/ontology#sourceFile",
    "https://w3id.org/caucasus-kg/ontology#sourceLine",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
}


@dataclass
class Statement:
    property: str
    value: str
    value_id: str | None = None


@dataclass
class EvidenceItem:
    quote: str | None
    source: str
    source_title: str
    publisher: str | None
    attributed_to: str | None
    start: int | None
    end: int | None
    fact_file_line: int | None
    record: str | None = None
    """For evidence from a dataset: the record it comes from (e.g. ``row=13``)."""


@dataclass
class Related:
    id: str
    label: str
    relation: str


@dataclass
class Explanation:
    id: str
    label: str
    types: list[str]
    file: str | None
    line: int | None
    statements: list[Statement] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    claims_about: list[Related] = field(default_factory=list)
    involved_in: list[Related] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _q(store: ox.Store, text: str, node: ox.NamedNode) -> list[ox.QuerySolution]:
    text = substitute(text, {"node": str(node)})
    return list(store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True))


def _text(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return "" if term is None else str(term)


def explain(store: ox.Store, node: ox.NamedNode) -> Explanation:
    head = _q(store, """
        SELECT ?label ?file ?line WHERE {
          OPTIONAL { ?node rdfs:label ?label FILTER(LANG(?label) = "en" || LANG(?label) = "") }
          OPTIONAL { ?node ckg:sourceFile ?file } OPTIONAL { ?node ckg:sourceLine ?line }
        } LIMIT 1""", node)[0]
    types = sorted(_text(s["label"] or s["t"]) for s in _q(store, """
        SELECT ?t ?label WHERE { ?node a ?t
          OPTIONAL { ?t rdfs:label ?label FILTER(LANG(?label) = "en") } }""", node))
    ex = Explanation(
        id=compact(node.value), label=_text(head["label"]) or compact(node.value), types=types,
        file=_text(head["file"]) or None,
        line=int(head["line"].value) if head["line"] is not None else None)

    for s in _q(store, """
        SELECT ?p ?plabel ?o ?olabel WHERE {
          ?node ?p ?o
          OPTIONAL { ?p rdfs:label ?plabel FILTER(LANG(?plabel) = "en") }
          OPTIONAL { ?o rdfs:label ?olabel FILTER(LANG(?olabel) = "en" || LANG(?olabel) = "") }
        }""", node):
        if s["p"].value in HIDDEN:
            continue
        obj = s["o"]
        if isinstance(obj, ox.NamedNode) and s["olabel"] is None:
            nested = _q(store, """SELECT ?p ?o WHERE { ?node ?p ?o FILTER(?p != rdf:type) }""",
                        obj)
            if nested:
                value = ", ".join(sorted(f"{_short(n['p'])}={_text(n['o'])}" for n in nested))
                ex.statements.append(Statement(_text(s["plabel"] or s["p"]), value, None))
                continue
        value = _text(s["olabel"]) if s["olabel"] is not None else _text(obj)
        value_id = compact(obj.value) if isinstance(obj, ox.NamedNode) else None
        ex.statements.append(Statement(_text(s["plabel"] or s["p"]), value, value_id))
    ex.statements.sort(key=lambda st: (st.property, st.value))

    # A quote in a text (quote and position selectors) or a record of a dataset (fragment selector).
    for s in _q(store, """
        SELECT ?exact ?start ?end ?record ?source ?title ?publisher ?who ?line WHERE {
          ?node ckg:hasEvidence ?ev .
          ?ev oa:hasTarget ?target .
          ?target oa:hasSource ?source .
          OPTIONAL { ?target oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact }
          OPTIONAL { ?target oa:hasSelector ?ps .
                     ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
          OPTIONAL { ?target oa:hasSelector ?fs . ?fs a oa:FragmentSelector ; rdf:value ?record }
          OPTIONAL { ?source dct:title ?title }
          OPTIONAL { ?source dct:publisher/rdfs:label ?publisher }
          OPTIONAL { ?ev prov:wasAttributedTo/rdfs:label ?who }
          OPTIONAL { ?ev ckg:sourceLine ?line }
        } ORDER BY ?source ?start ?record""", node):
        if s["exact"] is None and s["record"] is None:
            continue
        ex.evidence.append(EvidenceItem(
            quote=_text(s["exact"]) or None, source=compact(s["source"].value),
            source_title=_text(s["title"]), publisher=_text(s["publisher"]) or None,
            attributed_to=_text(s["who"]) or None,
            start=int(s["start"].value) if s["start"] is not None else None,
            end=int(s["end"].value) if s["end"] is not None else None,
            fact_file_line=int(s["line"].value) if s["line"] is not None else None,
            record=_text(s["record"]) or None))

    for s in _q(store, """
        SELECT ?c ?label ?stance WHERE {
          ?c ckg:about ?node ; rdfs:label ?label ; ckg:stance/skos:prefLabel ?stance .
        } ORDER BY ?c""", node):
        ex.claims_about.append(Related(compact(s["c"].value), s["label"].value,
                                       s["stance"].value))
    for s in _q(store, """
        SELECT ?f ?label ?plabel WHERE {
          ?f ?p ?node ; rdfs:label ?label .
          ?p rdfs:label ?plabel FILTER(LANG(?plabel) = "en")
          FILTER(?p NOT IN (ckg:about, ckg:supports, oa:hasBody))
        } ORDER BY ?f ?plabel""", node):
        ex.involved_in.append(Related(compact(s["f"].value), s["label"].value,
                                      s["plabel"].value))
    return ex


def _short(term: object) -> str:
    text = _text(term)
    return text.split(":", 1)[1] if ":" in text and not text.startswith("http") else text


def render_text(ex: Explanation) -> str:
    lines = [f"{ex.label}  ({ex.id})", f"  type: {', '.join(ex.types)}"]
    if ex.file:
        lines.append(f"  written in: graphs/{ex.file}" + (f":{ex.line}" if ex.line else ""))
    if ex.statements:
        lines.append("")
        lines.append("What the graph records:")
        for st in ex.statements:
            lines.append(f"  {st.property}: {st.value}")
    lines.append("")
    if ex.evidence:
        lines.append("Evidence:")
        for n, ev in enumerate(ex.evidence, start=1):
            if ev.record is not None:
                lines.append(f"  [{n}] dataset record {ev.record}")
            else:
                lines.append(f"  [{n}] \"{ev.quote}\"")
            who = ev.attributed_to or "nobody named"
            lines.append(f"      attributed to: {who}")
            source = f"{ev.source_title} ({ev.source}"
            source += f", published by {ev.publisher})" if ev.publisher else ")"
            where = f", characters {ev.start}-{ev.end}" if ev.start is not None else ""
            lines.append(f"      source: {source}{where}")
    else:
        lines.append("Evidence: none recorded for this node itself (see the facts below).")
    if ex.claims_about:
        lines.append("")
        lines.append("Claims about it:")
        for rel in ex.claims_about:
            lines.append(f"  - {rel.label} [{rel.relation}] ({rel.id})")
    if ex.involved_in:
        lines.append("")
        lines.append("Referenced by:")
        for rel in ex.involved_in:
            lines.append(f"  - {rel.label} (as {rel.relation}; {rel.id})")
    return "\n".join(lines) + "\n"
