"""The structural reading of SPARQL queries that the Virtuoso adjustments work on: it accepts what
the SPARQL 1.1 query grammar accepts (checked against Oxigraph's parser), says where it fails,
and keeps every node's tokens so that edits leave the rest of the text as written."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from caucasus_kg.core.sparql_text import SparqlSyntaxError
from caucasus_kg.store.query_tree import (
    Alternative,
    Binary,
    Bind,
    Call,
    Filter,
    Inverse,
    Link,
    Modified,
    Negated,
    Optional_,
    Sequence_,
    TriplesBlock,
    Union_,
    expressions,
    groups,
    parse_query,
    path_text,
)

ROOT = Path(__file__).resolve().parents[1]
P = "PREFIX ex: <http://example.org/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"

VALID = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?s { ?s a ex:C ; ex:p ?o , ?o2 ; . }",
    "SELECT DISTINCT ?s (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ex:p ?o } GROUP BY ?s "
    "HAVING (COUNT(*) > 1) ORDER BY DESC(?n) ?s LIMIT 10 OFFSET 2",
    "SELECT * WHERE { ?s ex:p/ex:q|^ex:r* ?o . ?o !(ex:a|^ex:b) ?x . ?x !a ?y . ?y (ex:p)+ ?z }",
    "SELECT * WHERE { ?s ex:p+ 1 . ?s ex:q ?o FILTER(?o > -1 && ?o < +2.5e1 || !BOUND(?o)) }",
    "SELECT * WHERE { ?s ex:p [ ex:q ( 1 \"two\"@en \"3\"^^xsd:integer ) ] . [] ex:r () }",
    "SELECT * WHERE { { ?s ex:p ?o } UNION { ?s ex:q ?o } OPTIONAL { ?o ex:r ?x } "
    "MINUS { ?s a ex:D } GRAPH ?g { ?s ?p2 ?o2 } FILTER NOT EXISTS { ?s ex:gone true } }",
    "SELECT ?x WHERE { { SELECT ?x (GROUP_CONCAT(?l; SEPARATOR=\", \") AS ?ls) WHERE "
    "{ ?x ex:label ?l } GROUP BY ?x } BIND(IF(?x IN (ex:a, ex:b), 1, 0) AS ?in) "
    "FILTER(?x NOT IN (ex:c)) VALUES (?x ?y) { (ex:a UNDEF) } }",
    "SELECT (STRUUID() AS ?u) (NOW() AS ?n) (xsd:integer(\"1\") AS ?i) WHERE {} VALUES ?z { 1 }",
    "ASK { ex:a ex:p ex:b }",
    "ASK FROM <http://example.org/g> FROM NAMED <http://example.org/h> { ?s ?p ?o }",
    "CONSTRUCT { ?s ex:p ?o } WHERE { ?s ex:q ?o }",
    "CONSTRUCT WHERE { ?s ex:q ?o }",
    "DESCRIBE ex:a ?x WHERE { ?x ex:p ex:a }",
    "DESCRIBE <http://example.org/a>",
    "BASE <http://example.org/> SELECT * WHERE { <a> <b> ?c FILTER(REGEX(?c, \"x\", \"i\")) }",
    "SELECT * WHERE { ?s ex:p ?o . FILTER(?o != 1) . ?o ex:q ?x BIND(?x * 2 / 3 - 1 AS ?y) }",
    "SELECT * WHERE { ?s ex:p ?o FILTER ex:fn(?o) FILTER isIRI(?s) }",
]

INVALID = [
    ("SELECT ?x WHERE { ?x }", "line 1, column 22: expected a predicate or property path"),
    ("SELECT * WHERE { ex:a ex:p ex:b ex:c ex:d ex:e }", "line 1, column 33: expected '.'"),
    ("SELECT * WHERE { ?s ex:p* }", "expected a subject or object"),
    ("SELECT * WHERE { ?s ex:p ?o ", "expected '}' to close a group pattern"),
    ("SELECT * WHERE { BIND(1 ?x) }", "expected AS in BIND"),
    ("SELECT * WHERE { FILTER(?x = ) }", "expected an expression"),
    ("SELECT (SUM(?x, ?y) AS ?s) {}", "expected ')' to close SUM"),
    ("SELECT (TRUE AS ?t) {}", "expected '(' after a function name"),
    ("SELECT WHERE { ?s ?p ?o }", "expected '*', variables or (expression AS ?variable)"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "expected a number after LIMIT"),
    ("SELECT * WHERE { ?s ?p ?o } }", "expected the end of the query"),
    ("PREFIX ex <http://example.org/> SELECT * {}", "expected a prefix such as 'ex:'"),
]


def _oxigraph_reads(text: str) -> bool:
    try:
        ox.Store().query(text)
    except SyntaxError:
        return False
    except RuntimeError:
        pass  # read, then not run (an unknown function)
    return True


@pytest.mark.parametrize("text", VALID)
def test_what_the_grammar_accepts_is_read(text: str) -> None:
    assert _oxigraph_reads(P + text)
    tree = parse_query(P + text)
    assert "".join(t.text for t in tree.tokens) == P + text
    assert tree.source(tree.query.span).startswith(text.split()[0]) or text.startswith("BASE")


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_what_the_grammar_refuses_is_located(text: str, message: str) -> None:
    assert not _oxigraph_reads(P + text)
    with pytest.raises(SparqlSyntaxError, match=re.escape(message)):
        parse_query(text)


def test_every_catalogue_query_is_read() -> None:
    for path in sorted((ROOT / "queries").glob("*.rq")):
        tree = parse_query(path.read_text())
        assert tree.query.where is not None, path.name


def _paths(text: str) -> list[object]:
    tree = parse_query(P + text)
    return [p.verb for g, _ in groups(tree.query) for e in g.elements
            if isinstance(e, TriplesBlock) for t in e.triples for p in t.properties]


def test_paths_are_read_with_the_grammars_precedence() -> None:
    (path,) = _paths("SELECT * WHERE { ?s ex:a/^ex:b*|(ex:c|ex:d)+/!(ex:e|^a)? ?o }")
    assert isinstance(path, Alternative)
    first, second = path.parts
    assert isinstance(first, Sequence_) and isinstance(first.parts[0], Link)
    assert isinstance(first.parts[1], Inverse) and isinstance(first.parts[1].path, Modified)
    assert isinstance(second, Sequence_)
    plus, negated = second.parts
    assert isinstance(plus, Modified) and plus.op == "+"
    assert isinstance(plus.path, Alternative)
    assert isinstance(negated, Modified) and isinstance(negated.path, Negated)
    assert path_text(path) == "(ex:a/(^(ex:b*)))|(((ex:c|ex:d)+)/(!(ex:e|^a)?))"
    assert _oxigraph_reads(P + f"SELECT * WHERE {{ ?s {path_text(path)} ?o }}")


def test_a_plus_before_a_number_is_its_sign_not_a_path() -> None:
    (path,) = _paths("SELECT * WHERE { ?s ex:p +1 }")
    assert isinstance(path, Link)
    (path,) = _paths("SELECT * WHERE { ?s ex:p+ 1 }")
    assert isinstance(path, Modified)


def test_expressions_are_found_everywhere_with_their_spans() -> None:
    text = P + ("SELECT (?a + 1 AS ?b) WHERE { BIND(CONCAT(?x, \"y\") AS ?c) "
                "FILTER EXISTS { ?s ex:p ?o FILTER(?o = 2) } OPTIONAL { ?s ex:q ?r "
                "FILTER(STRSTARTS(?r, \"a\")) } } ORDER BY DESC(STRLEN(?c))")
    tree = parse_query(text)
    found = [tree.source(e.span) for e in expressions(tree.query)]
    assert found == ["?a + 1", "(STRLEN(?c))", 'CONCAT(?x, "y")', 'EXISTS { ?s ex:p ?o '
                     'FILTER(?o = 2) }', "(?o = 2)", '(STRSTARTS(?r, "a"))']
    where = tree.query.where
    assert isinstance(where.elements[0], Bind) and isinstance(where.elements[0].expression, Call)
    assert isinstance(where.elements[1], Filter) and isinstance(where.elements[2], Optional_)
    exists = where.elements[1].expression
    assert isinstance(exists, Call) and exists.name == "EXISTS" and exists.group is not None


def test_comparisons_bind_looser_than_arithmetic_and_tighter_than_logic() -> None:
    tree = parse_query("SELECT * WHERE { FILTER(?a + 1 = 2 * ?b || ?c && !?d) }")
    expression = tree.query.where.elements[0].expression.inner
    assert isinstance(expression, Binary) and expression.op == "||"
    assert isinstance(expression.left, Binary) and expression.left.op == "="
    assert expression.left.left.op == "+" and expression.left.right.op == "*"
    assert expression.right.op == "&&"


def test_unions_and_places_are_read() -> None:
    tree = parse_query("SELECT * WHERE { { ?a ?b ?c } UNION { ?d ?e ?f } UNION { ?g ?h ?i } "
                       "GRAPH ex:g { MINUS { ?j ?k ?l } } }")
    assert isinstance(tree.query.where.elements[0], Union_)
    assert len(tree.query.where.elements[0].groups) == 3
    places = [(place.graph, place.within) for _, place in groups(tree.query)]
    assert places[-1] == ("ex:g", "MINUS")
