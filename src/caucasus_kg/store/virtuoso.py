"""Queries as they are sent to Virtuoso: rewrites that give Virtuoso 7.2 Oxigraph's answers.

Virtuoso drops rows of ``*``, ``+`` and ``?`` property paths joined with other patterns, returns
booleans as 1/0 and fails CONCAT over an unbound value (docs/stores.md lists each difference and
the rewrite that works around it). Only path operators, BIND expressions and CONCAT calls are
touched; strings, IRIs and comments never are.
"""

from __future__ import annotations

import re

from caucasus_kg.core.sparql_text import scan

_XSD = "http://www.w3.org/2001/XMLSchema#"

PATH_DEPTH = 6
"""How many steps ``P*`` and ``P+`` follow on Virtuoso, where they are rewritten (docs/stores.md)."""
_MAX_ALTERNATIVES = 4
"""Paths with more alternatives than this are left as they are: bounded, they compile to more SQL
than Virtuoso accepts."""


def virtuoso_text(text: str) -> str:
    """A query as it is sent to Virtuoso: the rewrites that give it Oxigraph's answers
    (docs/stores.md lists the differences they work around)."""
    return concat_of_unbound(boolean_binds(bounded_paths(zero_length_paths(text))))


def bounded_paths(text: str, depth: int = PATH_DEPTH) -> str:
    """``P*`` as ``(P|P/P|...)?`` and ``P+`` as ``(P|P/P|...)``, up to ``depth`` steps.

    Virtuoso 7.2 drops rows when a ``*`` path is joined with other patterns (a row for the first
    binding, none for the next); the bounded form gives the right rows on chains up to ``depth``.
    Only path operators are touched: the ``*`` of ``SELECT *``, ``COUNT(*)`` and multiplication,
    and everything in strings, IRIs and comments, are left alone.
    """
    out: list[tuple[str, str]] = []
    for kind, piece in scan(text):
        if kind == "text" and piece in "*+" and out:
            start = _path_primary_start(out)
            if start is not None:
                primary = "".join(p for _, p in out[start:])
                if primary.count("|") >= _MAX_ALTERNATIVES:
                    out.append((kind, piece))  # Virtuoso cannot compile the bounded form
                    continue
                steps = "|".join("/".join([primary] * n) for n in range(1, depth + 1))
                del out[start:]
                out.append(("text", f"(({steps}){'?' if piece == '*' else ''})"))
                continue
        out.append((kind, piece))
    return "".join(p for _, p in out)


def _path_primary_start(out: list[tuple[str, str]]) -> int | None:
    """Where the path primary that ends ``out`` starts: an IRI, a prefixed name, ``a``, or a
    parenthesised path; None when what precedes is not a path."""
    kind, last = out[-1]
    if kind == "iri":
        return len(out) - 1
    if kind != "text":
        return None
    if last == ")":
        level = 0
        for i in range(len(out) - 1, -1, -1):
            k, p = out[i]
            if k == "var":
                return None  # an expression, e.g. (?a + ?b) * 2
            if k == "text" and p == ")":
                level += 1
            elif k == "text" and p == "(":
                level -= 1
                if level == 0:
                    inner = "".join(q for _, q in out[i:])
                    if i > 0 and out[i - 1][0] == "text" and out[i - 1][1].isalpha():
                        return None  # a function call such as COUNT(...)
                    return i if re.search(r"[A-Za-z]:|<|\ba\b", inner) else None
        return None
    i = len(out)
    while i > 0 and out[i - 1][0] == "text" and re.fullmatch(r"[\w:.\-^]", out[i - 1][1]):
        i -= 1
    name = "".join(p for _, p in out[i:])
    if name == "a" or re.fullmatch(r"\^?[A-Za-z][\w.\-]*:[\w.\-]*|\^?[A-Za-z]?:[\w.\-]+", name):
        return i
    return None


_BOOLEAN_CALLS = {"BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM",
                  "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LANGMATCHES", "EXISTS"}
"""Functions whose value is a boolean (SPARQL 1.1, 17.4)."""
_BOOLEAN_TYPE = f"<{_XSD}boolean>"


