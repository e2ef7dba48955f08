"""The RDF-file loader: Turtle, N-Triples and JSON-LD files in graphs/ or given on the command line."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .diagnostics import Diagnostic, InputError

FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}
MAX_FILE_BYTES = 200 * 1024 * 1024


def is_rdf_file(path: Path) -> bool:
    return path.suffix.lower() in FORMATS


def read_rdf_file(path: Path, rel: str) -> Graph:
    """Parse one RDF file; a syntax error raises :class:`InputError` naming the line."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError([Diagnostic(rel, None, None, f"unknown RDF format '{path.suffix}'",
                                     "use .ttl, .nt or .jsonld")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError([Diagnostic(rel, None, None, f"the file is {size / 1e6:.0f} MB",
                                         "load large files with `caucasus-kg import rdf`")])
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Diagnostic(rel, line, None, "the file is not UTF-8",
                                     "save it as UTF-8")]) from exc
    except OSError as exc:
        raise InputError([Diagnostic(rel, None, None, f"cannot read the file: {exc}",
                                     "check the path")]) from exc
    if fmt == "json-ld":
        remote = _remote_context(text)
        if remote:
            raise InputError([Diagnostic(
                rel, None, None, f"the JSON-LD document loads a remote @context ({remote}); "
                "caucasus-kg never fetches remote documents", "inline the context in the file")])
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many unrelated types for syntax errors
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        line = getattr(exc, "lines", None) or _line_from_message(str(exc))
        raise InputError([Diagnostic(rel, line, None, f"not valid {fmt}: {message}",
                                     "fix the syntax at that line")]) from exc
    bad = _invalid_iri(graph)
    if bad is not None:
        raise InputError([Diagnostic(rel, None, None, f"'{bad}' is not a valid IRI",
                                     "IRIs cannot contain spaces, quotes or angle brackets; "
                                     "percent-encode them (%20 for a space)")])
    return graph


def _invalid_iri(graph: Graph) -> str | None:
    import pyoxigraph as ox
    from rdflib import URIRef

    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                try:
                    ox.NamedNode(str(term))
                except ValueError:
                    return str(term)
    return None


def _remote_context(text: str) -> str | None:
    """The first @context given by reference (a URL) anywhere in a JSON-LD document."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None  # the parser reports the syntax error
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            context = item.get("@context")
            for entry in context if isinstance(context, list) else [context]:
                if isinstance(entry, str):
                    return entry
            if isinstance(item.get("@import"), str):
                return item["@import"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _line_from_message(message: str) -> int | None:
    import re

    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
