"""Query answers as bytes: the standard SPARQL 1.1 result formats (JSON, XML, CSV, TSV) for
SELECT and ASK, RDF (Turtle, N-Triples, RDF/XML, JSON-LD) for CONSTRUCT and DESCRIBE, and for
people the aligned table and CSV that is safe to open in a spreadsheet (:func:`spreadsheet_csv`).

:func:`serialize` is the one place an answer becomes bytes of a standard format: ``caucasus-kg
query --format`` and the server's query workers both call it, so the command line prints exactly
what the server sends. The bytes are written by pyoxigraph's own serializers. Output is
deterministic (no timestamps; CONSTRUCT and DESCRIBE triples come sorted from
:func:`caucasus_kg.read.queries.run_query` and from the server).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from caucasus_kg.model.iris import PREFIXES, compact
from caucasus_kg.read.query_formats import SPREADSHEET_CSV

if TYPE_CHECKING:  # only named in annotations: `query --format`'s choices need no catalogue reader
    from caucasus_kg.read.queries import QueryResult

_QRF = ox.QueryResultsFormat


class FormatError(ValueError):
    """A format that does not fit the answer (e.g. CSV for an ASK), or is unknown."""


@dataclass(frozen=True)
class ResultFormat:
    """One format an answer can be written in: its media type, the short names ``--format`` and
    ``format=`` take, and pyoxigraph's format object."""

    media_type: str
    names: tuple[str, ...]
    format: ox.QueryResultsFormat | ox.RdfFormat

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type == "application/n-triples"
        return self.media_type + ("; charset=utf-8" if textual else "")