def _masked(text: str, keep_iri_brackets: bool = False) -> str:
    """``text`` with comments, strings and IRIs overwritten (same length), so that operators,
    parentheses and keywords can be found by position without looking inside them."""
    fill = {"comment": " ", "string": '"', "iri": "_"}
    out = []
    for kind, piece in scan(text):
        if kind == "iri" and keep_iri_brackets:
            out.append("<" + "_" * (len(piece) - 2) + ">")
        else:
            out.append(fill[kind] * len(piece) if kind in fill else piece)
    return "".join(out)


_TERM = r"(?:[?$]\w+|<_*>|[A-Za-z][\w.\-]*:[\w.\-]*|:[\w.\-]+)"
_PRIMARY = r"(?:<_*>|[A-Za-z][\w.\-]*:[\w.\-]*|:[\w.\-]+|a\b|\((?:[^()]|\([^()]*\))*\))"


def _group_bounds(masked: str, at: int) -> tuple[int, int]:
    """The span inside the innermost ``{...}`` around position ``at``."""
    level, start = 0, 0
    for i in range(at - 1, -1, -1):
        if masked[i] == "}":
            level += 1
        elif masked[i] == "{":
            if level == 0:
                start = i + 1
                break
            level -= 1
    end = _closing(masked, start - 1) if start else len(masked)
    return start, end


def _bound_elsewhere(masked: str, var: str, start: int, end: int) -> bool:
    """Whether ``var`` occurs in the innermost group around ``start``..``end`` (at that group's
    own level, not in nested groups or FILTERs) outside that span."""
    g_start, g_end = _group_bounds(masked, start)
    outside = masked[g_start:start] + " " * (end - start) + masked[end:g_end]
    level, own = 0, []
    for ch in outside:
        if ch == "{":
            level += 1
        elif ch == "}":
            level -= 1
        own.append(ch if level == 0 and ch != "}" else " ")
    own_text = re.sub(r"(?i)\b(?:FILTER|BIND)\s*\((?:[^()]|\([^()]*\))*\)", " ", "".join(own))
    return re.search(re.escape(var) + r"(?!\w)", own_text) is not None


def _statement_subject(masked: str, at: int) -> tuple[int, str] | None:
    """The subject of the statement whose property list contains position ``at``."""
    level = 0
    for i in range(at - 1, -1, -1):
        ch = masked[i]
        if ch in ")]}" and not (ch == "}" and level == 0):
            level += 1
        elif ch in "([{":
            if level == 0:
                break
            level -= 1
        elif ch in ".}" and level == 0:
            break
    else:
        i = -1
    found = re.match(r"\s*(" + _TERM + r")\s", masked[i + 1:])
    if found is None:
        return None
    return i + 1 + found.start(1), found.group(1)


def _is_path(*primaries: str) -> bool:
    """Whether masked path primaries are paths (no variables, so not an expression)."""
    return not any(re.search(r"[?$]\w", p) for p in primaries)


def _opens_subquery(masked: str, at: int) -> bool:
    """Whether position ``at`` is the first thing in the WHERE group of a sub-select."""
    before = masked[:at].rstrip()
    if not before.endswith("{"):
        return False
    head = before[:-1].rstrip()
    return re.search(r"(?i)\bWHERE$", head) is not None and \
        re.search(r"(?i)\bSELECT\b", masked[:len(head)]) is not None and \
        masked[:len(head)].count("{") > 0


