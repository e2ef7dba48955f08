"""The RDF-file loader: Turtle, N-Triples and JSON-LD files in graphs/ or given on the command line.

Files are parsed by Oxigraph straight into a store, under the file's named graph: a large file
(an import of a million triples) never becomes an rdflib graph. Syntax errors and invalid IRIs are
reported with their line; a JSON-LD document that would load a remote ``@context`` is refused
before it is parsed. Blank nodes get canonical (RDFC-1.0) labels, scoped to their graph, so the
same files always give the same store.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.core.bounded import NotRegularFile, disk_error, open_regular
from caucasus_kg.core.diagnostics import Diagnostic, InputError

FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
              "json-ld": ox.RdfFormat.JSON_LD}
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""RDF files are streamed into the store, so the limit is on disk use, not memory."""

MAX_WHOLE_BYTES = 256 * 1024 * 1024
"""Files that must be held in memory: JSON-LD (read whole to look for remote contexts) and
files with blank nodes (relabelled canonically, which needs the whole graph)."""

_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPED_CONTROL = re.compile(
    rb"(?<!\\)(?:\\\\)*(\\(?:u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|u[fF]{3}[eEfF]"
    rb"|U0000(?:00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|[fF]{3}[eEfF])|[bf]))")
"""A control character other than tab and line breaks, or U+FFFE or U+FFFF, written in a file
or as an escape (``\\u0001``, ``\\b``, ``\\f``; an escaped backslash does not count): no
literal may hold one, as no XML export could write it. Lone surrogates are refused by the
parsers themselves."""
_ESCAPE_START = re.compile(rb"\\(?:u00[01]|u[fF]{3}|U0000|[bf])")
"""How every escape :data:`_ESCAPED_CONTROL` finds begins: searched first, as the exact pattern
(which may start anywhere) takes seconds per hundred megabytes and this one a fraction of that."""

_RAW_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
"""The bytes :data:`_RAW_CONTROL` finds: deleting them (``bytes.translate``) tells whether a
chunk holds any four times faster than the search, which then runs only to find the first."""
_CHUNK = 8 * 1024 * 1024
_IRI_FIX = ("IRIs cannot contain spaces, quotes or angle brackets; percent-encode them "
            "(%20 for a space)")


@dataclass(frozen=True)
class RdfSource:
    """An RDF file as it was checked: enough to load it again, and to notice it changed."""

    path: Path
    rel: str
    format: str
    digest: str
    blank_nodes: bool
    """True when the file may hold blank nodes (they need canonical labels)."""
    stamp: tuple[int, int] | None = None
    """The file's size and modification time (ns) when it was read, which ``digest`` is of."""
    lines: int = 0
    """How many line breaks the file holds."""

    @property
    def ox_format(self) -> ox.RdfFormat:
        return OX_FORMATS[self.format]


def is_rdf_file(path: Path) -> bool:
    return path.suffix.lower() in FORMATS


