"""Rendering query answers as an aligned table, CSV, TSV or JSON (deterministic: no timestamps)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pyoxigraph as ox

from caucasus_kg.model.namespaces import compact
from caucasus_kg.read.queries import QueryResult

FORMATS = ("table", "csv", "tsv", "json")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {_XSD + t for t in ("integer", "positiveInteger", "nonNegativeInteger", "int",
                                     "long", "negativeInteger", "nonPositiveInteger")}


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


def json_value(term: object) -> object:
    """A term as JSON: full IRIs, numbers as numbers, booleans as booleans, the rest as text."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _INTEGER_TYPES:
            return int(term.value)
        if datatype == _XSD + "decimal":
            number = Decimal(term.value)
            return int(number) if number == number.to_integral_value() else float(number)
        if datatype in (_XSD + "double", _XSD + "float"):
            return float(term.value)
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def render(result: QueryResult, fmt: str) -> str:
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.triples is not None:
        return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in result.triples)
    if fmt == "json":
        rows = [{c: json_value(v) for c, v in zip(result.columns, row, strict=True)}
                for row in result.rows]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    texts = [[cell_text(v) for v in row] for row in result.rows]
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t",
                            lineterminator="\n")
        writer.writerow(result.columns)
        if fmt == "tsv":
            texts = [[t.replace("\t", " ").replace("\n", " ") for t in row] for row in texts]
        writer.writerows(texts)
        return buffer.getvalue()
    return table(result.columns, texts)


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
