"""A structural reading of a SPARQL 1.1 query, for the adjustments a store makes before it sends
the query to a server (store/virtuoso.py).

It reads the tokens of :func:`caucasus_kg.core.sparql_text.tokens` with the query grammar's own
rules (SPARQL 1.1, section 19.8): group patterns, triples with their property paths, FILTER,
BIND, sub-selects and expressions. Every node keeps the span of tokens it was read from, so an
adjustment replaces exactly those tokens, and everything else (comments, layout, strings) is
sent as written. Text the grammar does not accept is refused with its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from caucasus_kg.core.sparql_text import SparqlSyntaxError, Token, tokens


@dataclass(frozen=True)
class Span:
    """Tokens ``start`` up to (not including) ``end`` of :attr:`QueryTree.tokens`."""

    start: int
    end: int


# --------------------------------------------------------------------------------------------
# Nodes

@dataclass
class Term:
    """A variable, IRI, prefixed name, literal, blank node, ``[]`` or ``()``."""

    span: Span
    kind: str
    """"var", "iri" (an IRI or prefixed name), "literal", "bnode" (a label, ``[]``) or "nil"."""
    text: str


@dataclass
class Link:
    """A path step over one predicate (an IRI, prefixed name or ``a``)."""

    span: Span
    text: str


@dataclass
class Negated:
    """A negated property set ``!p`` or ``!(p|^q)``, kept as written."""

    span: Span
    text: str


@dataclass
class Inverse:
    span: Span
    path: Path


@dataclass
class Sequence_:
    span: Span
    parts: list[Path]


@dataclass
class Alternative:
    span: Span
    parts: list[Path]


@dataclass
class Modified:
    """``path*``, ``path+`` or ``path?``."""

    span: Span
    path: Path
    op: str


Path = Link | Negated | Inverse | Sequence_ | Alternative | Modified


@dataclass
class BlankNodeList:
    """``[ p o ; ... ]``."""

    span: Span
    properties: list[Property]


@dataclass
class Collection:
    """``( a b c )``."""

    span: Span
    items: list[Node]


Node = Term | BlankNodeList | Collection


@dataclass
class Property:
    verb: Path | Term
    """A path, or a variable used as the predicate."""
    objects: list[Node]


@dataclass
class Triples:
    """One subject with its property list (``TriplesSameSubjectPath``)."""

    span: Span
    subject: Node
    properties: list[Property]


@dataclass
class TriplesBlock:
    """Triples separated by ``.``, up to the next pattern that is not a triple."""

    span: Span
    triples: list[Triples]


@dataclass
class Call:
    """A built-in call, aggregate, function call (``name`` is then the IRI as written) or
    ``[NOT] EXISTS { ... }`` (``name`` "EXISTS" or "NOT EXISTS", ``group`` set)."""

    span: Span
    name: str
    args: list[Expression] = field(default_factory=list)
    group: Group | None = None


@dataclass
class Unary:
    span: Span
    op: str
    operand: Expression


@dataclass
class Binary:
    span: Span
    op: str
    left: Expression
    right: Expression


@dataclass
class In:
    span: Span
    operand: Expression
    items: list[Expression]
    negated: bool


@dataclass
class Bracketed:
    span: Span
    inner: Expression


Expression = Term | Call | Unary | Binary | In | Bracketed


@dataclass
class Filter:
    span: Span
    expression: Expression


@dataclass
class Bind:
    span: Span
    expression: Expression
    var: Term


@dataclass
class Values:
    span: Span


@dataclass
class Optional_:
    span: Span
    group: Group


@dataclass
class Minus:
    span: Span
    group: Group


@dataclass
class GraphPattern:
    span: Span
    graph: Term
    group: Group


@dataclass
class Service:
    span: Span
    endpoint: Term
    group: Group


@dataclass
class Union_:
    span: Span
    groups: list[Group]


@dataclass
class Group:
    """``{ ... }``; ``select`` is set for a sub-select, ``elements`` otherwise."""

    span: Span
    elements: list[Element] = field(default_factory=list)
    select: Select | None = None


Element = (TriplesBlock | Filter | Bind | Values | Optional_ | Minus | GraphPattern | Service
           | Union_ | Group)


@dataclass
class Select:
    """A query's (or sub-select's) projection, pattern and modifiers."""

    span: Span
    form: str
    """SELECT, CONSTRUCT, DESCRIBE or ASK."""
    projection: list[tuple[Expression | None, Term]] = field(default_factory=list)
    """``(expression, ?var)`` for ``(expr AS ?var)``, ``(None, ?var)`` for a plain variable;
    empty for ``SELECT *`` and the other forms."""
    where: Group | None = None
    modifiers: list[Expression] = field(default_factory=list)
    """The expressions of GROUP BY, HAVING and ORDER BY."""
    group_by: list[tuple[Expression, Term | None]] = field(default_factory=list)


@dataclass
class QueryTree:
    """A parsed query and the tokens it was read from."""

    text: str
    tokens: list[Token]
    prologue: Span
    """PREFIX and BASE declarations."""
    datasets: list[Span]
    """FROM and FROM NAMED clauses."""
    query: Select

    def source(self, span: Span) -> str:
        """The text of ``span``, exactly as written."""
        return "".join(t.text for t in self.tokens[span.start:span.end])

    def variables(self) -> set[str]:
        """Every variable name in the query (without ``?``/``$``)."""
        return {t.text[1:] for t in self.tokens if t.kind == "var"}


# --------------------------------------------------------------------------------------------
# Walking

@dataclass(frozen=True)
class Place:
    """Where a group pattern is: the graph term (as written) of the innermost ``GRAPH`` around
    it, None for the default graph; and ``EXISTS``, ``NOT EXISTS`` or ``MINUS`` when it is
    inside one of those, None otherwise."""

    graph: str | None = None
    within: str | None = None


def groups(select: Select) -> Iterator[tuple[Group, Place]]:
    """Every group pattern of a query, sub-selects and EXISTS included, with its place."""
    if select.where is not None:
        yield from _groups(select.where, Place())
    for expression in _select_expressions(select):
        yield from _expression_groups(expression, Place())


def _select_expressions(select: Select) -> Iterator[Expression]:
    for expression, _ in select.projection:
        if expression is not None:
            yield expression
    yield from select.modifiers


def _groups(group: Group, place: Place) -> Iterator[tuple[Group, Place]]:
    yield group, place
    if group.select is not None:
        if group.select.where is not None:
            yield from _groups(group.select.where, place)
        for expression in _select_expressions(group.select):
            yield from _expression_groups(expression, place)
        return
    for element in group.elements:
        if isinstance(element, Group):
            yield from _groups(element, place)
        elif isinstance(element, (Optional_, Service)):
            yield from _groups(element.group, place)
        elif isinstance(element, Minus):
            yield from _groups(element.group, Place(place.graph, "MINUS"))
        elif isinstance(element, GraphPattern):
            yield from _groups(element.group, Place(element.graph.text, place.within))
        elif isinstance(element, Union_):
            for member in element.groups:
                yield from _groups(member, place)
        elif isinstance(element, (Filter, Bind)):
            yield from _expression_groups(element.expression, place)


def _expression_groups(expression: Expression, place: Place) -> Iterator[tuple[Group, Place]]:
    for node in subexpressions(expression):
        if isinstance(node, Call) and node.group is not None:
            yield from _groups(node.group, Place(place.graph, node.name))


def subexpressions(expression: Expression) -> Iterator[Expression]:
    """``expression`` and every expression inside it (not inside EXISTS groups)."""
    yield expression
    if isinstance(expression, Call):
        for arg in expression.args:
            yield from subexpressions(arg)
    elif isinstance(expression, Unary):
        yield from subexpressions(expression.operand)
    elif isinstance(expression, Binary):
        yield from subexpressions(expression.left)
        yield from subexpressions(expression.right)
    elif isinstance(expression, In):
        yield from subexpressions(expression.operand)
        for item in expression.items:
            yield from subexpressions(item)
    elif isinstance(expression, Bracketed):
        yield from subexpressions(expression.inner)


def selects(select: Select) -> Iterator[Select]:
    """The query and every sub-select in it."""
    yield select
    for group, _ in groups(select):
        if group.select is not None:
            yield group.select


def expressions(select: Select) -> Iterator[Expression]:
    """Every top-level expression of the query: projections, FILTER and BIND, GROUP BY, HAVING
    and ORDER BY, in sub-selects and EXISTS groups too."""
    for each in selects(select):
        yield from _select_expressions(each)
    for group, _ in groups(select):
        for element in group.elements:
            if isinstance(element, (Filter, Bind)):
                yield element.expression


# --------------------------------------------------------------------------------------------
# Reading

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_PATTERN_WORDS = {"OPTIONAL", "MINUS", "GRAPH", "SERVICE", "FILTER", "BIND", "VALUES"}


def parse_query(text: str) -> QueryTree:
    """Read a SELECT, CONSTRUCT, DESCRIBE or ASK query. Raises SparqlSyntaxError (with line and
    column) for text the SPARQL 1.1 query grammar does not accept."""
    return _Reader(text).query()


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokens(text)
        self.code = [i for i, t in enumerate(self.tokens) if t.kind not in ("ws", "comment")]
        self.pos = 0

    # -- tokens -------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token | None:
        at = self.pos + ahead
        return self.tokens[self.code[at]] if at < len(self.code) else None

    def index(self) -> int:
        """The index in :attr:`tokens` of the next code token (or the end)."""
        return self.code[self.pos] if self.pos < len(self.code) else len(self.tokens)

    def after(self) -> int:
        """The index in :attr:`tokens` just after the last token read."""
        return self.code[self.pos - 1] + 1 if self.pos else 0

    def span_from(self, start: int) -> Span:
        return Span(start, self.after())

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            self.fail("the query ends too early")
        self.pos += 1
        return token

    def is_word(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == "word" and token.text.upper() in words

    def is_punct(self, text: str, ahead: int = 0) -> bool:
        """Whether the next tokens are the punctuation ``text`` (one or two characters written
        together, such as ``&&`` or ``^^``)."""
        first = self.peek(ahead)
        if first is None or first.kind != "punct" or first.text != text[0]:
            return False
        if len(text) == 1:
            return True
        second = self.peek(ahead + 1)
        return (second is not None and second.kind == "punct" and second.text == text[1]
                and second.start == first.start + 1)

    def take_punct(self, text: str) -> bool:
        if self.is_punct(text):
            self.pos += len(text)
            return True
        return False

    def take_word(self, *words: str) -> bool:
        if self.is_word(*words):
            self.pos += 1
            return True
        return False

    def expect_punct(self, text: str, what: str) -> None:
        if not self.take_punct(text):
            self.fail(f"expected '{text}' {what}")

    def expect_word(self, word: str, what: str) -> None:
        if not self.take_word(word):
            self.fail(f"expected {word} {what}")

    def fail(self, message: str) -> None:
        token = self.peek()
        offset = token.start if token is not None else len(self.text)
        found = f", found '{token.text[:40]}'" if token is not None else ""
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        raise SparqlSyntaxError(message + found, line, column)

    # -- the query ----------------------------------------------------------------------------

    def query(self) -> QueryTree:
        prologue_start = self.index()
        while True:
            if self.take_word("BASE"):
                self.iri("after BASE")
            elif self.take_word("PREFIX"):
                token = self.next()
                if token.kind != "pname" or token.text.find(":") != len(token.text) - 1:
                    self.pos -= 1
                    self.fail("expected a prefix such as 'ex:' after PREFIX")
                self.iri("after the prefix")
            else:
                break
        prologue = Span(prologue_start, self.index())
        start = self.index()
        datasets: list[Span] = []
        if self.take_word("SELECT"):
            select = self.select_clause(start)
            self.dataset_clauses(datasets)
            select.where = self.where_clause()
            self.solution_modifiers(select)
        elif self.take_word("CONSTRUCT"):
            select = Select(Span(start, start), "CONSTRUCT")
            if self.is_punct("{"):
                self.skip_braces()
                self.dataset_clauses(datasets)
                select.where = self.where_clause()
            else:
                self.dataset_clauses(datasets)
                self.expect_word("WHERE", "in CONSTRUCT WHERE { ... }")
                start_where = self.index()
                self.expect_punct("{", "after CONSTRUCT WHERE")
                blocks: list[Element] = []
                if not self.is_punct("}"):
                    blocks.append(self.triples_block())
                self.expect_punct("}", "after the triples of CONSTRUCT WHERE")
                select.where = Group(self.span_from(start_where), blocks)
            self.solution_modifiers(select)
        elif self.take_word("DESCRIBE"):
            select = Select(Span(start, start), "DESCRIBE")
            if not self.take_punct("*"):
                while self.peek() is not None and self.peek().kind in ("var", "iri", "pname"):
                    self.pos += 1
            self.dataset_clauses(datasets)
            if self.is_word("WHERE") or self.is_punct("{"):
                select.where = self.where_clause()
            self.solution_modifiers(select)
        elif self.take_word("ASK"):
            select = Select(Span(start, start), "ASK")
            self.dataset_clauses(datasets)
            select.where = self.where_clause()
            self.solution_modifiers(select)
        else:
            self.fail("expected SELECT, CONSTRUCT, DESCRIBE or ASK")
        if self.take_word("VALUES"):
            self.data_block()
        if self.peek() is not None:
            self.fail("expected the end of the query")
        select.span = Span(start, len(self.tokens))
        return QueryTree(self.text, self.tokens, prologue, datasets, select)

    def iri(self, what: str) -> Term:
        token = self.peek()
        if token is None or token.kind not in ("iri", "pname"):
            self.fail(f"expected an IRI {what}")
        start = self.index()
        self.pos += 1
        return Term(self.span_from(start), "iri", token.text)

    def select_clause(self, start: int) -> Select:
        select = Select(Span(start, start), "SELECT")
        self.take_word("DISTINCT", "REDUCED")
        if self.take_punct("*"):
            return select
        while True:
            token = self.peek()
            if token is not None and token.kind == "var":
                select.projection.append((None, self.var()))
            elif self.take_punct("("):
                expression = self.expression()
                self.expect_word("AS", "in (expression AS ?variable)")
                var = self.var()
                self.expect_punct(")", "after (expression AS ?variable")
                select.projection.append((expression, var))
            else:
                break
        if not select.projection:
            self.fail("expected '*', variables or (expression AS ?variable) after SELECT")
        return select

    def var(self) -> Term:
        token = self.peek()
        if token is None or token.kind != "var":
            self.fail("expected a variable")
        start = self.index()
        self.pos += 1
        return Term(self.span_from(start), "var", token.text)

    def dataset_clauses(self, datasets: list[Span]) -> None:
        while self.is_word("FROM"):
            start = self.index()
            self.pos += 1
            self.take_word("NAMED")
            self.iri("after FROM")
            datasets.append(self.span_from(start))

    def where_clause(self) -> Group:
        self.take_word("WHERE")
        return self.group()

    def solution_modifiers(self, select: Select) -> None:
        if self.is_word("GROUP"):
            self.pos += 1
            self.expect_word("BY", "after GROUP")
            while True:
                if self.take_punct("("):
                    expression = self.expression()
                    var = None
                    if self.take_word("AS"):
                        var = self.var()
                    self.expect_punct(")", "after a GROUP BY expression")
                    select.group_by.append((expression, var))
                elif self.peek() is not None and self.peek().kind == "var":
                    var = self.var()
                    select.group_by.append((var, None))
                elif self.starts_call():
                    select.group_by.append((self.primary(), None))
                else:
                    break
            if not select.group_by:
                self.fail("expected what to group by")
            select.modifiers.extend(e for e, _ in select.group_by)
        if self.take_word("HAVING"):
            select.modifiers.append(self.constraint())
            while self.is_punct("(") or self.starts_call():
                select.modifiers.append(self.constraint())
        if self.is_word("ORDER"):
            self.pos += 1
            self.expect_word("BY", "after ORDER")
            count = 0
            while True:
                if self.take_word("ASC", "DESC"):
                    if not self.is_punct("("):
                        self.fail("expected '(' after ASC or DESC")
                    select.modifiers.append(self.primary())
                elif self.peek() is not None and self.peek().kind == "var":
                    select.modifiers.append(self.var())
                elif self.is_punct("(") or self.starts_call():
                    select.modifiers.append(self.constraint())
                else:
                    break
                count += 1
            if not count:
                self.fail("expected what to order by")
        for _ in range(2):
            if self.take_word("LIMIT", "OFFSET"):
                token = self.next()
                if token.kind != "number":
                    self.pos -= 1
                    self.fail("expected a number after LIMIT or OFFSET")

    def data_block(self) -> Values:
        start = self.after() - 1
        token = self.peek()
        if token is not None and token.kind == "var":
            self.pos += 1
        elif self.take_punct("("):
            while self.peek() is not None and self.peek().kind == "var":
                self.pos += 1
            self.expect_punct(")", "after the variables of VALUES")
        else:
            self.fail("expected a variable or '(' after VALUES")
        if not self.is_punct("{"):
            self.fail("expected '{' with the values")
        self.skip_braces()
        return Values(self.span_from(start))

    def skip_braces(self) -> None:
        """Read a ``{ ... }`` whose content is not adjusted (a CONSTRUCT template, VALUES)."""
        level = 0
        while True:
            token = self.next()
            if token.kind == "punct" and token.text == "{":
                level += 1
            elif token.kind == "punct" and token.text == "}":
                level -= 1
                if level == 0:
                    return

    # -- group patterns -----------------------------------------------------------------------

    def group(self) -> Group:
        start = self.index()
        self.expect_punct("{", "to open a group pattern")
        if self.is_word("SELECT"):
            sub_start = self.index()
            self.pos += 1
            select = self.select_clause(sub_start)
            select.where = self.where_clause()
            self.solution_modifiers(select)
            if self.take_word("VALUES"):
                self.data_block()
            select.span = Span(sub_start, self.after())
            self.expect_punct("}", "to close the sub-select")
            return Group(self.span_from(start), select=select)
        elements: list[Element] = []
        while not self.is_punct("}"):
            if self.peek() is None:
                self.fail("expected '}' to close a group pattern")
            if self.is_punct("{") or self.is_word(*_PATTERN_WORDS):
                elements.append(self.pattern())
                self.take_punct(".")
            elif elements and isinstance(elements[-1], TriplesBlock):
                self.fail("expected '.' between triples")
            else:
                elements.append(self.triples_block())
        self.pos += 1
        return Group(self.span_from(start), elements)

    def pattern(self) -> Element:
        start = self.index()
        if self.is_punct("{"):
            members = [self.group()]
            while self.take_word("UNION"):
                members.append(self.group())
            return members[0] if len(members) == 1 else Union_(self.span_from(start), members)
        word = self.next().text.upper()
        if word == "OPTIONAL":
            group = self.group_here()
            return Optional_(self.span_from(start), group)
        if word == "MINUS":
            group = self.group_here()
            return Minus(self.span_from(start), group)
        if word == "GRAPH":
            graph = self.var_or_iri("after GRAPH")
            group = self.group_here()
            return GraphPattern(self.span_from(start), graph, group)
        if word == "SERVICE":
            self.take_word("SILENT")
            endpoint = self.var_or_iri("after SERVICE")
            group = self.group_here()
            return Service(self.span_from(start), endpoint, group)
        if word == "FILTER":
            expression = self.constraint()
            return Filter(self.span_from(start), expression)
        if word == "BIND":
            self.expect_punct("(", "after BIND")
            expression = self.expression()
            self.expect_word("AS", "in BIND(expression AS ?variable)")
            var = self.var()
            self.expect_punct(")", "to close BIND")
            return Bind(self.span_from(start), expression, var)
        return self.data_block()  # VALUES

    def group_here(self) -> Group:
        if not self.is_punct("{"):
            self.fail("expected '{'")
        return self.group()

    def var_or_iri(self, what: str) -> Term:
        token = self.peek()
        if token is not None and token.kind == "var":
            return self.var()
        return self.iri(what)

    def triples_block(self) -> TriplesBlock:
        start = self.index()
        triples = [self.triples()]
        while self.take_punct("."):
            if self.is_punct("}") or self.is_punct("{") or self.is_word(*_PATTERN_WORDS):
                break
            triples.append(self.triples())
        return TriplesBlock(self.span_from(start), triples)

    def triples(self) -> Triples:
        start = self.index()
        subject = self.graph_node()
        if isinstance(subject, (BlankNodeList, Collection)) and not self.starts_verb():
            return Triples(self.span_from(start), subject, [])
        properties = self.property_list("after the subject")
        return Triples(self.span_from(start), subject, properties)

    def starts_verb(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        return (token.kind in ("var", "iri", "pname") or self.is_word("A")
                or (token.kind == "punct" and token.text in "^!("))

    def property_list(self, what: str) -> list[Property]:
        if not self.starts_verb():
            self.fail(f"expected a predicate or property path {what}")
        properties = []
        while True:
            token = self.peek()
            verb = self.var() if token is not None and token.kind == "var" else self.path()
            objects = [self.graph_node()]
            while self.take_punct(","):
                objects.append(self.graph_node())
            properties.append(Property(verb, objects))
            if not self.take_punct(";"):
                return properties
            while self.take_punct(";"):
                pass
            if not self.starts_verb():
                return properties

    def graph_node(self) -> Node:
        token = self.peek()
        start = self.index()
        if token is None:
            self.fail("expected a subject or object")
        if token.kind == "punct" and token.text == "[":
            self.pos += 1
            if self.take_punct("]"):
                return Term(self.span_from(start), "bnode", "[]")
            properties = self.property_list("inside [ ... ]")
            self.expect_punct("]", "to close [ ... ]")
            return BlankNodeList(self.span_from(start), properties)
        if token.kind == "punct" and token.text == "(":
            self.pos += 1
            if self.take_punct(")"):
                return Term(self.span_from(start), "nil", "()")
            items = []
            while not self.take_punct(")"):
                items.append(self.graph_node())
            return Collection(self.span_from(start), items)
        term = self.term()
        if term is None:
            self.fail("expected a subject or object (a variable, IRI, literal or blank node)")
        return term

    def term(self) -> Term | None:
        """A variable, IRI, literal or blank node label at the current token, or None."""
        token = self.peek()
        start = self.index()
        if token is None:
            return None
        if token.kind == "var":
            self.pos += 1
            return Term(self.span_from(start), "var", token.text)
        if token.kind in ("iri", "pname"):
            self.pos += 1
            return Term(self.span_from(start), "iri", token.text)
        if token.kind == "bnode":
            self.pos += 1
            return Term(self.span_from(start), "bnode", token.text)
        if token.kind == "string":
            self.pos += 1
            if self.peek() is not None and self.peek().kind == "langtag":
                self.pos += 1
            elif self.take_punct("^^"):
                self.iri("after ^^")
            return Term(self.span_from(start), "literal", self.source(start))
        if token.kind == "number" or (token.kind == "punct" and token.text in "+-"
                                      and self.signed_number()):
            self.pos += 1 if token.kind == "number" else 2
            return Term(self.span_from(start), "literal", self.source(start))
        if token.kind == "word" and token.text in ("true", "false"):
            self.pos += 1
            return Term(self.span_from(start), "literal", token.text)
        return None

    def signed_number(self) -> bool:
        sign, number = self.peek(), self.peek(1)
        return (number is not None and number.kind == "number"
                and number.start == sign.start + 1)

    def source(self, start: int) -> str:
        return "".join(t.text for t in self.tokens[start:self.after()])

    # -- property paths -----------------------------------------------------------------------

    def path(self) -> Path:
        start = self.index()
        parts = [self.path_sequence()]
        while self.take_punct("|"):
            parts.append(self.path_sequence())
        return parts[0] if len(parts) == 1 else Alternative(self.span_from(start), parts)

    def path_sequence(self) -> Path:
        start = self.index()
        parts = [self.path_step()]
        while self.take_punct("/"):
            parts.append(self.path_step())
        return parts[0] if len(parts) == 1 else Sequence_(self.span_from(start), parts)

    def path_step(self) -> Path:
        start = self.index()
        if self.take_punct("^"):
            inner = self.path_element()
            return Inverse(self.span_from(start), inner)
        return self.path_element()

    def path_element(self) -> Path:
        start = self.index()
        primary = self.path_primary()
        token = self.peek()
        if (token is not None and token.kind == "punct" and token.text in "*+?"
                and not (token.text == "+" and self.signed_number())):
            self.pos += 1
            return Modified(self.span_from(start), primary, token.text)
        return primary

    def path_primary(self) -> Path:
        start = self.index()
        token = self.peek()
        if token is not None and (token.kind in ("iri", "pname") or self.is_word("A")):
            self.pos += 1
            return Link(self.span_from(start), token.text)
        if self.take_punct("!"):
            if self.take_punct("("):
                if not self.take_punct(")"):
                    self.negated_one()
                    while self.take_punct("|"):
                        self.negated_one()
                    self.expect_punct(")", "to close the negated property set")
            else:
                self.negated_one()
            return Negated(self.span_from(start), self.source(start))
        if self.take_punct("("):
            inner = self.path()
            self.expect_punct(")", "to close the path")
            return inner
        self.fail("expected a predicate or property path")
        raise AssertionError  # unreachable: fail raises

    def negated_one(self) -> None:
        self.take_punct("^")
        token = self.peek()
        if token is not None and (token.kind in ("iri", "pname") or self.is_word("A")):
            self.pos += 1
        else:
            self.fail("expected an IRI or 'a' in the negated property set")

    # -- expressions --------------------------------------------------------------------------

    def constraint(self) -> Expression:
        if self.is_punct("("):
            return self.primary()
        if self.starts_call():
            return self.primary()
        self.fail("expected '(', a function or EXISTS")
        raise AssertionError  # unreachable: fail raises

    def starts_call(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind == "word":
            return (self.is_punct("(", 1) or self.is_word("EXISTS")
                    or (self.is_word("NOT") and self.is_word("EXISTS", ahead=1)))
        return token.kind in ("iri", "pname") and self.is_punct("(", 1)

    def expression(self) -> Expression:
        return self.binary(0)

    _LEVELS = (("||",), ("&&",), (), ("+", "-"), ("*", "/"))
    """Binary operators from the loosest to the tightest; level 2 holds comparisons and IN."""

    def binary(self, level: int) -> Expression:
        if level == len(self._LEVELS):
            return self.unary()
        start = self.index()
        left = self.binary(level + 1)
        if level == 2:  # RelationalExpression: at most one comparison, no chaining
            if self.is_word("IN") or (self.is_word("NOT") and self.is_word("IN", ahead=1)):
                negated = self.take_word("NOT")
                self.pos += 1
                items = self.expression_list()
                return In(self.span_from(start), left, items, negated)
            op = next((o for o in ("!=", "<=", ">=", "=", "<", ">") if self.is_punct(o)), None)
            if op is None:
                return left
            self.pos += len(op)
            right = self.binary(level + 1)
            return Binary(self.span_from(start), op, left, right)
        while True:
            op = next((o for o in self._LEVELS[level] if self.is_punct(o)), None)
            if op is None:
                return left
            self.pos += len(op)
            right = self.binary(level + 1)
            left = Binary(self.span_from(start), op, left, right)

    def expression_list(self) -> list[Expression]:
        if not self.take_punct("("):
            self.fail("expected '(' with a list of expressions")
        items: list[Expression] = []
        if self.take_punct(")"):
            return items
        items.append(self.expression())
        while self.take_punct(","):
            items.append(self.expression())
        self.expect_punct(")", "to close the list")
        return items

    def unary(self) -> Expression:
        start = self.index()
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text in "!+-" \
                and not self.is_punct("!=") and not self.signed_number():
            self.pos += 1
            operand = self.primary()
            return Unary(self.span_from(start), token.text, operand)
        return self.primary()

    def primary(self) -> Expression:
        start = self.index()
        token = self.peek()
        if token is None:
            self.fail("expected an expression")
        if self.take_punct("("):
            inner = self.expression()
            self.expect_punct(")", "to close the bracketed expression")
            return Bracketed(self.span_from(start), inner)
        if self.is_word("NOT") and self.is_word("EXISTS", ahead=1) or self.is_word("EXISTS"):
            name = "NOT EXISTS" if self.take_word("NOT") else "EXISTS"
            self.pos += 1
            group = self.group_here()
            return Call(self.span_from(start), name, group=group)
        if token.kind == "word" and token.text not in ("true", "false"):
            self.pos += 1
            name = token.text.upper()
            if not self.is_punct("("):
                self.pos -= 1
                self.fail("expected '(' after a function name")
            args = self.arguments(name)
            return Call(self.span_from(start), name, args)
        if token.kind in ("iri", "pname") and self.is_punct("(", 1):
            self.pos += 1
            args = self.arguments(token.text)
            return Call(self.span_from(start), token.text, args)
        term = self.term()
        if term is None or term.kind == "bnode":
            if term is not None:
                self.pos -= 1
            self.fail("expected an expression")
        return term

    def arguments(self, name: str) -> list[Expression]:
        self.expect_punct("(", f"after {name}")
        args: list[Expression] = []
        if self.take_punct(")"):
            return args
        self.take_word("DISTINCT")
        if name == "COUNT" and self.take_punct("*"):
            self.expect_punct(")", "after COUNT(*")
            return args
        args.append(self.expression())
        while name not in _AGGREGATES and self.take_punct(","):
            args.append(self.expression())
        if name == "GROUP_CONCAT" and self.take_punct(";"):
            self.expect_word("SEPARATOR", "after ';' in GROUP_CONCAT")
            self.expect_punct("=", "after SEPARATOR")
            if self.peek() is None or self.peek().kind != "string":
                self.fail("expected the separator string")
            self.pos += 1
        self.expect_punct(")", f"to close {name}(...)")
        return args


def path_has_modifier(path: Path | Term) -> bool:
    """Whether a path has ``*``, ``+`` or ``?`` anywhere in it."""
    if isinstance(path, Modified):
        return True
    if isinstance(path, Inverse):
        return path_has_modifier(path.path)
    if isinstance(path, (Sequence_, Alternative)):
        return any(path_has_modifier(p) for p in path.parts)
    return False


def path_text(path: Path) -> str:
    """A path written out again, with parentheses around every compound part."""
    if isinstance(path, (Link, Negated)):
        return path.text
    if isinstance(path, Inverse):
        return "^" + _wrapped(path.path)
    if isinstance(path, Sequence_):
        return "/".join(_wrapped(p) for p in path.parts)
    if isinstance(path, Alternative):
        return "|".join(_wrapped(p) for p in path.parts)
    return _wrapped(path.path) + path.op


def _wrapped(path: Path) -> str:
    return path.text if isinstance(path, (Link, Negated)) else f"({path_text(path)})"
