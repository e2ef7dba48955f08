"""Binding parameters into SPARQL text safely.

Oxigraph's substitution only applies to variables in the SELECT projection, and parameters are
usually not projected. So a parameter ``?name`` is replaced, token by token, by the N-Triples form
of its already-validated RDF term. The scanner skips strings, IRIs and comments, so only real
variable tokens are touched, and a value can never inject SPARQL: IRIs and literals are written
by pyoxigraph's own escaping.
"""

from __future__ import annotations

import re

_VAR_CHAR = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]")


def substitute(query: str, bindings: dict[str, str]) -> str:
    """Replace each variable ``?name``/``$name`` in ``bindings`` by its term text."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            out.append(query[i:end])
            i = end
        elif ch in "\"'":
            quote = query[i:i + 3] if query[i:i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(query[i:j])
            i = j
        elif ch == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", query[i:]):
            j = query.index(">", i) + 1
            out.append(query[i:j])
            i = j
        elif ch in "?$":
            j = i + 1
            while j < n and _VAR_CHAR.match(query[j]):
                j += 1
            name = query[i + 1:j]
            out.append(bindings.get(name, query[i:j]) if name else ch)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)
