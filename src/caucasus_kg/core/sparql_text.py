"""Reading SPARQL text exactly as a SPARQL engine does: a tokenizer that follows the terminals of
the SPARQL 1.1 grammar (with SPARQL 1.2's escapes in strings and IRIs, as Oxigraph reads them),
what a query may do, and parameter binding.

Everything that decides what a query is allowed to do reads the tokens, never the raw text: a
comment ends at a line feed *or* a carriage return, a prefixed name may hold escaped ``\\#`` and
``\\'``, and a ``\\u`` escape is only valid inside strings and IRIs. Text that does not tokenize
is refused before any engine sees it. :func:`check_query` is the one function the server, the
command line and the SPARQL-server store use to refuse updates and ``SERVICE``.

Oxigraph's substitution only applies to variables in the SELECT projection, and parameters are
usually not projected. So a parameter ``?name`` is replaced, token by token, by the N-Triples form
of its already-validated RDF term: a value can never inject SPARQL, because IRIs and literals are
written by pyoxigraph's own escaping.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_MORE = "\u00B7\u0300-\u036F\u203F-\u2040"
"""PN_CHARS beyond PN_CHARS_U, '-' and digits."""
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_UCHAR = r"(?:\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})"
_ECHAR = r"\\[tbnrf\\\"']"

_WS = re.compile(r"[ \t\r\n]+")
_COMMENT = re.compile(r"#[^\r\n]*")
_IRIREF = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")
_STRINGS = (
    re.compile(rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    re.compile(rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    re.compile(rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"'),
    re.compile(rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"),
)
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PUNCT = "{}()[];,.=!<>|&+-*/^~?"
_ESCAPE_ANYWHERE = re.compile(_UCHAR)


@dataclass(frozen=True)
class _Names:
    """The patterns of the grammar's names (variables, prefixed names, keywords, blank nodes)."""

    var: re.Pattern[str]
    prefix: re.Pattern[str]
    local: re.Pattern[str]
    word: re.Pattern[str]
    bnode: re.Pattern[str]


@functools.cache
def _names(ascii_only: bool) -> _Names:
    """The name patterns; with ``ascii_only``, their classes cut to ASCII, which match ASCII text
    exactly as the full ones do. Compiling the full classes (every letter of Unicode) takes tens
    of milliseconds, so it is done only for a text that is not ASCII."""
    base = "A-Za-z" if ascii_only else _BASE
    more = "" if ascii_only else _MORE
    u = base + "_"
    chars = u + "\\-0-9" + more
    return _Names(
        var=re.compile(rf"[?$][{u}0-9][{u}0-9{more}]*"),
        prefix=re.compile(rf"(?:[{base}](?:[{chars}.]*[{chars}])?)?:"),
        local=re.compile(rf"(?:[{u}:0-9]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?"),
        word=re.compile(rf"[{base}](?:[{chars}]*)"),
        bnode=re.compile(rf"_:[{u}0-9](?:[{chars}.]*[{chars}])?"),
    )