@dataclass(frozen=True)
class AnswerFormats:
    """The formats one kind of answer can be written in; the first is the default."""

    answer: str
    """The kind of answer, as messages name it."""
    formats: tuple[ResultFormat, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The main name of each format, in order, each once."""
        return tuple(dict.fromkeys(f.names[0] for f in self.formats if f.names))

    def named(self, name: str, also: tuple[str, ...] = ()) -> ResultFormat:
        """The format called ``name`` (a short name or a media type), or a FormatError saying
        which names fit this answer (``also`` lists more, such as the command line's table)."""
        wanted = name.strip().lower()
        for fmt in self.formats:
            if wanted in fmt.names or wanted == fmt.media_type:
                return fmt
        choices = [*also, *self.names]
        listed = ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]
        raise FormatError(f"format '{name}' does not fit {self.answer}; give {listed}")


SELECT_FORMATS = AnswerFormats("a SELECT answer (rows)", (
    ResultFormat("application/sparql-results+json", ("json", "srj"), _QRF.JSON),
    ResultFormat("application/json", (), _QRF.JSON),
    ResultFormat("application/sparql-results+xml", ("xml", "srx"), _QRF.XML),
    ResultFormat("application/xml", (), _QRF.XML),
    ResultFormat("text/csv", ("csv",), _QRF.CSV),
    ResultFormat("text/tab-separated-values", ("tsv",), _QRF.TSV),
    ResultFormat("text/xml", (), _QRF.XML),
))
"""SPARQL 1.1 Query Results JSON, XML, CSV and TSV."""

ASK_FORMATS = AnswerFormats(
    "an ASK answer (true or false; CSV and TSV are for rows only)",
    tuple(f for f in SELECT_FORMATS.formats if f.format not in (_QRF.CSV, _QRF.TSV)))
"""SPARQL 1.1 Query Results JSON and XML: the CSV and TSV formats are for SELECT only."""

GRAPH_FORMATS = AnswerFormats("a CONSTRUCT or DESCRIBE answer (triples)", (
    ResultFormat("text/turtle", ("turtle", "ttl"), ox.RdfFormat.TURTLE),
    ResultFormat("application/n-triples", ("ntriples", "nt"), ox.RdfFormat.N_TRIPLES),
    ResultFormat("text/plain", (), ox.RdfFormat.N_TRIPLES),
    ResultFormat("application/rdf+xml", ("rdfxml", "xml"), ox.RdfFormat.RDF_XML),
) + ((ResultFormat("application/ld+json", ("jsonld", "json"), ox.RdfFormat.JSON_LD),)
     if hasattr(ox.RdfFormat, "JSON_LD") else ()))  # pyoxigraph 0.5 writes JSON-LD, 0.4 does not
"""Turtle (with the project's prefixes), N-Triples, RDF/XML and JSON-LD."""

FORM_FORMATS = {"SELECT": SELECT_FORMATS, "ASK": ASK_FORMATS, "CONSTRUCT": GRAPH_FORMATS,
                "DESCRIBE": GRAPH_FORMATS}
"""The formats of each query form (as :class:`caucasus_kg.core.sparql_text.QueryShape` names
it), to refuse a format before the query runs."""

RESULT_FORMAT_NAMES = tuple(dict.fromkeys(
    SELECT_FORMATS.names + ASK_FORMATS.names + GRAPH_FORMATS.names))
"""The first name of every format an answer can be written in; with the table and the
spreadsheet-safe CSV, what :data:`caucasus_kg.read.query_formats.QUERY_FORMATS` lists."""

FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
"""A cell beginning with one of these is read as a formula by spreadsheets (OWASP, "CSV
Injection"): ``=HYPERLINK(...)`` or ``+cmd|' /C calc'!A0`` from a dataset's cell would run."""


def formats_for(result: QueryResult) -> AnswerFormats:
    if result.boolean is not None:
        return ASK_FORMATS
    if result.triples is not None:
        return GRAPH_FORMATS
    return SELECT_FORMATS


def serialize(result: QueryResult, fmt: ResultFormat) -> bytes:
    """``result`` in ``fmt``, written by pyoxigraph. Raises FormatError when ``fmt`` does not
    fit the kind of answer."""
    if fmt not in formats_for(result).formats:
        raise FormatError(f"{fmt.media_type} does not fit {formats_for(result).answer}")
    if result.triples is not None:
        triples = [t.triple if isinstance(t, ox.Quad) else t for t in result.triples]
        prefixes = PREFIXES if fmt.format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        return ox.serialize(triples, format=fmt.format, prefixes=prefixes)
    answer = (_boolean(result.boolean) if result.boolean is not None
              else _solutions(result.columns, result.rows))
    return answer.serialize(format=fmt.format)


def _boolean(value: bool) -> ox.QueryBoolean:
    return ox.parse_query_results(json.dumps({"head": {}, "boolean": value}), _QRF.JSON)


def _solutions(columns: list[str], rows: list[tuple[object, ...]]) -> ox.QuerySolutions:
    """Rows of terms as pyoxigraph solutions, so that its serializers write every format.

    pyoxigraph 0.5 builds solutions only by parsing results (``QuerySolutions`` has no
    constructor), and its ``serialize`` drains a query's answer with no way to count the rows
    on the way, which the server needs for ``--max-results``: so the rows are kept, and come
    back through SPARQL TSV here. TSV is lossless for every term: each is written in its
    N-Triples form (tabs and newlines in literals escaped, triple terms as ``<<( s p o )>>``),
    an unbound cell is empty.
    """
    lines = ["\t".join("?" + c for c in columns)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ox.parse_query_results(("\n".join(lines) + "\n").encode(), _QRF.TSV)


def _tsv_term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<<( " + " ".join(_tsv_term(p) for p in parts) + " )>>"
    return str(term)  # pyoxigraph terms print in their N-Triples form


# --- For people: a spreadsheet-safe CSV and the table ------------------------------------------

def spreadsheet_cell(text: str) -> str:
    """A cell as a spreadsheet may read it: prefixed with an apostrophe (which spreadsheets show
    as nothing) when it would be read as a formula."""
    return "'" + text if text.startswith(FORMULA_LEADERS) else text


def spreadsheet_csv(result: QueryResult) -> bytes:
    """A SELECT answer as CSV that opens safely in a spreadsheet: the cells of the SPARQL CSV
    (full IRIs, literals' text), every one quoted, those a spreadsheet would run as a formula
    prefixed with an apostrophe (:func:`spreadsheet_cell`), CRLF line ends. This is not the
    W3C format (``csv``), which must give cells exactly and stays byte for byte what the server
    sends; the query page's "Download CSV" writes these same bytes."""
    if result.boolean is not None or result.triples is not None:
        raise FormatError(f"format '{SPREADSHEET_CSV}' does not fit {formats_for(result).answer}; "
                          "it is for the rows of a SELECT")
    w3c = serialize(result, SELECT_FORMATS.named("csv")).decode("utf-8")
    rows = list(csv.reader(io.StringIO(w3c, newline="")))
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(result.columns)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows[1:])
    return out.getvalue().encode("utf-8")


def cell_text(term: object) -> str:
    """A term as readers want to see it: IRIs as CURIEs (id:russia), literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render_table(result: QueryResult) -> str:
    """The answer for people: an aligned table of prefixed names and values for a SELECT,
    ``true`` or ``false`` for an ASK, the triples one a line (N-Triples) for a CONSTRUCT."""
    if result.boolean is not None:
        return ("true" if result.boolean else "false") + "\n"
    if result.triples is not None:
        return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in result.triples)
    return table(result.columns, [[cell_text(v) for v in row] for row in result.rows])


def table(columns: list[str], rows: list[list[str]]) -> str:
    """An aligned plain-text table with a header rule and a row count."""
    flat = [[c.replace("\n", " ") for c in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in flat:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in flat]
    count = len(flat)
    out.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(out) + "\n"
