"""Contradictions between files: what one source says against what the graph already holds.

Run over a store whose named graphs are the input files, so every finding names both files:

- a single-valued (owl:FunctionalProperty) property given two values by two files;
- a node typed with two disjoint classes (a state that is also a person);
- the same one-time event (a treaty signature, ratification, accession, succession or withdrawal by
  the same actor on the same treaty) recorded twice with different dates, or a ranking of the same
  actor by the same publisher for the same year with two ranks: contradictions;
  recorded twice with the same date: a duplicate, to be merged;
- two claims by different claimants about the same proposition where one denies what the other
  says: not an error but a dispute, recorded as a derived ``ckg:disputes`` link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF

from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.model.namespaces import CKG, GRAPH, ID, PREFIXES, compact
from caucasus_kg.model.ontology import Ontology

DERIVED_GRAPH = GRAPH["derived"]
"""Links the build derives (recorded disputes); re-derived on every build, never edited."""

ONE_TIME_ACTIONS = ("Signature", "Ratification", "Accession", "Succession", "Withdrawal")
OPPOSED_STANCES = ("asserts", "alleges", "predicts", "assesses", "characterises")


@dataclass(frozen=True)
class Duplicate:
    """A node recorded again under another id: ``new`` should be merged into ``existing``."""

    existing: str
    new: str
    file: str
    line: int | None


@dataclass(frozen=True)
class Dispute:
    """``claim`` disputes ``other``: same proposition, opposite stances, different claimants."""

    claim: str
    other: str


@dataclass
class Findings:
    errors: list[Diagnostic] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    return list(store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True))


def _text(term: object, limit: int = 120) -> str:
    """A term for a message, cut short: a value can be as long as its file."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = compact(term.value)
    else:
        text = term.value if isinstance(term, ox.Literal) else str(term)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _slug(term: ox.NamedNode) -> str:
    value = term.value
    return value[len(str(ID)):] if value.startswith(str(ID)) else compact(value)


VALUES_LIMIT = 5000
"""Up to this many nodes, a search is limited to them in the query; beyond, the query runs on
the whole working store and its (few) findings are filtered here: a ``VALUES`` of a whole
import's nodes costs more to write, parse and join than the search it narrows."""


def _values(nodes: set[str] | None, var: str) -> str:
    if nodes is None or len(nodes) > VALUES_LIMIT:
        return ""
    inner = " ".join(f"<{n}>" for n in sorted(nodes))
    return f"VALUES ?{var} {{ {inner} }}"


def _involving(rows: list[ox.QuerySolution], nodes: set[str] | None, var: str
               ) -> list[ox.QuerySolution]:
    """The rows whose ``var`` is one of ``nodes`` (all when ``nodes`` is None)."""
    if nodes is None:
        return rows
    return [row for row in rows if row[var].value in nodes]


def find(store: ox.Store, ontology: Ontology, nodes: Iterable[str] | None = None,
         new_graphs: Iterable[str] | None = None) -> Findings:
    """Contradictions, duplicates and disputes among the named graphs of ``store``.

    ``nodes`` limits the search to findings involving those nodes (for checking an addition
    against a large graph); ``new_graphs`` marks the graphs being added, so a finding is reported
    at the new file's line.
    """
    nodes = None if nodes is None else set(nodes)
    new = set(new_graphs or ())
    findings = Findings()
    _functional(store, ontology, nodes, new, findings)
    _disjoint(store, ontology, nodes, findings)
    _same_event(store, nodes, new, findings)
    _disputes(store, nodes, findings)
    findings.errors.sort()
    return findings


def _where(store: ox.Store, node: ox.NamedNode, graph: ox.NamedNode) -> tuple[str, int | None]:
    rows = _rows(store, f"""SELECT ?file ?line WHERE {{ GRAPH <{graph.value}> {{
        OPTIONAL {{ <{node.value}> ckg:sourceFile ?file }}
        OPTIONAL {{ <{node.value}> ckg:sourceLine ?line }} }} }} LIMIT 1""")
    if not rows or rows[0]["file"] is None:
        name = graph.value[len(str(GRAPH)):] if graph.value.startswith(str(GRAPH)) else graph.value
        return name, None
    line = rows[0]["line"]
    return rows[0]["file"].value, int(line.value) if line is not None else None


