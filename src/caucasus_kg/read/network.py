"""The knowledge graph as a networkx ``MultiDiGraph``, for pictures and graph tools.

Nodes are what a reader thinks of as things: actors, places, legal instruments, events,
indicators and claims, keyed by their CURIE (``id:russia``). Edges are the object properties
between them, subject to object (``id:russia-withdraws-from-cfe-2023 -[ckg:actor]-> id:russia``),
keyed by the property's CURIE. The reified detail of the RDF (evidence annotations, their
selectors and source documents, monetary value nodes, claim propositions) is folded into node
attributes, so the picture stays about the world and a clicked node still shows the quotes behind
it. ``Filters(detail=True)`` draws evidence, sources, propositions and values as nodes instead.

Everything is read from the store with a handful of SPARQL queries over the union of its graphs.
Node and edge order, and every attribute, depend only on the store's content, so exports made
from the same graph are byte-identical.

Attributes are plain Python values; a few are lists of dicts (``evidence``, ``statements``,
``transfers``) that the exporters flatten for formats that only hold scalars.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pyoxigraph as ox

from caucasus_kg.core.suggest import did_you_mean
from caucasus_kg.model.dates import DateFormatError, days_in_month, parse_partial_date
from caucasus_kg.model.evidence import KIND_NAMES
from caucasus_kg.model.namespaces import CKG, ID, OA, PREFIXES, SOURCE, WD, compact
from caucasus_kg.read.export_options import EVIDENCE_KINDS
from caucasus_kg.read.queries import QueryError, resolve_entity

_RDF = PREFIXES["rdf"]
_RDFS = PREFIXES["rdfs"]
_SKOS = PREFIXES["skos"]
_PROV = PREFIXES["prov"]
_RDF_TYPE = PREFIXES["rdf"] + "type"
_RDF_VALUE = PREFIXES["rdf"] + "value"
_XSD = PREFIXES["xsd"]
_TYPE = _RDF + "type"
_LABEL = _RDFS + "label"

KINDS: dict[str, str] = {
    "Actor": "actor",
    "Place": "place",
    "LegalInstrument": "instrument",
    "Event": "event",
    "Indicator": "indicator",
    "Claim": "claim",
}
"""The top classes that make a node, by local name, and the node ``kind`` each gives."""

DETAIL_KINDS: dict[str, str] = {
    "Evidence": "evidence",
    "SourceDocument": "source",
    "Proposition": "proposition",
    "MonetaryAmount": "value",
}
"""Reified detail, drawn as nodes only with ``Filters(detail=True)``."""

KIND_ORDER = ("actor", "place", "instrument", "event", "indicator", "claim",
              "evidence", "source", "proposition", "value")

# Properties that are bookkeeping, or that the attributes already carry.
_SKIPPED = {
    _TYPE, _LABEL, str(CKG.sourceFile), str(CKG.sourceLine), str(CKG.wikidata),
    _PROV + "wasDerivedFrom", str(CKG.supports), str(OA.hasBody), str(OA.hasTarget),
}
_EXTRA_LABELS = {_PROV + "wasAttributedTo": "attributed to", str(OA.hasSource): "source",
                 _RDF + "subject": "subject", _RDF + "object": "object"}
_CLAIM_EDGES = {str(CKG.claimant), str(CKG.about), str(CKG.addressee)}
_DATE_PROPS = ("date", "effectiveDate", "announcedDate", "startDate", "endDate", "year")
_TRANSFER = str(CKG.ArmsTransfer)
_AGGREGATE_KEY = "ckg:ArmsTransfer"


class NetworkError(Exception):
    """A filter that cannot be applied (unknown class, entity or source, bad date)."""


@dataclass(frozen=True)
class Filters:
    """What to draw. The defaults draw every actor, place, instrument, event, indicator and claim.

    ``include`` and ``exclude`` take class names in any spelling the ontology gives them
    (``claim``, ``Claim``, ``claims``, ``ArmsTransfer``, ``arms transfer``) or the node kinds
    (``actor``, ``place``, ``instrument``, ``event``, ``indicator``, ``claim``). ``include`` keeps
    only nodes of those classes. ``since`` and ``until`` are partial dates (``2001``,
    ``2023-11``, ``2023-11-07``): dated nodes outside the window go, undated ones stay. ``source``
    keeps what one source document supports (id, CURIE or IRI) and what it links to. ``focus``
    (an id, label, alias, QID or IRI) keeps the nodes within ``depth`` links of it, ignoring
    edge direction.
    """

    focus: str | None = None
    depth: int = 2
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    source: str | None = None
    evidence: tuple[str, ...] = ()
    """Evidence kinds to keep (``quote``, ``anchored-quote``, ``report``, ``record``): the facts
    and claims no evidence of those kinds supports go, and the others list only those."""
    aggregate: bool = True
    detail: bool = False


EVIDENCE_FILTERS = dict(zip(EVIDENCE_KINDS, ("QuoteEvidence", "AnchoredQuoteEvidence",
                                             "ReportEvidence", "RecordEvidence"), strict=True))
"""``--evidence`` words and the evidence kinds they name."""


# --------------------------------------------------------------------------------------------
# Reading the store


@dataclass
class _Snapshot:
    """What the network is made from, read once from the store."""

    triples: dict[str, list[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]]
    class_supers: dict[str, set[str]]
    class_labels: dict[str, str]
    prop_labels: dict[str, str]
    functional: set[str]
    concepts: dict[str, str]
    sources: dict[str, dict[str, str]]
    labels: dict[str, str]
    written_in: dict[str, tuple[str, int | None]]
    """Each node's fact-file entry (file, line): the declaring one (with the label) of a node
    described in several files, as ``explain`` gives it."""


def _select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    return list(store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True))


def _read(store: ox.Store) -> _Snapshot:
    class_supers: dict[str, set[str]] = defaultdict(set)
    class_labels: dict[str, str] = {}
    for s in _select(store, """
        SELECT ?c ?super ?label WHERE {
          ?c a owl:Class ; rdfs:subClassOf* ?super .
          FILTER(isIRI(?c) && isIRI(?super))
          OPTIONAL { ?c rdfs:label ?label FILTER(LANG(?label) = "en") }
        }"""):
        class_supers[s["c"].value].add(s["super"].value)
        if s["label"] is not None:
            class_labels[s["c"].value] = s["label"].value
    prop_labels: dict[str, str] = {}
    functional: set[str] = set()
    for s in _select(store, """
        SELECT ?p ?label ?functional WHERE {
          ?p a ?kind FILTER(?kind IN (owl:ObjectProperty, owl:DatatypeProperty))
          OPTIONAL { ?p rdfs:label ?label FILTER(LANG(?label) = "en") }
          BIND(EXISTS { ?p a owl:FunctionalProperty } AS ?functional)
        }"""):
        p = s["p"].value
        prop_labels[p] = s["label"].value if s["label"] is not None else _local(p)
        if s["functional"].value == "true":
            functional.add(p)
    concepts = {s["c"].value: s["label"].value for s in _select(store, """
        SELECT ?c (SAMPLE(?l) AS ?label) WHERE {
          ?c a skos:Concept ; skos:prefLabel ?l FILTER(LANG(?l) = "en")
        } GROUP BY ?c""")}
    sources: dict[str, dict[str, str]] = {}
    for s in _select(store, """
        SELECT ?s ?title ?publisher ?plabel WHERE {
          ?s a ckg:SourceDocument .
          OPTIONAL { ?s dct:title ?title }
          OPTIONAL { ?s dct:publisher ?publisher OPTIONAL { ?publisher rdfs:label ?plabel } }
        }"""):
        entry = sources.setdefault(s["s"].value, {})
        if s["title"] is not None:
            entry["title"] = s["title"].value
        if s["plabel"] is not None:
            entry["publisher"] = s["plabel"].value
    triples: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    labels: dict[str, str] = {}
    label_rank: dict[str, int] = {}
    seen: set[tuple[str, str, Any]] = set()
    # Not DISTINCT (a triple in several graphs is counted once here): Virtuoso 7.2 now and then
    # fails a DISTINCT over objects that mix IRIs and dates (docs/stores.md).
    for s in _select(store, f"""
        SELECT ?s ?p ?o WHERE {{
          ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}"))
        }}"""):
        subject, predicate, obj = s["s"].value, s["p"].value, s["o"]
        if (subject, predicate, obj) in seen:
            continue
        seen.add((subject, predicate, obj))
        triples[subject].append((predicate, obj))
        if predicate == _LABEL and isinstance(obj, ox.Literal):
            rank = {"en": 0, "": 1}.get(obj.language or "", 2)
            if rank < label_rank.get(subject, 9) or (
                    rank == label_rank[subject] and obj.value < labels[subject]):
                labels[subject], label_rank[subject] = obj.value, rank
    for pairs in triples.values():
        pairs.sort(key=lambda po: (po[0], _term_key(po[1])))
    return _Snapshot(dict(triples), dict(class_supers), class_labels, prop_labels, functional,
                     concepts, sources, labels, _written_in(store))


def _written_in(store: ox.Store) -> dict[str, tuple[str, int | None]]:
    """The entry each node is written in: of the files that describe it, the one that gives
    its label first, then by file and line (the order ``explain`` uses)."""
    best: dict[str, tuple[bool, str, int, int | None]] = {}
    for s in _select(store, f"""
        SELECT ?s ?file ?line ?declared WHERE {{
          GRAPH ?g {{ ?s ckg:sourceFile ?file OPTIONAL {{ ?s ckg:sourceLine ?line }} }}
          FILTER(STRSTARTS(STR(?s), "{ID}"))
          OPTIONAL {{ GRAPH ?g {{ ?s rdfs:label ?declared }} }}
        }}"""):
        line = int(s["line"].value) if s["line"] is not None else None
        key = (s["declared"] is None, s["file"].value, line or 0, line)
        if s["s"].value not in best or key < best[s["s"].value]:
            best[s["s"].value] = key
    return {node: (file, line) for node, (_, file, _order, line) in best.items()}


def _term_key(term: object) -> str:
    if isinstance(term, ox.Literal):
        return f"L{term.value}\0{term.language or ''}\0{term.datatype.value}"
    return f"N{getattr(term, 'value', term)}"


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def snake(name: str) -> str:
    """``effectiveDate`` -> ``effective_date``: the fact-file spelling of a property."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --------------------------------------------------------------------------------------------
