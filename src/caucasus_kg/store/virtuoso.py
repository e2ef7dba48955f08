"""Queries as they are sent to Virtuoso: adjustments, made on the parsed query, that give
Virtuoso 7.2 the embedded store's (Oxigraph's) answers.

- **Property paths with ``*``, ``+`` or ``?``** are never sent. Virtuoso evaluates them with its
  transitive machinery, which loses or repeats rows depending on the plan it picks (and so on the
  rest of the query and the database). Instead the store asks for the path's single steps (a
  plain query Virtuoso answers right), follows them to the end here, and sends the result as
  ``VALUES``. Nothing is bounded: a chain of any length gives all its rows.
- **Boolean values** (``EXISTS {...}``, ``?a = ?b``, ``true``) bound by BIND or a projection are
  cast to ``xsd:boolean``: Virtuoso gives them as the integers 1 and 0.
- **CONCAT over an unbound value** has no value, as in SPARQL: Virtuoso concatenates an empty
  string instead, so such a CONCAT is sent as ``IF(BOUND(?v), CONCAT(...), ?unbound)``.

docs/stores.md lists each difference, what is done about it and what remains different.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from caucasus_kg.store.query_tree import (
    Alternative,
    Binary,
    Bind,
    Bracketed,
    Call,
    Expression,
    In,
    Inverse,
    Modified,
    Path,
    QueryTree,
    Sequence_,
    Span,
    Term,
    TriplesBlock,
    Unary,
    expressions,
    groups,
    parse_query,
    path_has_modifier,
    path_text,
    selects,
    subexpressions,
)

Rows = Sequence[Sequence[object]]
Select = Callable[[str], Rows]
"""Runs a SELECT query on the server: each row's values (pyoxigraph terms exactly as the server
gives them, None when unbound) in the order of the projection."""

MAX_VALUES = 200_000
"""The most rows a path's ``VALUES`` may have; beyond this the query is refused (a fixed term at
one end of the path keeps it small)."""


class VirtuosoLimit(Exception):
    """A query this store cannot send to Virtuoso without risking a wrong answer."""


def virtuoso_text(text: str, select: Select) -> str:
    """``text`` as it is sent to Virtuoso. ``select`` answers the path steps' queries.

    Raises SparqlSyntaxError (with line and column) when the text is not a SPARQL 1.1 query, and
    VirtuosoLimit when it cannot be sent without risking a wrong answer."""
    tree = parse_query(text)
    edits = [*boolean_edits(tree), *concat_edits(tree), *_Paths(tree, select).edits()]
    return apply_edits(tree, edits)


# --------------------------------------------------------------------------------------------
# Edits on the token list

@dataclass(frozen=True)
class Edit:
    """Tokens ``start``..``end`` replaced by ``text``; an insertion when ``start == end``.

    Insertions at one place are ordered: closing text before opening text, the inner node's
    closing first and the outer node's opening first (``size`` is the size of the node wrapped).
    """

    start: int
    end: int
    text: str
    opening: bool = True
    size: int = 0


def _wrap(span: Span, before: str, after: str) -> list[Edit]:
    size = span.end - span.start
    return [Edit(span.start, span.start, before, True, size),
            Edit(span.end, span.end, after, False, size)]


def apply_edits(tree: QueryTree, edits: Iterable[Edit]) -> str:
    """The query's text with ``edits`` made; everything else exactly as written."""
    inserts: dict[int, list[Edit]] = {}
    replaces: dict[int, Edit] = {}
    for edit in edits:
        if edit.start == edit.end:
            inserts.setdefault(edit.start, []).append(edit)
        else:
            replaces[edit.start] = edit
    out: list[str] = []
    i = 0
    while i <= len(tree.tokens):
        for edit in sorted(inserts.get(i, ()),
                           key=lambda e: (e.opening, -e.size if e.opening else e.size)):
            out.append(edit.text)
        if i == len(tree.tokens):
            break
        replace = replaces.get(i)
        if replace is not None:
            out.append(replace.text)
            i = replace.end
        else:
            out.append(tree.tokens[i].text)
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Booleans

XSD_BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"
BOOLEAN_CALLS = {"BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM",
                 "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LANGMATCHES", "EXISTS",
                 "NOT EXISTS"}