def scan_rdf_file(path: Path, rel: str) -> RdfSource:
    """Read the file once without parsing it: size, UTF-8 (with the line of a bad byte), digest,
    and whether it may contain blank nodes; JSON-LD with a remote context is refused here."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError([Diagnostic(rel, None, None, f"unknown RDF format '{path.suffix}'",
                                     "use .ttl, .nt or .jsonld")])
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    markers = (b"_:",) if fmt == "nt" else (b"_:", b"[", b"(")
    blank = fmt == "json-ld"  # a JSON-LD node without @id is a blank node
    lines = 0
    try:
        try:
            handle = open_regular(path)
        except NotRegularFile as exc:
            raise InputError([Diagnostic(rel, None, None, str(exc),
                                         "give the path of an RDF file")]) from None
        with handle:
            stat = os.fstat(handle.fileno())
            size = stat.st_size
            if fmt == "json-ld" and size > MAX_WHOLE_BYTES:
                raise InputError([Diagnostic(
                    rel, None, None, f"the file is {size / 1e6:.0f} MB; JSON-LD files are read "
                    f"whole and limited to {MAX_WHOLE_BYTES // 1024 ** 2} MB",
                    "split it, or write it as N-Triples (streamed, up to "
                    f"{MAX_FILE_BYTES // 1024 ** 3} GB)")])
            if size > MAX_FILE_BYTES:
                raise InputError([Diagnostic(rel, None, None, f"the file is {size / 1e6:.0f} MB",
                                             "split it into files of at most "
                                             f"{MAX_FILE_BYTES // 1024 ** 3} GB")])
            tail = b""
            escape_tail = b""
            read = 0
            while chunk := handle.read(min(_CHUNK, MAX_FILE_BYTES + 1 - read)):
                read += len(chunk)
                if read > MAX_FILE_BYTES:
                    raise InputError([Diagnostic(rel, None, None, "the file grew past "
                                                 f"{MAX_FILE_BYTES // 1024 ** 3} GB while it "
                                                 "was read", "run the command again")])
                _refuse_control(rel, chunk, escape_tail, lines)
                escape_tail = chunk[-16:]
                digest.update(chunk)
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    line = lines + chunk[:exc.start].count(b"\n") + 1
                    raise InputError([Diagnostic(rel, line, None, "the file is not UTF-8",
                                                 "save it as UTF-8")]) from exc
                if not blank:
                    window = tail + chunk
                    blank = any(m in window for m in markers)
                    tail = chunk[-1:]
                lines += chunk.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise InputError([Diagnostic(rel, lines + 1, None, "the file is not UTF-8",
                                             "save it as UTF-8")]) from exc
        if (fmt == "json-ld" or blank) and read > MAX_WHOLE_BYTES:
            raise InputError([Diagnostic(
                rel, None, None, f"the file is {read / 1e6:.0f} MB; "
                + ("JSON-LD files" if fmt == "json-ld" else
                   "files that may hold blank nodes ('_:', '[' or '(')")
                + f" are read whole and limited to {MAX_WHOLE_BYTES // 1024 ** 2} MB",
                "split it, or write it as N-Triples or Turtle without blank nodes (streamed, up "
                f"to {MAX_FILE_BYTES // 1024 ** 3} GB)")])
        if fmt == "json-ld":
            remote = _remote_context(path.read_text("utf-8"))
            if remote:
                raise InputError([Diagnostic(
                    rel, None, None, f"the JSON-LD document loads a remote @context ({remote}); "
                    "caucasus-kg never fetches remote documents", "inline the context in the file")])
    except OSError as exc:
        raise InputError([Diagnostic(rel, None, None, f"cannot read the file: {exc}",
                                     "check the path")]) from exc
    return RdfSource(path, rel, fmt, digest.hexdigest(), blank, (size, stat.st_mtime_ns), lines)


def _refuse_control(rel: str, chunk: bytes, before: bytes, lines: int) -> None:
    """An InputError at the first control character in ``chunk`` (``before`` is the end of the
    previous chunk, where an escape may begin; ``lines`` the line breaks before ``chunk``)."""
    raw = (_RAW_CONTROL.search(chunk)
           if len(chunk.translate(None, _RAW_CONTROL_BYTES)) != len(chunk) else None)
    window = before + chunk
    escaped = _ESCAPED_CONTROL.search(window) if _ESCAPE_START.search(window) else None
    if escaped is not None and escaped.end() <= len(before):
        escaped = _ESCAPED_CONTROL.search(window, len(before))
    found = []
    if raw is not None:
        found.append((raw.start(), f"the control character U+{raw.group()[0]:04X}"))
    if escaped is not None:
        written = escaped.group(1).decode()
        code = {"\\b": 8, "\\f": 12}.get(written) or int(written[2:], 16)
        kind = "non-character" if code > 0xFFFD else "control character"
        found.append((escaped.start(1) - len(before),
                      f"the {kind} U+{code:04X} (written {written})"))
    if not found:
        return
    offset, what = min(found)
    line = lines + chunk[:max(offset, 0)].count(b"\n") + 1
    raise InputError([Diagnostic(rel, line, None, f"the file holds {what}, which no literal "
                                 "may hold (no XML export could write it)",
                                 "remove it, or write what it stands for in words")])


def load_rdf_file(path: Path, rel: str, store: ox.Store, graph: ox.NamedNode) -> RdfSource:
    """Parse one RDF file into ``store`` under ``graph``; errors raise :class:`InputError` with
    the line. Nothing is added to the store when the file is invalid."""
    source = scan_rdf_file(path, rel)
    load_into(store, source, graph, check_digest=False)
    return source


def load_into(store: ox.Store, source: RdfSource, graph: ox.NamedNode,
              check_digest: bool = True) -> None:
    """Bulk-load a checked file into ``store`` (again); it must not have changed since."""
    if check_digest and _digest(source.path) != source.digest:
        raise InputError([Diagnostic(source.rel, None, None,
                                     "the file changed while the command was running",
                                     "run the command again")])
    try:
        if source.blank_nodes:
            store.bulk_extend(canonical_quads(_parse(source), graph))
        else:
            store.bulk_load(path=str(source.path), format=source.ox_format, to_graph=graph)
    except SyntaxError as exc:
        raise InputError([_syntax_diagnostic(source, exc)]) from exc
    except OSError as exc:
        if disk_error(exc) is not None:  # writing the store failed, not reading the file
            raise
        raise InputError([Diagnostic(source.rel, None, None, f"cannot read the file: {exc}",
                                     "check the path")]) from exc


def _parse(source: RdfSource) -> Iterator[ox.Quad]:
    return ox.parse(path=str(source.path), format=source.ox_format,
                    without_named_graphs=True)


def canonical_quads(quads: Iterable[ox.Quad | ox.Triple], graph: ox.NamedNode
                    ) -> Iterator[ox.Quad]:
    """``quads`` moved into ``graph``; blank nodes relabelled canonically (RDFC-1.0) with a suffix
    naming the graph, so two files' blank nodes never meet in the store."""
    moved = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
    if not any(isinstance(t, ox.BlankNode) for q in moved for t in (q.subject, q.object)):
        yield from moved
        return
    dataset = ox.Dataset(moved)
    del moved
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    suffix = hashlib.sha256(graph.value.encode()).hexdigest()[:8]

    def scoped(term: object) -> object:
        return ox.BlankNode(f"{term.value}g{suffix}") if isinstance(term, ox.BlankNode) else term

    for quad in dataset:
        yield ox.Quad(scoped(quad.subject), quad.predicate, scoped(quad.object), graph)