def zero_length_paths(text: str, depth: int = PATH_DEPTH) -> str:
    """Take the zero-length step out of ``P*`` where that can be done without ``?``.

    Virtuoso 7.2 drops rows of ``P?`` joined with other patterns as it does those of ``P*``,
    depending on the plan it picks (and so on the rest of the database). So ``X/P*`` becomes
    ``(X|X/P|X/P/P...)``, and a triple ``S P* O`` with one end a fixed term and the other a
    variable bound by another pattern of the same group becomes
    ``FILTER(sameTerm(S, O) || EXISTS { S P+ O })``. Other ``*`` paths are left to
    :func:`bounded_paths`.
    """
    masked = _masked(text, keep_iri_brackets=True)
    edits: list[tuple[int, int, str]] = []
    sequence = re.compile(r"(?<=\s)(" + _PRIMARY + r")/(" + _PRIMARY + r")\*(?=\s)")
    for found in sequence.finditer(masked):
        first, star = (text[found.start(g):found.end(g)] for g in (1, 2))
        if star.count("|") >= _MAX_ALTERNATIVES or not _is_path(found.group(1), found.group(2)):
            continue
        steps = "|".join("/".join([first] + [star] * n) for n in range(depth + 1))
        edits.append((found.start(), found.end(), f"({steps})"))
    triple = re.compile(r"(?<=[\s{}.;])(?:(" + _TERM + r")|;)\s*(" + _PRIMARY
                        + r")\*\s+(" + _TERM + r")(?=\s*([.;}]))")
    for found in triple.finditer(masked):
        if any(a < found.end() and found.start() < b for a, b, _ in edits):
            continue
        path = text[found.start(2):found.end(2)]
        if not _is_path(found.group(2)):
            continue
        if found.group(1) is not None:
            subject_at, subject_masked = found.start(1), found.group(1)
        else:
            located = _statement_subject(masked, found.start())
            if located is None:
                continue
            subject_at, subject_masked = located
        subject = text[subject_at:subject_at + len(subject_masked)]
        obj = text[found.start(3):found.end(3)]
        variable = [t for t in (subject, obj) if t[0] in "?$"]
        if len(variable) != 1:
            continue
        if path.count("|") < _MAX_ALTERNATIVES and _bound_elsewhere(
                masked, variable[0], found.start(), found.end()):
            condition = (f"FILTER(sameTerm({subject}, {obj}) || "
                         f"EXISTS {{ {subject} {path}+ {obj} }})")
        elif found.group(1) is not None and _opens_subquery(masked, found.start()):
            # The first pattern of a sub-select: nothing outside binds the variable yet.
            fixed = obj if variable[0] == subject else subject
            condition = (f"{{ {subject} {path}+ {obj} }} UNION "
                         f"{{ BIND({fixed} AS {variable[0]}) }}")
        else:
            continue
        follows = found.group(4)
        if found.group(1) is not None:
            # S P* O ; rest  ->  FILTER(...) S rest      S P* O .  ->  FILTER(...) .
            replacement = f" {condition} " + (subject if follows == ";" else "")
            end = found.end() + (masked[found.end():].index(";") + 1 if follows == ";" else 0)
        else:
            # S p o ; P* O ; rest  ->  S p o . FILTER(...) S rest
            replacement = f" . {condition} " + (subject if follows == ";" else "")
            end = found.end() + (masked[found.end():].index(";") + 1 if follows == ";" else 0)
        edits.append((found.start(), end, replacement))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _top_level(masked: str) -> str:
    """``masked`` with everything inside parentheses and braces blanked out."""
    out, level = [], 0
    for ch in masked:
        if ch in "({[":
            level += 1
        elif ch in ")}]":
            level -= 1
        out.append(ch if level == 0 or (level == 1 and ch in "({[") else " ")
    return "".join(out)