def _pick(a: tuple, b: tuple, new: set[str]) -> tuple[tuple, tuple]:
    """Report at the new graph's side when one is new; otherwise at the later file."""
    if a[0].value in new and b[0].value not in new:
        return a, b
    if b[0].value in new and a[0].value not in new:
        return b, a
    return (b, a) if b[0].value > a[0].value else (a, b)


def _functional(store: ox.Store, ontology: Ontology, nodes: set[str] | None, new: set[str],
                findings: Findings) -> None:
    props = sorted(str(p) for p in ontology.graph.subjects(RDF.type, OWL.FunctionalProperty))
    values = " ".join(f"<{p}>" for p in props)
    rows = _rows(store, f"""
        SELECT ?s ?p ?o1 ?g1 ?o2 ?g2 WHERE {{
          {_values(nodes, "s")}
          VALUES ?p {{ {values} }}
          GRAPH ?g1 {{ ?s ?p ?o1 }}
          GRAPH ?g2 {{ ?s ?p ?o2 }}
          FILTER(STR(?g1) < STR(?g2) && !sameTerm(?o1, ?o2))
        }} ORDER BY ?s ?p ?g1 ?g2""")
    for row in _involving(rows, nodes, "s"):
        owner = _owner(row["s"])
        here, there = _pick((row["g1"], row["o1"]), (row["g2"], row["o2"]), new)
        file, line = _where(store, owner, here[0])
        other_file, other_line = _where(store, owner, there[0])
        prop = ontology.label(URIRef(row["p"].value))
        elsewhere = f"{other_file}:{other_line}" if other_line else other_file
        findings.errors.append(Diagnostic(
            file, line, _slug(owner),
            f"contradiction: {prop} is {_text(here[1])} here but {_text(there[1])} in "
            f"{elsewhere}; it has one value",
            "if the sources disagree, keep the better-sourced value as the fact and record "
            "the other as a claim by its source (stance asserts)"))


def _owner(node: ox.NamedNode) -> ox.NamedNode:
    value = node.value
    if value.startswith(str(ID)):
        return ox.NamedNode(str(ID) + value[len(str(ID)):].split("/", 1)[0])
    return node


def _disjoint(store: ox.Store, ontology: Ontology, nodes: set[str] | None,
              findings: Findings) -> None:
    groups: list[set[URIRef]] = []
    for group in ontology.graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = ontology.graph.value(group, OWL.members)
        if members is not None:

            groups.append({m for m in Collection(ontology.graph, members)
                           if isinstance(m, URIRef)})
    rows = _rows(store, f"""
        SELECT ?s (GROUP_CONCAT(STR(?t); separator=" ") AS ?types) WHERE {{
          {_values(nodes, "s")}
          ?s a ?t . FILTER(STRSTARTS(STR(?t), "{CKG}"))
        }} GROUP BY ?s HAVING (COUNT(DISTINCT ?t) > 1) ORDER BY ?s""")
    for row in _involving(rows, nodes, "s"):
        types = [URIRef(t) for t in sorted(row["types"].value.split())]
        expanded = {t: ontology.superclasses(t) for t in types}
        for i, a in enumerate(types):
            for b in types[i + 1:]:
                if any(x in g and y in g and x != y
                       for g in groups for x in expanded[a] for y in expanded[b]):
                    findings.errors.append(Diagnostic(
                        "graph", None, _slug(row["s"]),
                        f"'{_slug(row['s'])}' is typed two incompatible ways: "
                        f"{ontology.label(a)} and {ontology.label(b)}",
                        "an entity has one kind; use another id for the other thing"))


