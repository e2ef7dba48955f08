"""SHACL validation compiled to SPARQL and run inside Oxigraph.

The shapes graph is compiled once into SPARQL SELECT queries, one per constraint, each returning
the focus nodes (and value nodes) that violate it; the queries run on a pyoxigraph store holding
the data graphs as named graphs. The report is the one :func:`validation.run_shacl` (pySHACL)
gives: the same :class:`ShaclResult` set, which the tests check on every shape fixture, the
shipped graph, imported datasets and random mutations of them.

What the data graph means here is what pySHACL sees: the union of the data graphs with the
ontology mixed in (its class hierarchy drives sh:targetClass, sh:class and
``rdf:type/rdfs:subClassOf*`` in SPARQL constraints). Graphs of a built store that are not data
(the ontology, the vocabularies, derived facts) are not validated as data; the ontology is made
visible to the queries either from the store's own ontology graph or, when the store has none, by
querying a copy that adds it.

Only the constraint components the shapes use are supported; any other raises
:class:`UnsupportedShape` when the shapes are compiled, so nothing is silently skipped.
Lexical validity of typed literals (``"2023-02-30"^^xsd:date``) is judged with rdflib, exactly as
pySHACL judges it, on the distinct literals of the checked datatypes. Datatypes are judged on the
terms the store holds, as pySHACL and Jena judge a dump of it: Oxigraph keeps every type derived
from xsd:integer as xsd:integer, so the shapes ask for xsd:integer with sh:minInclusive, never for
xsd:positiveInteger, which no stored value has.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from caucasus_kg.checks.contradictions import DERIVED_GRAPH
from caucasus_kg.checks.shacl_results import (
    SEVERITIES,
    ShaclResult,
    located_diagnostics,
    owning_fact,
    result_order,
)
from caucasus_kg.core.cores import free_cores
from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.model.namespaces import CKG, ONTOLOGY_GRAPH, SH, VOCABULARY_GRAPH, compact, is_safe_iri
from caucasus_kg.model.terms import to_ox_term
from caucasus_kg.model.turtle_files import derived

NON_DATA_GRAPHS = frozenset({str(ONTOLOGY_GRAPH), str(VOCABULARY_GRAPH), str(DERIVED_GRAPH)})
"""Named graphs of a built store that are not data: the ontology, vocabularies, derived facts."""

_ONTOLOGY_GRAPHS = frozenset({str(ONTOLOGY_GRAPH), str(VOCABULARY_GRAPH)})


class UnsupportedShape(ValueError):
    """The shapes graph uses a SHACL feature this engine does not implement."""


# ------------------------------------------------------------------------------------------
# Compiled form
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Check:
    """One constraint as a query. Placeholders filled at run time: ``{{FOCUS}}`` (a VALUES
    clause of the focus nodes, if any), ``{{CLASS:<iri>}}`` (the IRIs of that class and its
    subclasses; ``{{CLASS,:<iri>}}`` the same with commas between them, for ``IN``) and
    ``{{ILL:<datatype>}}`` (a filter excluding ill-typed literals of that datatype)."""

    shape: str
    severity: str
    messages: tuple[str, ...]
    path: str | None
    query: str
    sparql: bool = False
    """A SPARQL-based constraint: ?value, ?path and other variables fill the message."""
    limit_one: bool = False
    needs: tuple[str, ...] = ()
    """Properties that must all occur in the data for the query to find anything."""


@dataclass
class _Compiled:
    checks: list[_Check] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    datatypes: set[str] = field(default_factory=set)
    datatype_predicates: set[str] | None = field(default_factory=set)
    """The properties whose values have datatype constraints (None: any property may)."""
    depth: int = 1
    """How many steps from a focus node a value checked for its datatype can lie."""


_PREFIXES = (f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n")
_LENIENT_DATATYPES = {str(XSD.string), str(RDF.langString), str(RDFS.Literal)}
_SHAPE_KEYS = {RDF.type, RDFS.label, RDFS.comment, SH.severity, SH.message, SH.targetClass,
               SH.targetSubjectsOf, SH.property, SH.sparql, SH.path, SH.name, SH.description}
_VALUE_KEYS = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.minLength, SH["in"],
               SH.languageIn, SH.minInclusive, SH["not"], SH["or"]}
_PROPERTY_KEYS = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape,
                  SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.equals, SH.disjoint}
_NODE_KINDS = {SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})",
               SH.BlankNode: "isBlank({v})", SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
               SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
               SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))"}


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.out = _Compiled()
        self.counter = 0
        self.context: list[str | None] = []
        """The property whose values the constraint being compiled checks (None: unknown)."""

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"?_{stem}{self.counter}"

    def where(self, node) -> str:
        return f"{node.n3()}" if isinstance(node, URIRef) else repr(node)

    # -- shapes ----------------------------------------------------------------------------
    def compile(self) -> _Compiled:
        for key in (SH.targetNode, SH.targetObjectsOf, SH.target):
            for shape in self.g.subjects(key, None):
                raise UnsupportedShape(f"{self.where(shape)} uses {compact(str(key))}, which "
                                       "the SPARQL validator does not support; use "
                                       "sh:targetClass or sh:targetSubjectsOf")
        shapes = set(self.g.subjects(SH.targetClass, None)) | \
            set(self.g.subjects(SH.targetSubjectsOf, None))
        for shape in self.g.subjects(RDF.type, SH.NodeShape):
            if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
                raise UnsupportedShape(f"{self.where(shape)} is also a class (implicit class "
                                       "target), which the SPARQL validator does not support")
        for shape in sorted(shapes, key=str):
            self.top_shape(shape)
        return self.out

    def check_keys(self, node, allowed: set) -> None:
        for p in set(self.g.predicates(node, None)):
            if p not in allowed and str(p).startswith(str(SH)):
                raise UnsupportedShape(
                    f"shape {self.where(node)} uses {compact(str(p))}, a constraint the SPARQL "
                    "validator does not support; implement it in shacl_sparql.py or validate "
                    "with --reference")

    def severity(self, node) -> str:
        return SEVERITIES.get(self.g.value(node, SH.severity) or SH.Violation, "error")

    def messages(self, node) -> tuple[str, ...]:
        return tuple(str(m) for m in self.g.objects(node, SH.message))

    def target(self, shape) -> str:
        parts = []
        for cls in sorted(self.g.objects(shape, SH.targetClass), key=str):
            parts.append(f"{{ ?this rdf:type ?_tc . VALUES ?_tc {{ {self.cls(cls)} }} }}")
        for prop in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            parts.append(f"{{ ?this {prop.n3()} ?_ts }}")
        # A plain group, not a DISTINCT subquery, so that Oxigraph can start from the
        # constraint's own (usually rarer) triples; every query deduplicates its results.
        return "{ {{FOCUS}} " + " UNION ".join(parts) + " }"

    def cls(self, cls, for_in: bool = False) -> str:
        """A placeholder for ``cls`` and its subclasses: separated by spaces for VALUES, by
        commas with ``for_in``."""
        if not isinstance(cls, URIRef):
            raise UnsupportedShape(f"sh:class or sh:targetClass {cls!r} is not an IRI")
        self.out.classes.add(str(cls))
        return f"{{{{CLASS{',' if for_in else ''}:{cls}}}}}"

    def top_shape(self, shape) -> None:
        if (shape, SH.deactivated, None) in self.g:
            raise UnsupportedShape(f"{self.where(shape)} uses sh:deactivated, which the SPARQL "
                                   "validator does not support")
        if (shape, SH.path, None) in self.g:
            raise UnsupportedShape(f"{self.where(shape)} is a property shape with targets, which "
                                   "the SPARQL validator does not support; put it under a node "
                                   "shape's sh:property")
        self.check_keys(shape, _SHAPE_KEYS | _VALUE_KEYS)
        target = self.target(shape)
        name = compact(str(shape)) if isinstance(shape, URIRef) else ""
        severity = self.severity(shape)
        self.context.append(None)
        node_tests = self.value_tests(shape, "?this")
        self.context.pop()
        if node_tests:
            self.need_messages(shape)
            for test in node_tests:
                self.add(_Check(name, severity, self.messages(shape), None,
                                f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {target} "
                                f"FILTER(!({test})) }}"))
        for prop in self.g.objects(shape, SH.property):
            self.property_shape(prop, target)
        for constraint in self.g.objects(shape, SH.sparql):
            self.sparql(shape, constraint, name, severity, target)

    def add(self, check: _Check) -> None:
        self.out.checks.append(check)

    def need_messages(self, node) -> None:
        if not self.messages(node):
            raise UnsupportedShape(f"shape {self.where(node)} has no sh:message; the SPARQL "
                                   "validator reports only the shapes' own messages, so add one")

    def property_shape(self, prop, target: str) -> None:
        self.check_keys(prop, _SHAPE_KEYS | _VALUE_KEYS | _PROPERTY_KEYS)
        for key in (SH.property, SH.sparql):
            if (prop, key, None) in self.g:
                raise UnsupportedShape(f"property shape {self.where(prop)} has "
                                       f"{compact(str(key))}, which the SPARQL validator does "
                                       "not support there")
        path_node = self.g.value(prop, SH.path)
        path = self.path(path_node)
        result_path = compact(str(path_node)) if isinstance(path_node, URIRef) else None
        self.out.depth = max(self.out.depth, self.path_length(path_node))
        severity = self.severity(prop)
        self.need_messages(prop)
        messages = self.messages(prop)

        needs = self.predicates(path_node)

        def add(query: str, needed: tuple[str, ...] = needs) -> None:
            self.add(_Check("", severity, messages, result_path, query, needs=needed))

        self.context.append(self.terminal(path_node))
        tests = self.value_tests(prop, "?value")
        if tests:
            # One query for all of them: their results are the same (same shape, message, value).
            failing = " || ".join(f"!({test})" for test in tests)
            add(f"SELECT DISTINCT ?this ?value WHERE {{ ?this {path} ?value . {target} "
                f"FILTER({failing}) }}")
        low = self.g.value(prop, SH.minCount)
        high = self.g.value(prop, SH.maxCount)
        if low is not None or high is not None:
            add(self.count_query(target, path, "", low, high),
                () if low is not None and int(low) > 0 else needs)
        qvs = self.g.value(prop, SH.qualifiedValueShape)
        if qvs is not None:
            if (prop, SH.qualifiedValueShapesDisjoint, None) in self.g:
                raise UnsupportedShape("sh:qualifiedValueShapesDisjoint is not supported")
            test = self.conforms(qvs, "?value")
            qlow = self.g.value(prop, SH.qualifiedMinCount)
            add(self.count_query(target, path, f"FILTER({test})", qlow,
                                 self.g.value(prop, SH.qualifiedMaxCount)),
                () if qlow is not None and int(qlow) > 0 else needs)
        self.context.pop()
        if self.g.value(prop, SH.uniqueLang) == Literal(True):
            add(f"SELECT DISTINCT ?this WHERE {{ {target} ?this {path} ?_a , ?_b . "
                "FILTER(!sameTerm(?_a, ?_b) && LANG(?_a) != \"\" "
                "&& LCASE(LANG(?_a)) = LCASE(LANG(?_b))) }")
        for other in self.g.objects(prop, SH.equals):
            add(f"SELECT DISTINCT ?this ?value WHERE {{ {target} "
                f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {other.n3()} ?value }} }} "
                f"UNION {{ ?this {other.n3()} ?value FILTER NOT EXISTS "
                f"{{ ?this {path} ?value }} }} }}", ())
        for other in self.g.objects(prop, SH.disjoint):
            add(f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {path} ?value . "
                f"?this {other.n3()} ?value }}")

    def count_query(self, target: str, path: str, value_filter: str, low, high) -> str:
        conditions = []
        if low is not None and int(low) > 0:
            conditions.append(f"COUNT(DISTINCT ?value) < {int(low)}")
        if high is not None:
            conditions.append(f"COUNT(DISTINCT ?value) > {int(high)}")
        if not conditions:
            return "SELECT ?this WHERE { FILTER(false) }"
        return (f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?value {value_filter} }} "
                f"}} GROUP BY ?this HAVING ({' || '.join(conditions)})")

    # -- paths -----------------------------------------------------------------------------
    def path(self, node) -> str:
        if isinstance(node, URIRef):
            return node.n3()
        if node is None:
            raise UnsupportedShape("a property shape without sh:path")
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in Collection(self.g, node)) + ")"
        inverse = self.g.value(node, SH.inversePath)
        if inverse is not None:
            return f"^({self.path(inverse)})"
        alternative = self.g.value(node, SH.alternativePath)
        if alternative is not None:
            return "(" + "|".join(self.path(p) for p in Collection(self.g, alternative)) + ")"
        for key, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                        (SH.zeroOrOnePath, "?")):
            inner = self.g.value(node, key)
            if inner is not None:
                return f"({self.path(inner)}){op}"
        raise UnsupportedShape(f"unsupported property path {node!r}")

    def predicates(self, node) -> tuple[str, ...]:
        """Properties every value of the path is reached through (none if not simple)."""
        if isinstance(node, URIRef):
            return (str(node),)
        if (node, RDF.first, None) in self.g:
            steps = [self.predicates(p) for p in Collection(self.g, node)]
            return tuple(p for step in steps for p in step)
        inverse = self.g.value(node, SH.inversePath)
        if isinstance(inverse, URIRef):
            return (str(inverse),)
        return ()

    def terminal(self, node) -> str | None:
        """The property whose objects are the path's values, if there is a single one."""
        if isinstance(node, URIRef):
            return str(node)
        if (node, RDF.first, None) in self.g:
            return self.terminal(list(Collection(self.g, node))[-1])
        return None

    def path_length(self, node) -> int:
        if (node, RDF.first, None) in self.g:
            return sum(self.path_length(p) for p in Collection(self.g, node))
        return 1

    # -- value tests: SPARQL boolean expressions over one value node ------------------------
    def value_tests(self, node, v: str) -> list[str]:
        """One expression per constraint of ``node`` that applies to each value node."""
        tests = []
        g = self.g
        for cls in g.objects(node, SH["class"]):
            # The value's own few types, each looked up in the list: a VALUES of the class and
            # its subclasses would be joined first, one index lookup per class and value.
            t = self.fresh("t")
            tests.append(f"EXISTS {{ {v} rdf:type {t} . FILTER({t} IN ({self.cls(cls, for_in=True)})) }}")
        for datatype in g.objects(node, SH.datatype):
            tests.append(self.datatype(datatype, v))
        for kind in g.objects(node, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {kind!r}")
            tests.append(_NODE_KINDS[kind].format(v=v))
        for pattern in g.objects(node, SH.pattern):
            if (node, SH.flags, None) in g:
                raise UnsupportedShape("sh:flags is not supported")
            tests.append(f"(!isBlank({v}) && REGEX(STR({v}), {_string(str(pattern))}))")
        for length in g.objects(node, SH.minLength):
            n = int(length)
            tests.append("true" if n == 0 else f"(!isBlank({v}) && STRLEN(STR({v})) >= {n})")
        for members in g.objects(node, SH["in"]):
            terms = list(Collection(g, members))
            options = " || ".join(f"sameTerm({v}, {_term(t)})" for t in terms) or "false"
            tests.append(f"({options})")
        for langs in g.objects(node, SH.languageIn):
            wanted = [str(x).lower() for x in Collection(g, langs)]
            if "*" in wanted:
                tests.append(f"(isLiteral({v}) && LANG({v}) != \"\")")
                continue
            options = " || ".join(
                f"LCASE(LANG({v})) = {_string(w)} || "
                f"(CONTAINS(LANG({v}), \"-\") && LCASE(STRBEFORE(LANG({v}), \"-\")) = "
                f"{_string(w)})" for w in wanted)
            tests.append(f"(isLiteral({v}) && LANG({v}) != \"\" && ({options}))")
        for minimum in g.objects(node, SH.minInclusive):
            tests.append(self.min_inclusive(minimum, v))
        for negated in g.objects(node, SH["not"]):
            tests.append(f"!({self.conforms(negated, v)})")
        for options in g.objects(node, SH["or"]):
            alternatives = [self.conforms(s, v) for s in Collection(g, options)]
            tests.append("(" + " || ".join(alternatives or ["false"]) + ")")
        return tests

    def datatype(self, dt, v: str) -> str:
        if str(dt) == str(RDFS.Literal):
            return f"isLiteral({v})"
        if str(dt) == str(XSD.string):
            return f"(isLiteral({v}) && DATATYPE({v}) = {XSD.string.n3()} && LANG({v}) = \"\")"
        if str(dt) == str(RDF.langString):
            return f"(isLiteral({v}) && LANG({v}) != \"\")"
        self.out.datatypes.add(str(dt))
        where = self.context[-1] if self.context else None
        if where is None:
            self.out.datatype_predicates = None
        elif self.out.datatype_predicates is not None:
            self.out.datatype_predicates.add(where)
        return f"(isLiteral({v}) && DATATYPE({v}) = {dt.n3()} && {{{{ILL:{dt}|{v}}}}})"

    def min_inclusive(self, minimum, v: str) -> str:
        if not isinstance(minimum, Literal) or isinstance(minimum.value, str):
            raise UnsupportedShape("sh:minInclusive is only supported with a numeric or date "
                                   "literal")
        strings = f"DATATYPE({v}) IN ({XSD.string.n3()}, {RDF.langString.n3()})"
        return f"COALESCE(isLiteral({v}) && !({strings}) && {v} >= {_term(minimum)}, false)"

    def conforms(self, shape, v: str) -> str:
        """An expression true when ``v`` conforms to the nested ``shape``."""
        if (shape, SH.targetClass, None) in self.g or (shape, SH.sparql, None) in self.g:
            raise UnsupportedShape(f"nested shape {self.where(shape)} has targets or SPARQL "
                                   "constraints, which the SPARQL validator does not support")
        path_node = self.g.value(shape, SH.path)
        if path_node is None:
            self.check_keys(shape, _SHAPE_KEYS | _VALUE_KEYS)
            tests = self.value_tests(shape, v)
            for prop in self.g.objects(shape, SH.property):
                tests.append(self.conforms(prop, v))
            return "(" + " && ".join(tests or ["true"]) + ")"
        self.check_keys(shape, _SHAPE_KEYS | _VALUE_KEYS | {SH.minCount, SH.maxCount})
        if (shape, SH.property, None) in self.g:
            raise UnsupportedShape("nested property shapes with sh:property are not supported")
        path = self.path(path_node)
        self.out.depth = max(self.out.depth, 1 + self.path_length(path_node))
        tests = []
        low = self.g.value(shape, SH.minCount)
        if low is not None and int(low) > 0:
            tests.append(f"EXISTS {{ {self.distinct_values(v, path, int(low))} }}")
        high = self.g.value(shape, SH.maxCount)
        if high is not None:
            tests.append(f"NOT EXISTS {{ {self.distinct_values(v, path, int(high) + 1)} }}")
        x = self.fresh("x")
        self.context.append(self.terminal(path_node))
        for test in self.value_tests(shape, x):
            tests.append(f"NOT EXISTS {{ {v} {path} {x} FILTER(!({test})) }}")
        self.context.pop()
        return "(" + " && ".join(tests or ["true"]) + ")"

    def distinct_values(self, v: str, path: str, n: int) -> str:
        xs = [self.fresh("x") for _ in range(n)]
        pattern = " . ".join(f"{v} {path} {x}" for x in xs)
        different = [f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:]]
        return pattern + (f" FILTER({' && '.join(different)})" if different else "")

    # -- SPARQL-based constraints ----------------------------------------------------------
    def sparql(self, shape, constraint, name: str, severity: str, target: str) -> None:
        self.check_keys(constraint, {RDF.type, RDFS.label, RDFS.comment, SH.select, SH.message,
                                     SH.prefixes})
        select = self.g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"{self.where(constraint)} has no sh:select")
        text = str(select)
        for var in ("$PATH", "$currentShape", "$shapesGraph", "?PATH", "?currentShape",
                    "?shapesGraph"):
            if var in text:
                raise UnsupportedShape(f"{self.where(constraint)} uses {var}, which the SPARQL "
                                       "validator does not support")
        text = re.sub(r"\$this\b", "?this", text)
        limit_one = False
        tail = re.search(r"\}\s*LIMIT\s+(\d+)\s*$", text, re.IGNORECASE)
        if tail:
            if tail.group(1) != "1":
                raise UnsupportedShape(f"{self.where(constraint)}: only LIMIT 1 is supported")
            limit_one = True
            text = text[:tail.start() + 1]
        if re.search(r"\b(ORDER\s+BY|OFFSET|GROUP\s+BY|SERVICE)\b", text, re.IGNORECASE):
            raise UnsupportedShape(f"{self.where(constraint)}: ORDER BY, OFFSET, GROUP BY and "
                                   "SERVICE are not supported in SPARQL constraints")
        where = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
        if where is None:
            raise UnsupportedShape(f"{self.where(constraint)}: the query needs a WHERE clause")
        text = text[:where.end()] + f" {target} " + text[where.end():]
        prefixes = []
        for decl_holder in self.g.objects(constraint, SH.prefixes):
            for decl in self.g.objects(decl_holder, SH.declare):
                prefixes.append(f"PREFIX {self.g.value(decl, SH.prefix)}: "
                                f"<{self.g.value(decl, SH.namespace)}>")
        messages = self.messages(shape) + self.messages(constraint)
        if not messages:
            raise UnsupportedShape(f"{self.where(constraint)} has no sh:message")
        self.add(_Check(name, severity, messages, None, "\n".join(prefixes) + "\n" + text,
                        sparql=True, limit_one=limit_one))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _term(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.language:
            return f"{_string(str(term))}@{term.language}"
        if term.datatype is not None:
            return f"{_string(str(term))}^^<{term.datatype}>"
        return _string(str(term))
    raise UnsupportedShape(f"blank node {term!r} in a constraint")


_CACHE: dict[int, tuple[weakref.ref, int, _Compiled]] = {}


def compile_shapes(shapes: Graph) -> _Compiled:
    """The shapes as queries; compiled once per file content for a graph read from a file, else
    once per graph object (the graph must not change)."""
    return derived(shapes, "compiled shapes", lambda: _compiled_per_object(shapes))


def _compiled_per_object(shapes: Graph) -> _Compiled:
    cached = _CACHE.get(id(shapes))
    if cached is not None and cached[0]() is shapes and cached[1] == len(shapes):
        return cached[2]
    compiled = _Compiler(shapes).compile()
    _CACHE[id(shapes)] = (weakref.ref(shapes), len(shapes), compiled)
    return compiled


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------

def validate_store(store: ox.Store, shapes: Graph, ontology: Graph,
                   focus: Iterable[str] | None = None) -> list[ShaclResult]:
    """Validate the union of the store's data graphs against ``shapes``, with ``ontology``
    mixed in; only the ``focus`` nodes (those of them that shapes target), if given.

    The result equals :func:`validation.run_shacl` on the same data.
    """
    compiled = compile_shapes(shapes)
    graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    if not _holds_ontology(store, graphs, ontology):
        store = _with_ontology(store, ontology)
        graphs.add(str(ONTOLOGY_GRAPH))
    options: dict[str, object]
    if str(DERIVED_GRAPH) in graphs:
        options = {"default_graph": [ox.NamedNode(g) for g in sorted(graphs - {str(DERIVED_GRAPH)})]}
    else:
        options = {"use_default_graph_as_union": True}
    focus_values = ""
    keep: set[str] | None = None
    if focus is not None:
        iris = sorted({str(f) for f in focus if is_safe_iri(str(f))})
        if not iris:
            return []
        if len(iris) <= MAX_FOCUS_VALUES:
            focus_values = "VALUES ?this { " + " ".join(f"<{i}>" for i in iris) + " }"
        else:
            keep = set(iris)
    runner = _Runner(store, options, compiled, focus_values)
    results: set[ShaclResult] = set()
    # Oxigraph evaluates queries without holding the GIL: the checks run side by side, on the
    # cores a load into the store (an import's, in a thread) leaves free.
    with ThreadPoolExecutor(max_workers=min(4, free_cores())) as pool:
        for found in pool.map(runner.run, compiled.checks):
            results.update(r for r in found if keep is None or r.focus in keep)
    return sorted(results, key=result_order)


MAX_FOCUS_VALUES = 5000
"""Up to this many focus nodes are bound in each query; a larger focus (a whole imported
dataset) is validated in full and the results outside it dropped, which gives the same results
and is much faster than joining every check with a huge VALUES list."""


def store_diagnostics(results: list[ShaclResult], store: ox.Store) -> list[Diagnostic]:
    """:func:`validation.to_diagnostics` with the source files and lines looked up in ``store``
    (one query for all results)."""
    nodes = sorted({n for r in results for n in (r.focus, owning_fact(r.focus)) if is_safe_iri(n)})
    where: dict[str, tuple[str | None, int | None]] = {}
    if nodes:
        values = " ".join(f"<{n}>" for n in nodes)
        rows = store.query(
            f"SELECT ?n (SAMPLE(?f) AS ?file) (SAMPLE(?l) AS ?line) WHERE {{ VALUES ?n {{ {values} }} "
            f"OPTIONAL {{ ?n <{CKG.sourceFile}> ?f }} OPTIONAL {{ ?n <{CKG.sourceLine}> ?l }} }} "
            "GROUP BY ?n", use_default_graph_as_union=True)
        for row in rows:
            file, line = row["file"], row["line"]
            where[row["n"].value] = (file.value if file is not None else None,
                                     _int(line.value) if line is not None else None)
    return located_diagnostics(results, lambda node: where.get(node, (None, None)))


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _holds_ontology(store: ox.Store, graphs: set[str], ontology: Graph) -> bool:
    """Whether the store's ontology and vocabulary graphs hold (at least) ``ontology``."""
    held = sorted(graphs & _ONTOLOGY_GRAPHS)
    if not held:
        return False
    count = 0
    for name in held:
        rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        count += int(next(iter(rows))["n"].value)
    return count >= len(ontology)


def _with_ontology(store: ox.Store, ontology: Graph) -> ox.Store:
    """A copy of ``store`` with the ontology added, for a store that does not hold it."""
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    copy.bulk_extend(_ontology_quads(ontology))
    return copy


def _ontology_quads(ontology: Graph) -> list[ox.Quad]:
    """``ontology`` as quads of the ontology graph; converted once for a graph read from files
    (converting its 3,000 triples took a third of validating a small file)."""
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    return derived(ontology, "quads of the ontology graph", lambda: [
        ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), graph) for s, p, o in ontology])