# Dates


def date_bounds(text: str) -> tuple[str, str]:
    """The first and last day a partial date (``2020``, ``2020-10``, ``2020-10-24``) can denote."""
    parts = text.split("-")
    if len(parts) == 1:
        return f"{text}-01-01", f"{text}-12-31"
    if len(parts) == 2:
        last = days_in_month(int(parts[0]), int(parts[1]))
        return f"{text}-01", f"{text}-{last:02d}"
    return text, text


def parse_window_date(value: str, option: str) -> str:
    """Check a ``since``/``until`` value; returns it normalised (``YYYY[-MM[-DD]]``)."""
    try:
        return str(parse_partial_date(value.strip()))
    except DateFormatError as exc:
        raise NetworkError(f"{option}: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Building the full network


def _types_of(snap: _Snapshot, iri: str) -> list[str]:
    return sorted(o.value for p, o in snap.triples.get(iri, ())
                  if p == _TYPE and isinstance(o, ox.NamedNode) and o.value in snap.class_supers)


def _main_class(snap: _Snapshot, types: list[str]) -> str | None:
    """The most specific ckg class among ``types`` (most superclasses), ties broken by IRI."""
    ckg = [t for t in types if t.startswith(str(CKG))]
    if not ckg:
        return None
    return sorted(ckg, key=lambda t: (-len(snap.class_supers.get(t, ())), t))[0]


def _kind(snap: _Snapshot, cls: str | None, detail: bool) -> str | None:
    if cls is None:
        return None
    supers = snap.class_supers.get(cls, {cls})
    for local, kind in KINDS.items():
        if str(CKG) + local in supers:
            return kind
    if detail:
        for local, kind in DETAIL_KINDS.items():
            if str(CKG) + local in supers:
                return kind
    return None


def _literal_value(term: ox.Literal, prop: str) -> Any:
    dtype = term.datatype.value if term.datatype is not None else ""
    if dtype in (_XSD + "integer", _XSD + "positiveInteger", _XSD + "nonNegativeInteger",
                 _XSD + "int", _XSD + "long"):
        return int(term.value)
    if dtype in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
        return float(term.value)
    if dtype == _XSD + "boolean":
        return term.value in ("true", "1")
    if dtype == _XSD + "gYear" and prop in (str(CKG.year), str(CKG.fiscalYear)):
        return int(term.value)
    return term.value


def _money(amount: float | None, currency: str | None, bound: str | None) -> str:
    if amount is None:
        return ""
    number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    text = f"{number} {currency or ''}".strip()
    return f"{bound} {text}" if bound and bound != "exactly" else text


def _short_money(amount: float, currency: str, bound: str | None) -> str:
    """``7.95 bn USD``: a total short enough for an edge label."""
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(amount) >= size:
            number = f"{amount / size:.2f}".rstrip("0").rstrip(".") + f" {unit}"
            break
    else:
        number = f"{amount:g}"
    text = f"{number} {currency}".strip()
    return f"{bound} {text}" if bound and bound != "exactly" else text


def _concept_label(snap: _Snapshot, iri: str) -> str:
    return snap.concepts.get(iri, _local(iri))


def _node_label(snap: _Snapshot, iri: str) -> str:
    return snap.labels.get(iri) or compact(iri)


def _evidence_item(snap: _Snapshot, ev: str) -> dict[str, Any]:
    """One evidence annotation: its kind, the quote (or the curator's paraphrase, or the
    dataset record), where it is in which document, and on whose word."""
    item: dict[str, Any] = {"id": compact(ev)}
    for q, o in snap.triples.get(ev, ()):
        if q == _RDF_TYPE and o.value.startswith(str(CKG)) and \
                o.value[len(str(CKG)):] in KIND_NAMES:
            item["kind"] = KIND_NAMES[o.value[len(str(CKG)):]]
            item["kind_id"] = o.value[len(str(CKG)):]
        elif q == str(CKG.paraphrase):
            item["paraphrase"] = o.value
        elif q == str(CKG.reports):
            item["reports"] = _node_label(snap, o.value)
        elif q == _PROV + "wasAttributedTo":
            item["attributed_to"] = _node_label(snap, o.value)
            item["attributed_to_id"] = compact(o.value)
        elif q == str(OA.hasTarget):
            for r, t in snap.triples.get(o.value, ()):
                if r == str(OA.hasSource):
                    src = snap.sources.get(t.value, {})
                    item["source"] = compact(t.value)
                    item["source_title"] = src.get("title", compact(t.value))
                    if "publisher" in src:
                        item["publisher"] = src["publisher"]
                elif r == str(OA.hasSelector):
                    for u, w in snap.triples.get(t.value, ()):
                        if u == str(OA.exact):
                            item["quote"] = w.value
                        elif u == _RDF_VALUE:
                            item["record"] = w.value
                        elif u == str(OA.start):
                            item["char_start"] = int(w.value)
                        elif u == str(OA.end):
                            item["char_end"] = int(w.value)
    return item


def _evidence(snap: _Snapshot, fact: str) -> list[dict[str, Any]]:
    items = [_evidence_item(snap, ev.value) for p, ev in snap.triples.get(fact, ())
             if p == str(CKG.hasEvidence) and isinstance(ev, ox.NamedNode)]
    items.sort(key=lambda i: (i.get("source", ""), i.get("char_start", 0), i["id"]))
    return items


def _attributes(snap: _Snapshot, iri: str, cls: str, kind: str) -> dict[str, Any]:
    """Every attribute of a node: identity, class, dates, literal properties, folded detail."""
    supers = snap.class_supers.get(cls, {cls})
    classes = sorted({_local(c) for c in supers if c.startswith(str(CKG))})
    attrs: dict[str, Any] = {
        "label": _node_label(snap, iri),
        "iri": iri,
        "kind": kind,
        "class": snap.class_labels.get(cls, _local(cls)),
        "class_id": compact(cls),
        "classes": classes,
    }
    if iri in snap.written_in:
        attrs["source_file"], line = snap.written_in[iri]
        if line is not None:
            attrs["source_line"] = line
    multi: dict[str, list[Any]] = defaultdict(list)
    for p, o in snap.triples.get(iri, ()):
        if p == str(CKG.wikidata) and isinstance(o, ox.NamedNode):
            attrs["wikidata"] = o.value[len(str(WD)):] if o.value.startswith(str(WD)) else o.value
        elif p in (str(CKG.sourceFile), str(CKG.sourceLine)):
            continue  # from snap.written_in, below
        elif p == _PROV + "wasDerivedFrom" and isinstance(o, ox.NamedNode):
            multi["sources"].append(compact(o.value))
        elif p == str(CKG.value) and isinstance(o, ox.NamedNode):
            attrs.update(_value_attributes(snap, o.value))
        elif p == str(CKG.proposition) and isinstance(o, ox.NamedNode):
            attrs.update(_proposition_attributes(snap, o.value))
        elif p in (_TYPE, _LABEL, str(CKG.hasEvidence)):
            continue
        elif isinstance(o, ox.Literal):
            name = "note" if p == _RDFS + "comment" else (
                "aliases" if p == _SKOS + "altLabel" else snake(_local(p)))
            value = _literal_value(o, p)
            if p in snap.functional:
                attrs[name] = value
            else:
                multi[name].append(value)
        elif isinstance(o, ox.NamedNode) and o.value in snap.concepts:
            name = snake(_local(p))
            if p in snap.functional:
                attrs[name] = _concept_label(snap, o.value)
            else:
                multi[name].append(_concept_label(snap, o.value))
    for name, values in multi.items():
        attrs[name] = sorted(set(values), key=str)
    evidence = _evidence(snap, iri)
    attrs["evidence"] = evidence
    attrs["evidence_count"] = len(evidence)
    for ev in evidence:
        if "source" in ev and ev["source"] not in attrs.setdefault("sources", []):
            attrs["sources"] = sorted([*attrs["sources"], ev["source"]])
    attrs.setdefault("sources", [])
    if kind == "evidence":
        item = _evidence_item(snap, iri)
        # The node's kind stays "evidence"; its evidence kind is its class.
        attrs.update({k: v for k, v in item.items() if k not in ("id", "kind")})
        attrs["label"] = _shorten(item.get("quote", attrs["label"]), 80)
        attrs["sources"] = [item["source"]] if "source" in item else []
    elif kind == "value":
        attrs.update(_value_attributes(snap, iri))
        attrs["label"] = attrs.get("value") or attrs["label"]
    elif kind == "proposition":
        attrs.update(_proposition_attributes(snap, iri))
        attrs["label"] = attrs.get("proposition") or attrs["label"]
    _set_dates(attrs)
    return attrs


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _value_attributes(snap: _Snapshot, node: str) -> dict[str, Any]:
    amount = currency = bound = None
    for p, o in snap.triples.get(node, ()):
        if p == str(CKG.amount):
            amount = float(o.value)
        elif p == str(CKG.currency):
            currency = o.value
        elif p == str(CKG.bound):
            bound = _concept_label(snap, o.value)
    out: dict[str, Any] = {"value": _money(amount, currency, bound)}
    if amount is not None:
        out["value_amount"] = amount
    if currency:
        out["value_currency"] = currency
    if bound:
        out["value_bound"] = bound
    return out


def _proposition_attributes(snap: _Snapshot, node: str) -> dict[str, Any]:
    parts: dict[str, str] = {}
    for p, o in snap.triples.get(node, ()):
        for role in ("subject", "predicate", "object"):
            if p == _RDF + role and isinstance(o, ox.NamedNode):
                parts[role] = o.value
    if len(parts) < 3:
        return {}
    predicate = snap.prop_labels.get(parts["predicate"], _local(parts["predicate"]))
    return {
        "proposition": f"{_node_label(snap, parts['subject'])} {predicate} "
                       f"{_node_label(snap, parts['object'])}",
        "proposition_subject": compact(parts["subject"]),
        "proposition_predicate": compact(parts["predicate"]),
        "proposition_object": compact(parts["object"]),
    }


def _set_dates(attrs: dict[str, Any]) -> None:
    """``date`` (as written, for people) and ``start``/``end`` (whole days, for timelines)."""
    given = {p: attrs.get(snake(p)) for p in _DATE_PROPS}
    if given["year"] is not None:
        given["year"] = str(given["year"])
    starts, ends = [], []
    for prop in _DATE_PROPS:
        text = given[prop]
        if not isinstance(text, str) or not re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
            continue
        first, last = date_bounds(text)
        if prop != "endDate":
            starts.append(first)
        if prop != "startDate":
            ends.append(last)
    if not starts and not ends:
        return
    shown = given["date"] or given["effectiveDate"] or given["announcedDate"]
    if shown is None and given["startDate"]:
        shown = given["startDate"] + ("–" + given["endDate"] if given["endDate"] else "–")
    attrs["date"] = shown or given["year"] or given["endDate"]
    if starts:
        attrs["start"] = min(starts)
    if ends:
        attrs["end"] = max(ends)


def _full_network(snap: _Snapshot, detail: bool) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    members: list[str] = []
    for iri in snap.triples:
        cls = _main_class(snap, _types_of(snap, iri))
        kind = _kind(snap, cls, detail)
        if kind is not None and cls is not None:
            members.append(iri)
            graph.add_node(compact(iri), **_attributes(snap, iri, cls, kind))
    if detail:
        for iri, info in snap.sources.items():
            graph.add_node(compact(iri), label=info.get("title", compact(iri)), iri=iri,
                           kind="source", **{"class": "source document"},
                           class_id="ckg:SourceDocument", classes=["SourceDocument"],
                           evidence=[], evidence_count=0, sources=[compact(iri)],
                           **({"publisher": info["publisher"]} if "publisher" in info else {}))
    for iri in members:
        subject = compact(iri)
        for p, o in snap.triples[iri]:
            if not isinstance(o, ox.NamedNode) or p in _SKIPPED:
                continue
            target = compact(o.value)
            if target in graph and target != subject:
                _add_edge(graph, snap, subject, p, target)
        source = graph.nodes[subject].get("source")
        if graph.nodes[subject]["kind"] == "evidence" and source in graph:
            _add_edge(graph, snap, subject, str(OA.hasSource), source)
    return graph


def _edge_kind(graph: nx.MultiDiGraph, subject: str, predicate: str, target: str) -> str:
    if predicate == str(CKG.denies):
        return "denial"
    if predicate == str(CKG.disputes):
        return "dispute"
    detail = set(DETAIL_KINDS.values())
    if graph.nodes[subject]["kind"] in detail or graph.nodes[target]["kind"] in detail:
        return "detail"
    if graph.nodes[subject]["kind"] == "claim" or predicate in _CLAIM_EDGES:
        return "claim"
    return "fact"


def _add_edge(graph: nx.MultiDiGraph, snap: _Snapshot, u: str, predicate: str, v: str) -> None:
    key = compact(predicate)
    data: dict[str, Any] = {
        "id": f"{u}|{key}|{v}",
        "label": snap.prop_labels.get(predicate) or _EXTRA_LABELS.get(predicate)
        or _local(predicate),
        "predicate": key,
        "kind": _edge_kind(graph, u, predicate, v),
        "evidence_count": int(graph.nodes[u].get("evidence_count", 0)),
        "weight": 1.0,
    }
    for name in ("date", "start", "end"):
        if name in graph.nodes[u]:
            data[name] = graph.nodes[u][name]
    graph.add_edge(u, v, key=key, **data)


def _anchor_dates(graph: nx.MultiDiGraph) -> None:
    """Undated events placed ``after`` a dated one start when their anchor ends (open end)."""
    after = "ckg:after"
    for _ in range(len(graph)):  # anchors of anchors: at most one pass per node
        changed = False
        for node, data in sorted(graph.nodes(data=True)):
            if "start" in data:
                continue
            anchors = sorted(v for _, v, k in graph.out_edges(node, keys=True) if k == after)
            ends = sorted((graph.nodes[a].get("end", graph.nodes[a]["start"]), a)
                          for a in anchors if "start" in graph.nodes[a])
            if not ends:
                continue
            data["start"], data["time_anchor"] = ends[-1]  # after all of them: the latest
            for _, _, edata in graph.out_edges(node, data=True):
                edata["start"] = data["start"]
            changed = True
        if not changed:
            return


# --------------------------------------------------------------------------------------------
# Filters


def class_names(store: ox.Store) -> dict[str, set[str]]:
    """Every way to name a class or kind in ``include``/``exclude``, normalised, to local names."""
    snap_classes = _select(store, """
        SELECT ?c ?label WHERE { ?c a owl:Class FILTER(STRSTARTS(STR(?c), STR(ckg:)))
          OPTIONAL { ?c rdfs:label ?label FILTER(LANG(?label) = "en") } }""")
    names: dict[str, set[str]] = defaultdict(set)
    for s in snap_classes:
        local = _local(s["c"].value)
        names[_norm(local)].add(local)
        if s["label"] is not None:
            names[_norm(s["label"].value)].add(local)
    for local, kind in {**KINDS, **DETAIL_KINDS}.items():
        names[_norm(kind)].add(local)
    return dict(names)


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def _resolve_classes(given: Iterable[str], names: dict[str, set[str]], option: str) -> set[str]:
    found: set[str] = set()
    for raw in given:
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            key = _norm(item.removeprefix("ckg:"))
            candidates = [key]
            if key.endswith("ies"):
                candidates.append(key[:-3] + "y")
            if key.endswith("s"):
                candidates.append(key[:-1])
            if key.endswith("es"):
                candidates.append(key[:-2])
            hit = next((names[c] for c in candidates if c in names), None)
            if hit is None:
                pretty = sorted({n for group in names.values() for n in group})
                hint = did_you_mean(item, pretty + list(KINDS.values()))
                raise NetworkError(f"{option}: unknown class '{item}'"
                                   + (f"; {hint}" if hint else "")
                                   + "; give a kind (actor, place, instrument, event, indicator, "
                                   "claim) or an ontology class such as ArmsTransfer")
            found |= hit
    return found


def _overlaps(data: dict[str, Any], since: str | None, until: str | None) -> bool:
    start, end = data.get("start"), data.get("end")
    if start is None and end is None:
        return True
    if since is not None and (end or "9999-12-31") < since:
        return False
    return not (until is not None and (start or "0000-01-01") > until)


def _resolve_source(snap: _Snapshot, value: str) -> str:
    value = value.strip()
    candidates = {value, str(SOURCE) + value.removeprefix("src:"), value.removesuffix(".yaml")}
    candidates.add(str(SOURCE) + value.removesuffix(".yaml"))
    for iri in sorted(snap.sources):
        if iri in candidates:
            return compact(iri)
    known = sorted(_local(s) for s in snap.sources)
    hint = did_you_mean(value.removeprefix("src:"), known)
    raise NetworkError(f"--source: unknown source document '{value}'"
                       + (f"; {hint}" if hint else "")
                       + "; known: " + (", ".join(known) or "none"))


def _prune(graph: nx.MultiDiGraph, before: nx.MultiDiGraph) -> None:
    """Drop nodes that only the filters left without any link: they were context, not subject."""
    for node in sorted(graph.nodes):
        if graph.degree(node) == 0 and before.degree(node) > 0:
            graph.remove_node(node)


def _aggregate_transfers(graph: nx.MultiDiGraph, keep: set[str]) -> None:
    """Replace parallel arms transfers (same supplier and recipient, two or more) by one edge.

    A transfer that anything else points at, or that has other links, stays a node so that no
    link is lost. The edge carries the count (also as ``weight``), the summed value where all
    values share a currency, the summed quantity, the date range and the transfers themselves.
    """
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        if "ArmsTransfer" not in data.get("classes", ()) or node in keep:
            continue
        if graph.in_degree(node) > 0:
            continue
        out = sorted((k, v) for _, v, k in graph.out_edges(node, keys=True))
        keys = [k for k, _ in out]
        if keys != ["ckg:recipient", "ckg:supplier"]:
            continue
        groups[(out[1][1], out[0][1])].append(node)
    for (supplier, recipient), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (graph.nodes[m].get("start", "9999"), m))
        datas = [graph.nodes[m] for m in members]
        transfers = []
        for m, d in zip(members, datas, strict=True):
            transfers.append({k: d[k] for k in ("label", "date", "value", "weapon_category",
                                                "weapon_description", "quantity", "evidence")
                              if d.get(k) not in (None, "", [])} | {"id": m})
        data: dict[str, Any] = {
            "id": f"{supplier}|{_AGGREGATE_KEY}|{recipient}",
            "label": f"{len(members)} arms transfers",
            "predicate": _AGGREGATE_KEY,
            "kind": "aggregate",
            "count": len(members),
            "weight": float(len(members)),
            "evidence_count": sum(int(d.get("evidence_count", 0)) for d in datas),
            "transfers": transfers,
        }
        valued = [d for d in datas if "value_amount" in d]
        currencies = sorted({d.get("value_currency", "") for d in valued})
        if valued and len(currencies) == 1:
            bounds = {d.get("value_bound", "exactly") for d in valued} - {"exactly"}
            bound = "exactly" if not bounds else bounds.pop() if len(bounds) == 1 else "about"
            data["total_value"] = sum(d["value_amount"] for d in valued)
            data["total_currency"] = currencies[0]
            data["total_bound"] = bound
            data["valued_count"] = len(valued)
            data["label"] += f", {_short_money(data['total_value'], currencies[0], bound)}"
            if len(valued) < len(members):
                data["label"] += f" ({len(valued)} valued)"
        quantities = [q for d in datas for q in _as_list(d.get("quantity")) if isinstance(q, int)]
        if quantities:
            data["quantity"] = sum(quantities)
        categories = sorted({c for d in datas for c in _as_list(d.get("weapon_category"))})
        if categories:
            data["weapon_category"] = categories
        starts = [d["start"] for d in datas if "start" in d]
        ends = [d.get("end", d["start"]) for d in datas if "start" in d]
        if starts:
            data["start"], data["end"] = min(starts), max(ends)
            first, last = min(starts)[:4], max(ends)[:4]
            data["date"] = first if first == last else f"{first}–{last}"
        graph.remove_nodes_from(members)
        graph.add_edge(supplier, recipient, key=_AGGREGATE_KEY, **data)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _sorted_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes, edges and attribute keys in sorted order."""
    out = nx.MultiDiGraph()
    out.graph.update(sorted(graph.graph.items()))
    for node in sorted(graph.nodes):
        out.add_node(node, **dict(sorted(graph.nodes[node].items())))
    for u, v, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(u, v, key=k, **dict(sorted(d.items())))
    return out


def build_network(store: ox.Store, filters: Filters | None = None) -> nx.MultiDiGraph:
    """The graph in ``store`` as a ``MultiDiGraph``, filtered as ``filters`` says.

    Raises :class:`NetworkError` for a filter naming an unknown class, entity or source, or a
    malformed date.
    """
    filters = filters or Filters()
    if filters.depth < 0:
        raise NetworkError("--depth must be 0 or more")
    since = date_bounds(parse_window_date(filters.since, "--since"))[0] if filters.since else None
    until = date_bounds(parse_window_date(filters.until, "--until"))[1] if filters.until else None
    if since and until and since > until:
        raise NetworkError(f"--since {filters.since} is after --until {filters.until}")
    snap = _read(store)
    names = class_names(store)
    include = _resolve_classes(filters.include, names, "--include")
    exclude = _resolve_classes(filters.exclude, names, "--exclude")
    focus = None
    if filters.focus:

        try:
            focus = compact(resolve_entity(filters.focus, store).value)
        except QueryError as exc:
            raise NetworkError(f"--focus: {exc}") from exc

    full = _full_network(snap, filters.detail)
    _anchor_dates(full)
    graph = full.copy()
    if focus is not None and focus not in graph:
        raise NetworkError(f"--focus: {filters.focus} ({focus}) is not something the network "
                           "draws (an actor, place, instrument, event, indicator or claim)")
    for node, data in list(graph.nodes(data=True)):
        classes = set(data.get("classes", ()))
        dropped = (include and not classes & include) or classes & exclude
        if dropped or not _overlaps(data, since, until):
            graph.remove_node(node)
    if filters.source:
        source = _resolve_source(snap, filters.source)
        supported = {n for n, d in graph.nodes(data=True) if source in d.get("sources", ())}
        if filters.detail:
            supported.add(source)
        keep = set(supported)
        for node in supported:
            keep.update(graph.successors(node))
        graph.remove_nodes_from([n for n in list(graph) if n not in keep])
    if filters.evidence:
        _keep_evidence_kinds(graph, filters.evidence)
    if not include:
        _prune(graph, full)
    if focus is not None and focus not in graph:
        raise NetworkError(f"--focus: {filters.focus} is left out by the other filters")
    if filters.aggregate:
        _aggregate_transfers(graph, {focus} if focus else set())
    if focus is not None:
        near = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), focus,
                                                     cutoff=filters.depth)
        graph = graph.subgraph(near).copy()
        for node, distance in near.items():
            graph.nodes[node]["distance"] = distance
    graph.graph["name"] = "caucasus-kg"
    return _sorted_copy(graph)


def describe_filters(filters: Filters) -> str:
    """A one-line account of the filters, for titles and metadata."""
    parts = []
    if filters.focus:
        parts.append(f"around {filters.focus} (depth {filters.depth})")
    if filters.include:
        parts.append("only " + ", ".join(filters.include))
    if filters.exclude:
        parts.append("without " + ", ".join(filters.exclude))
    if filters.since or filters.until:
        parts.append(f"from {filters.since or '…'} to {filters.until or '…'}")
    if filters.source:
        parts.append(f"from source {filters.source}")
    if filters.evidence:
        parts.append("evidence: " + ", ".join(filters.evidence))
    if not filters.aggregate:
        parts.append("transfers not aggregated")
    if filters.detail:
        parts.append("with evidence nodes")
    return "; ".join(parts)


def _keep_evidence_kinds(graph: nx.MultiDiGraph, words: tuple[str, ...]) -> None:
    unknown = sorted(set(words) - set(EVIDENCE_FILTERS))
    if unknown:
        raise NetworkError(f"--evidence: unknown kind '{unknown[0]}'; the kinds are "
                           + ", ".join(EVIDENCE_FILTERS))
    kinds = {EVIDENCE_FILTERS[w] for w in words}
    for node, data in list(graph.nodes(data=True)):
        if "evidence" not in data or not data["evidence"]:
            continue
        kept = [ev for ev in data["evidence"] if ev.get("kind_id") in kinds]
        if kept:
            data["evidence"] = kept
            data["evidence_count"] = len(kept)
        elif data.get("kind") in ("event", "indicator", "claim", "instrument"):
            graph.remove_node(node)


def node_size(degree: int) -> float:
    """Node diameter in pixels for the HTML page: grows with the square root of the degree."""
    return round(min(64.0, 18.0 + 6.0 * math.sqrt(degree)), 1)