def read_rdf_file(path: Path, rel: str) -> list[ox.Triple]:
    """One RDF file's triples, blank nodes canonically labelled, in a stable order (for files
    read whole, such as ``import rdf``; the loaders use :func:`load_rdf_file`)."""
    store = ox.Store()
    graph_name = ox.NamedNode("urn:caucasus-kg:file")
    load_rdf_file(path, rel, store, graph_name)
    return sorted((q.triple for q in store.quads_for_pattern(None, None, None, graph_name)),
                  key=str)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _cut(text: str, limit: int = 200) -> str:
    """Text from the file for a message, cut short: a message never echoes unbounded input."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _syntax_diagnostic(source: RdfSource, exc: SyntaxError) -> Diagnostic:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    line = getattr(exc, "lineno", None) or _line_from_message(message)
    if "Invalid IRI" in message or "invalid IRI" in message.lower():
        iri = _iri_at(source.path, line, message)
        if iri is not None:
            return Diagnostic(source.rel, line, None, f"'{_cut(iri)}' is not a valid IRI",
                              _IRI_FIX)
        return Diagnostic(source.rel, line, None, f"not a valid IRI: {_cut(message)}", _IRI_FIX)
    message = re.sub(r"\s*\(line \d+\)$", "", message)
    return Diagnostic(source.rel, line, None, f"not valid {source.format}: {_cut(message, 400)}",
                      "fix the syntax at that line")


def _iri_at(path: Path, line: int | None, message: str) -> str | None:
    """The ``<...>`` IRI the parser stopped at, read back from the file's line."""
    match = re.search(r"columns? (\d+)", message)
    if line is None or match is None:
        return None
    with open(path, encoding="utf-8") as handle:
        text = next(itertools.islice(handle, line - 1, None), None)
    if text is None:
        return None
    column = int(match.group(1))
    start = text.rfind("<", 0, column + 1)
    end = text.find(">", max(start, 0))
    if start < 0 or end < 0:
        return None
    return text[start + 1:end]


def _remote_context(text: str) -> str | None:
    """The first @context given by reference (a URL) anywhere in a JSON-LD document."""

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
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