class _Runner:
    def __init__(self, store: ox.Store, options: dict, compiled: _Compiled, focus_values: str):
        self.store = store
        self.seen: dict[str, bool] = {}
        self.options = options
        self.focus_values = focus_values
        self.classes = {c: self.subclasses(c) for c in sorted(compiled.classes)}
        self.ill = self.ill_typed(compiled) if compiled.datatypes else {}

    def select(self, text: str) -> ox.QuerySolutions:
        return self.store.query(text, **self.options)  # type: ignore[arg-type]

    def subclasses(self, cls: str) -> str:
        rows = self.select(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}")
        found = {r["c"].value for r in rows if isinstance(r["c"], ox.NamedNode)} | {cls}
        return " ".join(f"<{c}>" for c in sorted(found) if is_safe_iri(c))

    def ill_typed(self, compiled: _Compiled) -> dict[str, list[str]]:
        """Literals of the checked datatypes that pySHACL would find ill-typed, by datatype."""
        datatypes = ", ".join(f"<{d}>" for d in sorted(compiled.datatypes))
        condition = f"FILTER(isLiteral(?v) && DATATYPE(?v) IN ({datatypes}))"
        predicates = compiled.datatype_predicates
        only = "" if predicates is None else \
            "VALUES ?p { " + " ".join(f"<{p}>" for p in sorted(predicates)) + " } "
        if self.focus_values:
            steps = " UNION ".join(
                "{ " + self.focus_values + " ?this " +
                "/".join(["(<urn:x:none>|!<urn:x:none>)"] * n) + " ?v }"
                for n in range(1, compiled.depth + 1))
            text = f"SELECT DISTINCT ?v WHERE {{ {steps} {condition} }}"
        else:
            text = f"SELECT DISTINCT ?v WHERE {{ {only}?s ?p ?v {condition} }}"
        bad: dict[str, list[str]] = {}
        logger = logging.getLogger("rdflib.term")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for row in self.select(text):
                    lit = row["v"]
                    dt = lit.datatype.value
                    if not _well_typed(Literal(lit.value, datatype=URIRef(dt))):
                        bad.setdefault(dt, []).append(_literal_text(lit))
        finally:
            logger.setLevel(level)
        return bad

    def fill(self, query: str) -> str:
        query = query.replace("{{FOCUS}}", self.focus_values)

        def cls(match: re.Match) -> str:
            found = self.classes[match.group(2)]
            return found.replace(" ", ", ") if match.group(1) else found

        def ill(match: re.Match) -> str:
            bad = self.ill.get(match.group(1))
            if not bad:
                return "true"
            v = match.group(2)
            return "!(" + " || ".join(f"sameTerm({v}, {b})" for b in bad) + ")"

        query = re.sub(r"\{\{CLASS(,?):([^}]*)\}\}", cls, query)
        return re.sub(r"\{\{ILL:([^|}]*)\|([^}]*)\}\}", ill, query)

    def present(self, predicate: str) -> bool:
        if predicate not in self.seen:
            found = self.store.query(f"ASK {{ ?s <{predicate}> ?o }}", **self.options)
            self.seen[predicate] = bool(found)
        return self.seen[predicate]

    def run(self, check: _Check) -> list[ShaclResult]:
        if not all(self.present(p) for p in check.needs):
            return []
        rows = self.select(_PREFIXES + self.fill(check.query))
        return self.results(check, rows)

    def results(self, check: _Check, rows: ox.QuerySolutions) -> list[ShaclResult]:
        out: list[ShaclResult] = []
        names = [v.value for v in rows.variables]
        seen_focus: set[str] = set()
        solutions = [{n: s[n] for n in names if s[n] is not None} for s in rows]
        if check.limit_one:
            solutions.sort(key=lambda s: sorted((k, _literal_text(t)) for k, t in s.items()))
        for solution in solutions:
            this = solution["this"]
            focus = this.value
            if check.limit_one:
                if focus in seen_focus:
                    continue
                seen_focus.add(focus)
            value = solution.get("value")
            path = check.path
            messages = check.messages
            if check.sparql:
                if value is None:
                    value = this
                path_term = solution.get("path")
                path = compact(path_term.value) if isinstance(path_term, ox.NamedNode) else None
                bound = {k: t for k, t in solution.items()
                         if k not in ("this", "path", "value", "failure")}
                bound["this"] = this
                if path_term is not None:
                    bound["path"] = path_term
                bound["value"] = value
                messages = tuple(_format(m, bound) for m in messages)
            out.append(ShaclResult(
                focus=focus,
                path=path,
                severity=check.severity,
                message=sorted(messages)[0],
                shape=check.shape,
                value=_show(value) if value is not None else None,
            ))
        return out


