"""The evidence chain behind a node: what the graph says about it, and on whose word.

For a fact or claim: its statements, then each piece of evidence, saying which kind it is (a
quote of a stored text, a quote of a text kept elsewhere with whether it is verified here, a
report in the curator's words, or a dataset record), where it is in the source document, the
document and its publisher, and who the information is attributed to. For any node: the claims
made about it and the facts it takes part in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from caucasus_kg.core.sparql_text import substitute
from caucasus_kg.model.evidence import ANCHORED_QUOTE, KIND_NAMES
from caucasus_kg.model.iris import CKG, PREFIXES, compact
from caucasus_kg.sources.quotes import find_quote
from caucasus_kg.sources.texts import TextFinder

_RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"

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
    kind: str
    """How the evidence kind is named (``caucasus_kg.model.evidence.KIND_NAMES``)."""
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
    paraphrase: str | None = None
    """For a report: what the source reports, in the curator's words (never a quote)."""
    reports: str | None = None
    """For a report: whose statement or action it reports."""
    verified: bool | None = None
    """For a quote of a text kept elsewhere: whether the text is in a sources folder here and
    holds the quote; None for the other kinds."""


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


def explain(store: ox.Store, node: ox.NamedNode, texts: TextFinder | None = None
            ) -> Explanation:
    """What the graph says about ``node`` and on whose word; ``texts`` finds the texts of
    sources kept outside the graph, to say whether their quotes are verified here."""
    # The file and line of one file's entry, the declaring one (with the label) first: a node
    # described in several files has a file and a line from each.
    head = _q(store, """
        SELECT ?label ?file ?line WHERE {
          OPTIONAL { ?node rdfs:label ?label FILTER(LANG(?label) = "en" || LANG(?label) = "") }
          OPTIONAL {
            GRAPH ?g { ?node ckg:sourceFile ?file ; ckg:sourceLine ?line }
            OPTIONAL { GRAPH ?g { ?node rdfs:label ?declared } }
          }
        } ORDER BY DESC(BOUND(?declared)) ?file ?line LIMIT 1""", node)[0]
    types = sorted({_text(s["label"] or s["t"]) for s in _q(store, """
        SELECT DISTINCT ?t ?label WHERE { ?node a ?t
          OPTIONAL { ?t rdfs:label ?label FILTER(LANG(?label) = "en") } }""", node)})
    ex = Explanation(
        id=compact(node.value), label=_text(head["label"]) or compact(node.value), types=types,
        file=_text(head["file"]) or None,
        line=int(head["line"].value) if head["line"] is not None else None)

    for s in _q(store, """
        SELECT DISTINCT ?p ?plabel ?o ?olabel WHERE {
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
        name = "note" if s["p"].value == _RDFS_COMMENT else _text(s["plabel"] or s["p"])
        ex.statements.append(Statement(name, value, value_id))
    ex.statements.sort(key=lambda st: (st.property, st.value))

    # A quote (quote and position selectors), a report (a paraphrase of the whole document) or a
    # record of a dataset (fragment selector).
    for s in _q(store, """
        SELECT DISTINCT ?ev ?kind ?exact ?prefix ?suffix ?start ?end ?record ?paraphrase
                        ?reports ?source ?title ?publisher ?who ?line ?digest WHERE {
          ?node ckg:hasEvidence ?ev .
          ?ev a ?kind . FILTER(?kind IN (ckg:QuoteEvidence, ckg:AnchoredQuoteEvidence,
                                         ckg:ReportEvidence, ckg:RecordEvidence))
          ?ev oa:hasTarget ?target .
          ?target oa:hasSource ?source .
          OPTIONAL { ?target oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact
                     OPTIONAL { ?qs oa:prefix ?prefix } OPTIONAL { ?qs oa:suffix ?suffix } }
          OPTIONAL { ?target oa:hasSelector ?ps .
                     ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
          OPTIONAL { ?target oa:hasSelector ?fs . ?fs a oa:FragmentSelector ; rdf:value ?record }
          OPTIONAL { ?ev ckg:paraphrase ?paraphrase }
          OPTIONAL { ?ev ckg:reports/rdfs:label ?reports }
          OPTIONAL { ?source dct:title ?title }
          OPTIONAL { ?source dct:publisher/rdfs:label ?publisher }
          OPTIONAL { ?source ckg:textSha256 ?digest }
          OPTIONAL { ?ev prov:wasAttributedTo/rdfs:label ?who }
          OPTIONAL { ?ev ckg:sourceLine ?line }
        } ORDER BY ?source ?start ?record ?ev""", node):
        kind = s["kind"].value[len(str(CKG)):]
        verified = None
        if kind == ANCHORED_QUOTE:
            verified = _verified_here(texts, s)
        ex.evidence.append(EvidenceItem(
            kind=KIND_NAMES[kind], quote=_text(s["exact"]) or None, source=compact(s["source"].value),
            source_title=_text(s["title"]), publisher=_text(s["publisher"]) or None,
            attributed_to=_text(s["who"]) or None,
            start=int(s["start"].value) if s["start"] is not None else None,
            end=int(s["end"].value) if s["end"] is not None else None,
            fact_file_line=int(s["line"].value) if s["line"] is not None else None,
            record=_text(s["record"]) or None, paraphrase=_text(s["paraphrase"]) or None,
            reports=_text(s["reports"]) or None, verified=verified))

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


def _verified_here(texts: TextFinder | None, row: ox.QuerySolution) -> bool:
    """Whether a sources folder here holds the text (by its digest) and the quote is in it,
    with the prefix and suffix the graph records."""
    if texts is None or row["digest"] is None or row["exact"] is None:
        return False
    found = texts.find(row["digest"].value)
    if found is None:
        return False
    match = find_quote(found[1], row["exact"].value)
    return match is not None and match.prefix.endswith(_text(row["prefix"])) and \
        match.suffix.startswith(_text(row["suffix"]))


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
            elif ev.paraphrase is not None:  # never in quotation marks: these are not its words
                lines.append(f"  [{n}] reported, in the curator's words: {ev.paraphrase}")
            else:
                lines.append(f"  [{n}] \"{ev.quote}\"")
            kind = ev.kind
            if ev.verified is not None:
                kind += (": verified here" if ev.verified else ": unverified here (its text is "
                         "in no sources folder)")
            lines.append(f"      kind: {kind}")
            who = ev.attributed_to or "nobody named"
            lines.append(f"      attributed to: {who}")
            if ev.reports is not None:
                lines.append(f"      reports: {ev.reports}")
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