def _same_event(store: ox.Store, nodes: set[str] | None, new: set[str],
                findings: Findings) -> None:
    classes = " ".join(f"ckg:{c}" for c in ONE_TIME_ACTIONS)
    rows = _rows(store, f"""
        SELECT ?a ?b ?da ?db ?ga ?gb ?label ?what WHERE {{
          BIND("date" AS ?what)
          VALUES ?class {{ {classes} }}
          GRAPH ?ga {{ ?a a ?class ; ckg:actor ?actor ; ckg:treaty ?treaty }}
          GRAPH ?gb {{ ?b a ?class ; ckg:actor ?actor ; ckg:treaty ?treaty }}
          FILTER(STR(?a) < STR(?b))
          OPTIONAL {{ ?a ckg:date ?ad }} OPTIONAL {{ ?a ckg:effectiveDate ?ae }}
          OPTIONAL {{ ?b ckg:date ?bd }} OPTIONAL {{ ?b ckg:effectiveDate ?be }}
          BIND(COALESCE(?ae, ?ad) AS ?da) BIND(COALESCE(?be, ?bd) AS ?db)
          OPTIONAL {{ ?a rdfs:label ?label }}
        }} ORDER BY ?a ?b""")
    rows += _rows(store, """
        SELECT ?a ?b ?da ?db ?ga ?gb ?label ?what WHERE {
          BIND("rank" AS ?what)
          GRAPH ?ga { ?a a ckg:Ranking ; ckg:rankedEntity ?e ; ckg:rankedBy ?by ; ckg:year ?y }
          GRAPH ?gb { ?b a ckg:Ranking ; ckg:rankedEntity ?e ; ckg:rankedBy ?by ; ckg:year ?y }
          FILTER(STR(?a) < STR(?b))
          OPTIONAL { ?a ckg:rank ?da } OPTIONAL { ?b ckg:rank ?db }
          OPTIONAL { ?a rdfs:label ?label }
        } ORDER BY ?a ?b""")
    if nodes is not None:
        # Filtered here, not in SPARQL: `?a IN (...)` over a whole imported dataset's nodes
        # would compare every pair with every node.
        rows = [r for r in rows if r["a"].value in nodes or r["b"].value in nodes]
    for row in rows:
        (gnew, bnew), (gold, aold) = _pick((row["gb"], row["b"]), (row["ga"], row["a"]), new)
        file, line = _where(store, bnew, gnew)
        da, db = row["da"], row["db"]
        if da is not None and db is not None and da.value != db.value:
            what = row["what"].value
            mine = db.value if bnew == row["b"] else da.value
            theirs = da.value if bnew == row["b"] else db.value
            findings.errors.append(Diagnostic(
                file, line, _slug(bnew),
                f"contradiction: the graph already records this as '{_slug(aold)}' "
                f"({_text(row['label'])}) with {what} {theirs}; here the {what} is {mine}",
                "if this is the same event, use the existing id and the existing value, and "
                "record the disagreement as a claim by this source; if it is another event, "
                "say how it differs in its label and note"))
        else:
            findings.duplicates.append(Duplicate(aold.value, bnew.value, file, line))


def _disputes(store: ox.Store, nodes: set[str] | None, findings: Findings) -> None:
    stances = " ".join(f"vocab:stance\\/{s}" for s in OPPOSED_STANCES)
    rows = _rows(store, f"""
        SELECT DISTINCT ?denial ?claim WHERE {{
          {_values(nodes, "denial")}
          ?denial ckg:stance vocab:stance\\/denies ; ckg:claimant ?x ;
                  ckg:proposition [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ] .
          ?claim ckg:claimant ?y ; ckg:stance ?stance ;
                 ckg:proposition [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ] .
          VALUES ?stance {{ {stances} }}
          FILTER(?x != ?y)
          FILTER NOT EXISTS {{ ?denial ckg:denies|ckg:disputes ?claim }}
        }} ORDER BY ?denial ?claim""")
    for row in _involving(rows, nodes, "denial"):
        findings.disputes.append(Dispute(row["denial"].value, row["claim"].value))


def dispute_quads(disputes: list[Dispute]) -> list[ox.Quad]:
    graph = ox.NamedNode(str(DERIVED_GRAPH))
    return [ox.Quad(ox.NamedNode(d.claim), ox.NamedNode(str(CKG.disputes)),
                    ox.NamedNode(d.other), graph) for d in disputes]
