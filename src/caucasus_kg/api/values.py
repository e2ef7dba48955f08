"""RDF terms as plain Python values, and columns of them as typed data-frame columns.

A cell of an answer becomes what a Python user expects: an IRI its CURIE as the command line
prints it (``id:russia``; the full IRI when no project prefix covers it), a blank node ``_:name``,
a literal a Python value of its datatype (below), an unbound variable ``None``. A literal whose
text is not valid for its datatype (``"2023-02-30"^^xsd:date``) stays its text.

=====================================================  =====================================
datatype                                               Python value
=====================================================  =====================================
``xsd:integer`` and the types derived from it          ``int``
``xsd:decimal``                                        ``decimal.Decimal`` (exact)
``xsd:double``, ``xsd:float``                          ``float``
``xsd:boolean``                                        ``bool``
``xsd:date``                                           ``datetime.date``
``xsd:dateTime``                                       ``datetime.datetime``
``xsd:gYear`` (a year: the graph's partial dates)      ``int``
``xsd:gYearMonth`` and every other datatype            ``str`` (the literal's text)
=====================================================  =====================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from caucasus_kg.model.iris import compact
from caucasus_kg.read.results import cell_text

Value = str | int | float | Decimal | bool | dt.date | dt.datetime | None
"""What a cell of an answer is in Python."""

_XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = frozenset(_XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte"))
_FLOATS = frozenset({_XSD + "double", _XSD + "float"})


def python_value(term: object) -> Value:
    """``term`` (a pyoxigraph term or None) as a plain Python value; see the module's table."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return _literal(term)
    return str(term)  # a triple term, in its N-Triples form


def _literal(term: ox.Literal) -> Value:
    text, datatype = term.value, term.datatype.value
    try:
        if datatype in INTEGER_TYPES:
            return int(text.strip())
        if datatype == _XSD + "decimal":
            return Decimal(text.strip())
        if datatype in _FLOATS:
            return float(text.strip())
        if datatype == _XSD + "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[text.strip()]
        if datatype == _XSD + "date":
            return dt.date.fromisoformat(text.strip())
        if datatype == _XSD + "dateTime":
            return dt.datetime.fromisoformat(text.strip())
        if datatype == _XSD + "gYear":
            return int(text.strip())
    except (ValueError, KeyError, InvalidOperation):
        return text  # ill-typed: its text, as written
    return text


COLUMN_KINDS = ("empty", "int", "float", "bool", "date", "datetime", "str")
"""What a column holds once typed for a data frame (see :func:`typed_column`)."""


def typed_column(values: Sequence[Value], terms: Sequence[object]) -> tuple[str, list[Value]]:
    """One kind for a whole column, and its values converted to it, for a data frame.

    Whole numbers stay ``int``; decimals and whole numbers mixed with them become ``float`` (a
    data frame computes and plots floats; the exact ``Decimal`` stays in the rows); booleans,
    dates and date-times keep their type; a column mixing other kinds (a year and a date, a
    number and a name) becomes the text the command line's table shows. ``None`` stays missing.
    """
    present = {_kind(v) for v in values if v is not None}
    if not present:
        return "empty", list(values)
    if present <= {"int"}:
        return "int", list(values)
    if present <= {"int", "float"}:
        return "float", [None if v is None else float(v) for v in values]  # type: ignore[arg-type]
    if len(present) == 1:
        kind = present.pop()
        return ("datetime" if kind == "datetime-tz" else kind), list(values)
    return "str", [None if v is None else cell_text(t) for v, t in zip(values, terms, strict=True)]


def _kind(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float | Decimal):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime" if value.tzinfo is None else "datetime-tz"
    if isinstance(value, dt.date):
        return "date"
    return "str"