"""Functions whose value is a boolean (SPARQL 1.1, 17.4)."""
_BOOLEAN_OPERATORS = {"||", "&&", "=", "!=", "<", ">", "<=", ">="}


def boolean_edits(tree: QueryTree) -> list[Edit]:
    """Cast each boolean value a BIND, a projection or a GROUP BY binds to ``xsd:boolean``.

    Only the boolean parts are cast: in ``COALESCE(?v, false)`` the ``false``, so a bound ``?v``
    keeps its own type."""
    bound: list[Expression] = []
    for select in selects(tree.query):
        bound += [e for e, _ in select.projection if e is not None]
        bound += [e for e, var in select.group_by if var is not None]
    for group, _ in groups(tree.query):
        bound += [e.expression for e in group.elements if isinstance(e, Bind)]
    edits: list[Edit] = []
    for expression in bound:
        for value in _value_parts(expression):
            if is_boolean(value) and not _is_boolean_cast(value):
                edits += _wrap(value.span, f"{XSD_BOOLEAN}(", ")")
    return edits


def _value_parts(expression: Expression) -> Iterator[Expression]:
    """The parts of ``expression`` whose value can be its value."""
    if isinstance(expression, Bracketed):
        yield from _value_parts(expression.inner)
    elif isinstance(expression, Call) and expression.name == "IF" and len(expression.args) == 3:
        yield from _value_parts(expression.args[1])
        yield from _value_parts(expression.args[2])
    elif isinstance(expression, Call) and expression.name in ("COALESCE", "SAMPLE", "MIN", "MAX"):
        for arg in expression.args:
            yield from _value_parts(arg)
    else:
        yield expression


def is_boolean(expression: Expression) -> bool:
    """Whether an expression's value is a boolean whatever the data."""
    if isinstance(expression, Bracketed):
        return is_boolean(expression.inner)
    if isinstance(expression, Binary):
        return expression.op in _BOOLEAN_OPERATORS
    if isinstance(expression, In):
        return True
    if isinstance(expression, Unary):
        return expression.op == "!"
    if isinstance(expression, Term):
        return expression.kind == "literal" and expression.text in ("true", "false")
    if isinstance(expression, Call):
        return expression.name in BOOLEAN_CALLS or _is_boolean_cast(expression)
    return False


def _is_boolean_cast(expression: Expression) -> bool:
    return isinstance(expression, Call) and expression.name in ("xsd:boolean", XSD_BOOLEAN)


# --------------------------------------------------------------------------------------------
# CONCAT over unbound values

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


def concat_edits(tree: QueryTree) -> list[Edit]:
    """Send ``CONCAT(...)`` as ``IF(BOUND(?v) && ..., CONCAT(...), ?unbound)`` for each variable
    that makes an argument an error when it is unbound (:func:`strict_variables`).

    SPARQL makes such a CONCAT an error, so ``COALESCE(CONCAT("after ", ?d), "")`` falls through to
    ``""``; Virtuoso 7.2 concatenates an empty string instead ("after "). The IF gives no value
    exactly when SPARQL's CONCAT gives none."""
    unbound = _unused(tree, "ckg_remote_unbound")
    edits: list[Edit] = []
    for expression in expressions(tree.query):
        for node in subexpressions(expression):
            if isinstance(node, Call) and node.name == "CONCAT":
                needed = _union(strict_variables(arg) for arg in node.args)
                if needed:
                    test = " && ".join(f"BOUND({v})" for v in needed)
                    edits += _wrap(node.span, f"IF({test}, ", f", {unbound})")
    return edits


def strict_variables(expression: Expression) -> list[str]:
    """The variables whose being unbound makes ``expression`` an error (as written, in order)."""
    if isinstance(expression, Term):
        return [expression.text] if expression.kind == "var" else []
    if isinstance(expression, Bracketed):
        return strict_variables(expression.inner)
    if isinstance(expression, Unary):
        return strict_variables(expression.operand)
    if isinstance(expression, In):
        return strict_variables(expression.operand)
    if isinstance(expression, Binary):
        left, right = strict_variables(expression.left), strict_variables(expression.right)
        if expression.op in ("||", "&&"):  # error || true is true, error && false is false
            return _intersection([left, right])
        return _union([left, right])
    if isinstance(expression, Call):
        if expression.name in ("BOUND", "EXISTS", "NOT EXISTS") or expression.name in _AGGREGATES:
            return []
        args = [strict_variables(a) for a in expression.args]
        if expression.name == "COALESCE":
            return _intersection(args)
        if expression.name == "IF" and len(args) == 3:
            return _union([args[0], _intersection(args[1:])])
        return _union(args)
    return []