UPDATE_KEYWORDS = frozenset(("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                             "COPY", "WITH"))
"""Words that only SPARQL Update has: a query never contains one as a keyword."""
QUERY_FORMS = frozenset(("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"))


class SparqlSyntaxError(ValueError):
    """Text that is not made of SPARQL tokens; ``line`` and ``column`` count from 1."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column


class QueryRefused(Exception):
    """A query or request that may not run here, with the HTTP status an endpoint answers."""

    def __init__(self, status: int, message: str, reason: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        """"syntax", "update", "service" or "form" for the query checks; "" otherwise."""


class Token(NamedTuple):
    """One token: its kind, its text and where it starts in the text read."""

    kind: str
    """"ws", "comment", "iri", "string", "var", "pname", "bnode", "langtag", "number", "word"
    (a keyword, function name or ``a``) or "punct"."""
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    """The SPARQL tokens of ``text`` with white space and comments kept, so that joining their
    texts gives ``text`` back. Raises SparqlSyntaxError at the first character that starts no
    token (an unknown character, an unterminated string, a bad escape).

    ASCII text (every catalogue query) is cut into tokens by one pattern of all the terminals,
    in the regular expression engine; what it cannot read, and any other text, is read by
    :func:`tokens_one_by_one`, which says what is wrong. Both give the same tokens
    (``tests/test_query_safety.py`` compares them)."""
    if not text.isascii():
        return tokens_one_by_one(text)
    parts = _terminals().findall(text)
    if "".join(parts) != text:  # a character that starts no token was skipped
        return tokens_one_by_one(text)  # which says which, and where
    starts = itertools.accumulate(map(len, parts), initial=0)
    return list(map(Token._make, zip(map(_kind, parts), parts, starts, strict=False)))  # one start more


_KIND_OF_FIRST = {**dict.fromkeys(" \t\r\n", "ws"), "#": "comment", '"': "string",
                  "'": "string", "@": "langtag", **dict.fromkeys("0123456789", "number")}
"""The kind of a token of ASCII text that its first character alone tells."""


def _kind(part: str) -> str:
    """The kind of a token :func:`_terminals` read, from its first character and length."""
    kind = _KIND_OF_FIRST.get(part[0])
    if kind is not None:
        return kind
    first = part[0]
    if len(part) == 1 and first in _PUNCT:
        return "punct"  # before what a longer token starting with it is: < ? . alone
    if first == "<":
        return "iri"
    if first in "?$":
        return "var"
    if first == "_":
        return "bnode"
    if first == ".":
        return "number"
    return "pname" if ":" in part else "word"  # a keyword never holds a colon, a pname always


@functools.cache
def _terminals() -> re.Pattern[str]:
    """One pattern for every terminal of ASCII text, in the order :func:`tokens_one_by_one` tries
    them where two could start at one character (an IRI before ``<``, a variable before ``?``, a
    number before ``.``, a prefixed name before a keyword)."""
    names = _names(True)
    alternatives = (_WS.pattern, _COMMENT.pattern, _IRIREF.pattern,
                    *(p.pattern for p in _STRINGS), names.var.pattern, names.bnode.pattern,
                    _LANGTAG.pattern, _NUMBER.pattern, "[" + re.escape(_PUNCT) + "]",
                    f"(?:{names.prefix.pattern})(?:{names.local.pattern})?", names.word.pattern)
    return re.compile("|".join(f"(?:{pattern})" for pattern in alternatives))


def tokens_one_by_one(text: str) -> list[Token]:
    """:func:`tokens`, read one token at a time by the character that starts it: the reference
    reading, for any text, with a message that says where and why a text is not SPARQL."""
    found: list[Token] = []
    i, n = 0, len(text)
    names = _names(text.isascii())
    while i < n:
        ch = text[i]
        match = None
        kind = ""
        if ch in " \t\r\n":
            match, kind = _WS.match(text, i), "ws"
        elif ch == "#":
            match, kind = _COMMENT.match(text, i), "comment"
        elif ch == "<" and (match := _IRIREF.match(text, i)):
            kind = "iri"
        elif ch in "\"'":
            match = next((m for p in _STRINGS if (m := p.match(text, i))), None)
            kind = "string"
            if match is None:
                _fail(text, i, "a string that is not closed, or holds a raw line break or a bad "
                      "escape (write \\n, \\t, \\\", \\' or \\\\)")
        elif ch in "?$" and (match := names.var.match(text, i)):
            kind = "var"
        elif ch == "_" and text.startswith("_:", i):
            match, kind = names.bnode.match(text, i), "bnode"
            if match is None:
                _fail(text, i, "a blank node label must follow '_:'")
        elif ch == "@":
            match, kind = _LANGTAG.match(text, i), "langtag"
            if match is None:
                _fail(text, i, "'@' must start a language tag such as @en")
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            match, kind = _NUMBER.match(text, i), "number"
        elif ch in _PUNCT:  # none starts a name: tested before the name patterns, to skip them
            found.append(Token("punct", ch, i))
            i += 1
            continue
        elif ch == ":" or names.word.match(text, i):
            prefix = names.prefix.match(text, i)
            if prefix is not None:
                end = prefix.end()
                local = names.local.match(text, end)
                end = local.end() if local else end
                found.append(Token("pname", text[i:end], i))
                i = end
                if i < n and text[i] == "\\":
                    _fail(text, i, "a prefixed name may only escape one of _~.-!$&'()*+,;=/?#@% "
                          "(a \\u escape belongs in an IRI or string)")
                continue
            match, kind = names.word.match(text, i), "word"
        if match is None or match.end() == i:
            _fail(text, i, f"{_shown(ch)} cannot start a SPARQL token")
        assert match is not None
        found.append(Token(kind, match.group(0), i))
        i = match.end()
    return found


def _shown(ch: str) -> str:
    return repr(ch) if ch.isprintable() else f"the character U+{ord(ch):04X}"


def _fail(text: str, offset: int, message: str) -> None:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise SparqlSyntaxError(message, line, column)


def _code(found: list[Token]) -> list[Token]:
    return [t for t in found if t.kind not in ("ws", "comment")]


@dataclass(frozen=True)
class QueryShape:
    """What a query asks for, read from its tokens."""

    form: str | None
    """SELECT, CONSTRUCT, DESCRIBE or ASK; None when the text is no query (an update, or junk)."""
    update_keyword: str | None = None
    """The first SPARQL Update keyword in the text, if any."""
    service: bool = False
    """Whether the text holds a SERVICE clause (a federated query to another server)."""
    from_graphs: tuple[str, ...] = field(default_factory=tuple)
    from_named_graphs: tuple[str, ...] = field(default_factory=tuple)
    """The dataset the query names itself (FROM / FROM NAMED), as written (IRI or prefixed name)."""

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def query_shape(text: str) -> QueryShape:
    """Read what ``text`` would do. Raises SparqlSyntaxError when it is not SPARQL tokens.

    When the text holds ``\\u`` escapes it is also read with them decoded first (as SPARQL 1.1
    engines do before parsing), and the shape says the worse of the two readings: an escape can
    then never turn into a keyword one engine sees and another does not.
    """
    shape = _shape(tokens(text))
    if _ESCAPE_ANYWHERE.search(text):
        try:
            decoded = _shape(tokens(_decode_escapes(text)))
        except (SparqlSyntaxError, ValueError):
            raise SparqlSyntaxError("a \\u escape that changes how the query reads when it is "
                                    "decoded; write the character itself", 1, 1) from None
        shape = QueryShape(form=shape.form if shape.form == decoded.form else None,
                           update_keyword=shape.update_keyword or decoded.update_keyword,
                           service=shape.service or decoded.service,
                           from_graphs=shape.from_graphs, from_named_graphs=shape.from_named_graphs)
    return shape


def _decode_escapes(text: str) -> str:
    return _ESCAPE_ANYWHERE.sub(lambda m: chr(int(m.group(0)[2:], 16)), text)


def _shape(found: list[Token]) -> QueryShape:
    code = _code(found)
    upper = [t.text.upper() if t.kind == "word" else "" for t in code]  # "" for a non-keyword
    update = next((w for w in upper if w in UPDATE_KEYWORDS), None)
    service = "SERVICE" in upper
    i = 0
    while i < len(code) and upper[i] in ("PREFIX", "BASE"):
        i += 3 if upper[i] == "PREFIX" else 2
    form = upper[i] if i < len(code) and upper[i] in QUERY_FORMS else None
    graphs: list[str] = []
    named: list[str] = []
    for j, word in enumerate(upper):
        if word != "FROM":
            continue
        k = j + 1
        target = graphs
        if k < len(code) and upper[k] == "NAMED":
            target, k = named, k + 1
        if k < len(code) and code[k].kind in ("iri", "pname"):
            target.append(code[k].text)
    return QueryShape(form=form, update_keyword=update, service=service,
                      from_graphs=tuple(graphs), from_named_graphs=tuple(named))


def check_query(text: str, allow_service: bool = False) -> QueryShape:
    """The rules every query this program runs must pass, before any engine reads it.

    Raises QueryRefused (status 400) for text that is not SPARQL tokens, for an update, for
    anything that is not a SELECT/CONSTRUCT/DESCRIBE/ASK query, and for ``SERVICE`` unless
    ``allow_service``. Returns the query's shape otherwise.
    """
    try:
        shape = query_shape(text)
    except SparqlSyntaxError as exc:
        raise QueryRefused(400, f"the query is not valid SPARQL: {exc}", "syntax") from None
    return _checked(shape, allow_service)


def _checked(shape: QueryShape, allow_service: bool) -> QueryShape:
    """``shape`` if a query of that shape may run (:func:`check_query`), else QueryRefused."""
    if shape.update_keyword:
        raise QueryRefused(400, "SPARQL Update is not allowed: queries here are read-only "
                           f"({shape.update_keyword} is an update). Change the graph with "
                           "`caucasus-kg add` or by editing graphs/ and running "
                           "`caucasus-kg build`.", "update")
    if shape.service and not allow_service:
        raise QueryRefused(400, "SERVICE is not allowed: this graph does not send queries to "
                           "other servers (federated queries are refused). Query this graph "
                           "only.", "service")
    if shape.form is None:
        raise QueryRefused(400, "the query is not valid SPARQL: after PREFIX and BASE "
                           "declarations it must start with SELECT, CONSTRUCT, DESCRIBE or ASK", "form")
    return shape


@functools.lru_cache(maxsize=64)
def _query_tokens(query: str) -> tuple[Token, ...]:
    return tuple(tokens(query))


def substitute(query: str, bindings: dict[str, str]) -> str:
    """Replace each variable ``?name``/``$name`` in ``bindings`` by its term text."""
    return "".join(bindings.get(t.text[1:], t.text) if t.kind == "var" else t.text
                   for t in tokens(query))


def substitute_checked(query: str, bindings: dict[str, str], allow_service: bool = False
                       ) -> tuple[str, QueryShape]:
    """:func:`substitute`, then :func:`check_query` on the result, with the query read once.

    The bound values are terms as pyoxigraph writes them (an IRI, a string with its language
    tag or datatype IRI), which are whole tokens: the result's tokens are the query's with each
    bound variable replaced by its value's, so they are checked without reading the result
    again. Where that might not hold, the result is read again: a ``\\u`` escape anywhere (the
    escape-aware reading of :func:`query_shape`), or a value ending in a language tag right
    before a ``-`` (which the tag would take in).

    The query's own tokens are kept for the next call with the same text (the last 64 texts):
    a server or a notebook asks the same catalogue questions again and again."""
    found = _query_tokens(query)
    bound = [i for i, t in enumerate(found) if t.kind == "var" and t.text[1:] in bindings]
    parts: list[str] = []
    code: list[Token] = []
    again = False
    done, offset = 0, 0  # the tokens and the characters of the query taken so far
    for index in bound:
        token = found[index]
        value = bindings[token.text[1:]]
        parts += (query[offset:token.start], value)
        code += found[done:index]
        try:
            read = tokens(value)
        except SparqlSyntaxError:  # not a term: let the whole text be read and refused
            read, again = [], True
        code += read
        following = found[index + 1].text if index + 1 < len(found) else ""
        again = again or (bool(read) and read[-1].kind == "langtag" and following[:1] == "-")
        done, offset = index + 1, token.start + len(token.text)
    parts.append(query[offset:])
    code += found[done:]
    text = "".join(parts)
    if again or _ESCAPE_ANYWHERE.search(text):
        return text, check_query(text, allow_service=allow_service)
    return text, _checked(_shape(code), allow_service)