def _format(message: str, bound: dict) -> str:
    for name, term in bound.items():
        message = re.sub(f"{{[?$]{name}}}", term.value, message)
    return message


def _show(term) -> str:
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    return term.value


def _literal_text(term) -> str:
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{_string(term.value)}@{term.language}"
        return f"{_string(term.value)}^^<{term.datatype.value}>"
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    return f"_:{term.value}"


def _well_typed(lit: Literal) -> bool:
    """pySHACL's sh:datatype test for a literal whose datatype is the required one."""
    if getattr(lit, "ill_typed", None) is True:
        return False
    value = lit.value
    expected = {
        str(XSD.integer): int, str(XSD.decimal): _decimal(), str(XSD.boolean): bool,
        str(XSD.float): float,
    }.get(str(lit.datatype))
    if expected is not None:
        return isinstance(value, expected)
    if str(lit.datatype) == str(XSD.date):
        return isinstance(value, dt.date)
    if str(lit.datatype) == str(XSD.dateTime):
        return isinstance(value, dt.datetime)
    if str(lit.datatype) == str(XSD.time):
        return isinstance(value, dt.time)
    return True


def _decimal() -> type:
    return Decimal


__all__ = ["NON_DATA_GRAPHS", "UnsupportedShape", "compile_shapes", "store_diagnostics",
           "validate_store"]