def _union(lists: Iterable[list[str]]) -> list[str]:
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name[1:], name)
    return list(seen.values())


def _intersection(lists: list[list[str]]) -> list[str]:
    if not lists:
        return []
    common = set.intersection(*({n[1:] for n in names} for names in lists))
    return [n for n in lists[0] if n[1:] in common]


def _unused(tree: QueryTree, name: str) -> str:
    used = tree.variables()
    n = 0
    while (candidate := f"{name}{n or ''}") in used:
        n += 1
    return f"?{candidate}"


# --------------------------------------------------------------------------------------------
# Property paths with *, + and ?

class _Paths:
    """Replaces each triple whose path has ``*``, ``+`` or ``?`` by patterns Virtuoso answers
    right: single steps joined as written, and the repeated steps as ``VALUES``."""

    def __init__(self, tree: QueryTree, select: Select):
        self.tree = tree
        self.select = select
        self.used = tree.variables()
        self.count = 0
        self.exposed = False
        self.steps: dict[tuple[str | None, str], set[tuple[str, str]]] = {}
        self.nodes: dict[tuple[str | None, str], bool] = {}
        self.terms: dict[str, str] = {}
        self.reader: ox.Store | None = None
        datasets = " ".join(tree.source(s) for s in tree.datasets)
        self.head = tree.source(tree.prologue)
        self.datasets = f" {datasets} " if datasets else " "

    def edits(self) -> list[Edit]:
        edits = []
        for group, place in groups(self.tree.query):
            for element in group.elements:
                if isinstance(element, TriplesBlock) and any(
                        path_has_modifier(p.verb) for t in element.triples for p in t.properties):
                    if place.within is not None:
                        raise VirtuosoLimit(
                            f"a path with *, + or ? inside {place.within}: Virtuoso 7.2 does not "
                            f"join the values it would be sent as with the rest of the query "
                            f"there; write the path outside {place.within}, e.g. "
                            "OPTIONAL { ... BIND(true AS ?found) } and FILTER(BOUND(?found))")
                    edits.append(Edit(element.span.start, element.span.end,
                                      self.block(element, place.graph)))
        return edits

    def fresh(self, exposed: bool = True) -> str:
        """A variable no part of the query uses; ``exposed`` when it is bound outside a
        sub-select, where ``SELECT *`` would show it."""
        while True:
            self.count += 1
            name = f"ckg_path{self.count}"
            if name not in self.used:
                self.exposed = self.exposed or exposed
                return f"?{name}"

    def block(self, block: TriplesBlock, graph: str | None) -> str:
        """The triples of ``block``: those without repeated steps as written (one basic graph
        pattern, so blank node labels keep their scope), then the others' patterns."""
        plain: list[str] = []
        paths: list[str] = []
        for triples in block.triples:
            if not any(path_has_modifier(p.verb) for p in triples.properties):
                plain.append(self.tree.source(triples.span))
                continue
            subject = triples.subject
            for prop in triples.properties:
                for obj in prop.objects:
                    if not path_has_modifier(prop.verb):
                        plain.append(" ".join(self.tree.source(n.span)
                                              for n in (subject, prop.verb, obj)))
                        continue
                    for end in (subject, obj):
                        if not isinstance(end, Term) or end.kind in ("bnode", "nil"):
                            raise VirtuosoLimit(
                                f"'{self.tree.source(end.span)}' at the end of the path "
                                f"{path_text(prop.verb)}: on Virtuoso, a path with *, + or ? "
                                "needs a variable, IRI or literal at each end")
                    paths.append(self.top(subject.text, prop.verb, obj.text, graph))
        return " ".join([*(f"{p} ." for p in plain), *paths])

    def top(self, s: str, path: Path, o: str, graph: str | None) -> str:
        """The pattern of ``s path o``; variables it adds are hidden in a sub-select."""
        self.exposed = False
        text = self.pattern(s, path, o, graph)
        if not self.exposed:
            return text
        ends = _variables(s, o)
        if not ends:
            raise VirtuosoLimit(f"the path {path_text(path)} between two fixed terms: on "
                                "Virtuoso, a sequence with *, + or ? needs a variable at one end")
        return f"{{ SELECT {' '.join(ends)} WHERE {{ {text} }} }}"

    def pattern(self, s: str, path: Path, o: str, graph: str | None) -> str:
        if not path_has_modifier(path):
            return f"{s} {path_text(path)} {o} ."
        if isinstance(path, Inverse):
            return self.pattern(o, path.path, s, graph)
        if isinstance(path, Sequence_):
            nodes = [s, *(self.fresh() for _ in path.parts[1:]), o]
            return " ".join(self.pattern(nodes[i], part, nodes[i + 1], graph)
                            for i, part in enumerate(path.parts))
        if isinstance(path, Alternative):
            # A set of (start, end) pairs, as Oxigraph evaluates an alternative.
            ends = _variables(s, o)
            if not ends:
                raise VirtuosoLimit(f"the path {path_text(path)} between two fixed terms: on "
                                    "Virtuoso, alternatives with *, + or ? need a variable at "
                                    "one end")
            exposed = self.exposed
            union = " UNION ".join(f"{{ {self.pattern(s, part, o, graph)} }}"
                                   for part in path.parts)
            self.exposed = exposed  # the branches' variables stay inside the sub-select
            return f"{{ SELECT DISTINCT {' '.join(ends)} WHERE {{ {union} }} }}"
        assert isinstance(path, Modified)
        return self.repeated(s, path, o, graph)

    # -- repeated steps -----------------------------------------------------------------------

    def repeated(self, s: str, path: Modified, o: str, graph: str | None) -> str:
        """``s path o`` for ``P*``, ``P+`` or ``P?``: the steps of ``P`` are asked for, followed
        here, and the ends sent as VALUES (the zero-length pairs of two variables are left to the
        server: every node of the graph)."""
        if graph is not None and graph[0] in "?$":
            raise VirtuosoLimit(f"the path {path_text(path)} inside GRAPH {graph}: on Virtuoso, a "
                                "path with *, + or ? needs the graph named (GRAPH <iri>) or the "
                                "default graph")
        forward, backward = _adjacency(self.steps_of(path.path, graph))
        s_var, o_var = s[0] in "?$", o[0] in "?$"
        s = s if s_var else self.resolved(s)
        o = o if o_var else self.resolved(o)
        zero = path.op in "*?"
        rows: list[tuple[str, ...]] = []
        if s_var and o_var and s[1:] == o[1:]:
            if zero:
                return self.every_node(s)  # every node is zero steps from itself
            rows = [(n,) for n in sorted(forward) if n in _reach(n, forward, "+")]
            ends = [s]
        elif s_var and o_var:
            rows = [(a, b) for a in sorted(forward) for b in sorted(_reach(a, forward, path.op))
                    if not (zero and a == b)]
            ends = [s, o]
        elif s_var or o_var:
            start, adjacency = (o, backward) if s_var else (s, forward)
            found = _reach(start, adjacency, path.op)
            if zero and self.is_node(start, forward, graph):
                found.add(start)
            rows = [(n,) for n in sorted(found)]
            ends = [s if s_var else o]
        else:  # two fixed ends: the pattern matches once, or not at all
            reached = _reach(s, forward, path.op)
            if zero and o == s and self.is_node(s, forward, graph):
                reached.add(s)
            return "" if o in reached else "{ FILTER(false) }"
        if len(rows) > MAX_VALUES:
            raise VirtuosoLimit(f"the path {path_text(path)} has {len(rows):,} pairs of ends, too "
                                f"many to send to Virtuoso (at most {MAX_VALUES:,}); give one end "
                                "a fixed value")
        if any(term.startswith("_:") for row in rows for term in row):
            raise VirtuosoLimit(f"the path {path_text(path)} reaches a blank node, which cannot "
                                "be named in a query sent to Virtuoso")
        values = _values(ends, rows)
        if len(ends) == 2 and zero:
            return f"{values} UNION {self.every_node(s, o)}"
        return values

    def resolved(self, term: str) -> str:
        """A fixed term as the server's answers write it (prefixed names expanded, numbers as
        typed literals), read by an empty embedded store."""
        if term not in self.terms:
            if self.reader is None:
                self.reader = ox.Store()
            solutions = self.reader.query(f"{self.head}SELECT ({term} AS ?t) WHERE {{}}")
            value = next(iter(solutions))[0]
            if value is None:
                raise VirtuosoLimit(f"'{term}' at the end of a path is not a term")
            self.terms[term] = sparql_term(value)
        return self.terms[term]

    def every_node(self, s: str, o: str | None = None) -> str:
        """Every node of the active graph bound to ``s`` (and ``o``): the zero-length pairs."""
        p, x, y = (self.fresh(exposed=False) for _ in range(3))
        bind = f" BIND({s} AS {o})" if o is not None else ""
        return (f"{{ SELECT DISTINCT {s}{' ' + o if o else ''} WHERE {{ {{ {s} {p} {x} }} UNION "
                f"{{ {y} {p} {s} }}{bind} }} }}")

    def where(self, pattern: str, graph: str | None) -> str:
        inner = pattern if graph is None else f"GRAPH {graph} {{ {pattern} }}"
        return f"{self.datasets}WHERE {{ {inner} }}"

    def steps_of(self, path: Path, graph: str | None) -> set[tuple[str, str]]:
        """The (start, end) pairs of one step of ``path``."""
        key = (graph, path_text(path))
        if key not in self.steps:
            rows = self.select(f"{self.head}SELECT DISTINCT ?s ?o"
                               + self.where(f"?s {path_text(path)} ?o", graph))
            self.steps[key] = {(sparql_term(a), sparql_term(b)) for a, b in rows}
        return self.steps[key]

    def is_node(self, term: str, forward: dict[str, set[str]], graph: str | None) -> bool:
        """Whether ``term`` is a subject or object in the graph: Oxigraph gives a zero-length
        path from a term only then."""
        if term in forward or any(term in ends for ends in forward.values()):
            return True
        key = (graph, term)
        if key not in self.nodes:
            subject = "" if term.startswith('"') else f"{{ {term} ?p ?o }} UNION "
            rows = self.select(f"{self.head}SELECT ?p"
                               + self.where(f"{subject}{{ ?s ?p {term} }}", graph) + " LIMIT 1")
            self.nodes[key] = bool(rows)
        return self.nodes[key]