def _arguments(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the comma-separated arguments between the parentheses at ``start``..``end``."""
    spans, level, begin = [], 0, start + 1
    for i in range(start + 1, end):
        ch = masked[i]
        if ch in "({[":
            level += 1
        elif ch in ")}]":
            level -= 1
        elif ch == "," and level == 0:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, end))
    return spans


def _closing(masked: str, start: int) -> int:
    """The index of the bracket closing the one at ``start``."""
    level = 0
    for i in range(start, len(masked)):
        if masked[i] in "({[":
            level += 1
        elif masked[i] in ")}]":
            level -= 1
            if level == 0:
                return i
    return len(masked)


def _is_boolean(masked: str, start: int, end: int) -> bool:
    """Whether the expression at ``masked[start:end]`` has a boolean value."""
    while start < end and masked[start].isspace():
        start += 1
    while end > start and masked[end - 1].isspace():
        end -= 1
    expr = masked[start:end]
    if not expr:
        return False
    top = _top_level(expr)
    if re.search(r"\|\||&&|!=|<=|>=|[=<>]|\bIN\b", top, re.IGNORECASE):
        return True  # the operators that bind least tightly are boolean ones
    if re.search(r"[-+*/]", top.lstrip("!")):
        return False  # arithmetic
    if expr.startswith("!"):
        return True
    if re.fullmatch(r"(?i)true|false", expr):
        return True
    call = re.match(r"(?i)(NOT\s+)?([A-Za-z_][\w:]*)\s*([({])", expr)
    if call is None:
        if expr.startswith("(") and _closing(expr, 0) == len(expr) - 1:
            return _is_boolean(masked, start + 1, end - 1)
        return False
    open_at = start + call.start(3)
    if _closing(masked, open_at) != end - 1:
        return False  # something follows the call
    name = call.group(2).upper()
    if name in _BOOLEAN_CALLS or name in ("XSD:BOOLEAN",):
        return True
    if name in ("IF", "COALESCE"):
        args = _arguments(masked, open_at, end - 1)
        branches = args[1:] if name == "IF" else args
        return any(_is_boolean(masked, a, b) for a, b in branches)
    return False


def boolean_binds(text: str) -> str:
    """Wrap each boolean-valued ``BIND(... AS ?v)`` or ``SELECT (... AS ?v)`` in ``xsd:boolean``.

    Virtuoso gives the value of a boolean expression (``EXISTS {...}``, ``?a = ?b``, ``true``) as
    the integer 1 or 0; cast to ``xsd:boolean`` it comes back as a boolean, as on Oxigraph.
    """
    masked = _masked(text)
    edits: list[tuple[int, int]] = []
    for found in re.finditer(r"(?i)(?<![\w?$])AS\s+[?$]\w+\s*\)", masked):
        level, i = 0, found.start() - 1
        while i >= 0:
            ch = masked[i]
            if ch in ")}]":
                level += 1
            elif ch in "({[":
                if level == 0:
                    break
                level -= 1
            i -= 1
        if i < 0 or masked[i] != "(" or not _is_boolean(masked, i + 1, found.start()):
            continue
        edits.append((i + 1, found.start()))
    for start, end in sorted(edits, reverse=True):
        expr = text[start:end].rstrip()
        text = f"{text[:start]}{_BOOLEAN_TYPE}({expr}){text[start + len(expr):]}"
    return text


_UNBOUND = "?ckg_remote_unbound"
"""A variable no pattern binds: the value of an expression that would be an error."""


def concat_of_unbound(text: str) -> str:
    """``CONCAT(..., ?v, ...)`` in a BIND as ``IF(BOUND(?v), CONCAT(...), ?unbound)``.

    SPARQL makes CONCAT of an unbound variable an error, so ``COALESCE(CONCAT("after ", ?d),
    "")`` falls through to ``""``; Virtuoso 7.2 concatenates an empty string instead ("after ").
    Arguments that are a variable or ``STR(?variable)`` are tested for being bound first.
    """
    masked = _masked(text)
    binds = [(m.end() - 1, _closing(masked, m.end() - 1))
             for m in re.finditer(r"(?i)\bBIND\s*\(", masked)]
    inserts: list[tuple[int, str]] = []
    for found in re.finditer(r"(?i)(?<![\w:])CONCAT\s*\(", masked):
        if not any(a < found.start() < b for a, b in binds):
            continue
        open_at = found.end() - 1
        close_at = _closing(masked, open_at)
        variables = []
        for a, b in _arguments(masked, open_at, close_at):
            arg = re.fullmatch(r"\s*(?:STR\s*\(\s*)?([?$]\w+)\s*\)?\s*", masked[a:b],
                               re.IGNORECASE)
            if arg and (arg.group(0).count("(") == arg.group(0).count(")")):
                variables.append(arg.group(1))
        if not variables:
            continue
        test = " && ".join(f"BOUND({v})" for v in dict.fromkeys(variables))
        inserts.append((found.start(), f"IF({test}, "))
        inserts.append((close_at + 1, f", {_UNBOUND})"))
    for at, piece in sorted(inserts, key=lambda item: item[0], reverse=True):
        text = text[:at] + piece + text[at:]
    return text
