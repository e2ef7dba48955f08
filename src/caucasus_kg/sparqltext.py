"""Reading SPARQL text safely: a small scanner, parameter binding, and literal blanking.

Oxigraph's substitution only applies to variables in the SELECT projection, and parameters are
usually not projected. So a parameter ``?name`` is replaced, token by token, by the N-Triples form
of its already-validated RDF term. The scanner tells comments, strings and IRIs apart from the
rest, so only real variable tokens are touched, and a value can never inject SPARQL: IRIs and
literals are written by pyoxigraph's own escaping. The server uses the same scanner to look for
update keywords and SERVICE outside strings and IRIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_VAR_CHAR = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]")
IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")


def scan(query: str) -> Iterator[tuple[str, str]]:
    """Split SPARQL text into pieces: ("comment" | "string" | "iri" | "var" | "text", piece)."""
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            yield "comment", query[i:end]
            i = end
        elif ch in "\"'":
            quote = query[i:i + 3] if query[i:i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            j = min(n, j + len(quote))
            yield "string", query[i:j]
            i = j
        elif ch == "<" and (match := IRIREF.match(query, i)):
            yield "iri", match.group(0)
            i = match.end()
        elif ch in "?$":
            j = i + 1
            while j < n and _VAR_CHAR.match(query[j]):
                j += 1
            yield ("var" if j > i + 1 else "text"), query[i:j]
            i = j
        else:
            yield "text", ch
            i += 1


def substitute(query: str, bindings: dict[str, str]) -> str:
    """Replace each variable ``?name``/``$name`` in ``bindings`` by its term text."""
    return "".join(bindings.get(piece[1:], piece) if kind == "var" else piece
                   for kind, piece in scan(query))


def blank_literals(query: str) -> str:
    """The query with comments removed and strings and IRIs emptied (``""`` and ``<>``), so that
    what is left is keywords, variables, prefixed names and punctuation."""
    blanks = {"comment": " ", "string": '""', "iri": "<>"}
    return "".join(blanks.get(kind, piece) for kind, piece in scan(query))