def _variables(*terms: str) -> list[str]:
    seen: dict[str, str] = {}
    for term in terms:
        if term[0] in "?$":
            seen.setdefault(term[1:], term)
    return list(seen.values())


def _adjacency(edges: set[tuple[str, str]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for a, b in edges:
        forward.setdefault(a, set()).add(b)
        backward.setdefault(b, set()).add(a)
    return forward, backward


def _reach(start: str, adjacency: dict[str, set[str]], op: str) -> set[str]:
    """The nodes one step (``?``) or one or more steps (``*``, ``+``) from ``start``; the
    zero-length step is the caller's."""
    if op == "?":
        return set(adjacency.get(start, ()))
    found: set[str] = set()
    todo = deque(adjacency.get(start, ()))
    while todo:
        node = todo.popleft()
        if node not in found:
            found.add(node)
            todo.extend(adjacency.get(node, ()))
    return found


def _values(variables: list[str], rows: list[tuple[str, ...]]) -> str:
    """``VALUES`` in a sub-select of its own: Virtuoso 7.2 drops a UNION branch that is bare
    ``VALUES``."""
    if len(variables) == 1:
        values = f"VALUES {variables[0]} {{ {' '.join(r[0] for r in rows)} }}"
    else:
        body = " ".join(f"({' '.join(r)})" for r in rows)
        values = f"VALUES ({' '.join(variables)}) {{ {body} }}"
    return f"{{ SELECT {' '.join(variables)} WHERE {{ {values} }} }}"


def sparql_term(term: object) -> str:
    """A term from the server written as it is written in a query (blank nodes as ``_:id``)."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return str(term)
    raise VirtuosoLimit(f"the server sent {term!r} where a term was expected")
