"""Answers to questions as Python objects: a :class:`Table` of plain values for a SELECT, a
``bool`` for an ASK, :class:`Triples` for a CONSTRUCT or DESCRIBE.

The question runs through :func:`caucasus_kg.read.queries.run_query`, as ``caucasus-kg query``
runs it, so the rows, their order and every error message are the command line's.
``str(answer)`` is the table the command line prints and ``answer.serialize("csv")`` the bytes
``caucasus-kg query --format csv`` prints. pandas and polars are imported only by
:meth:`Table.to_pandas` and :meth:`Table.to_polars`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, overload

import pyoxigraph as ox

from caucasus_kg.api.values import Value, python_value, typed_column
from caucasus_kg.read.queries import CannedQuery, QueryResult, run_query
from caucasus_kg.read.results import FORM_FORMATS, render_table, serialize
from caucasus_kg.store.backends import QueryStore

Row = tuple[Value, ...]


class Table(Sequence[Row]):
    """The rows of a SELECT answer, in the answer's order; a sequence of tuples of plain Python
    values (see :mod:`caucasus_kg.api.values`): ``for actor, action, date, *_ in table``."""

    def __init__(self, result: QueryResult, question: CannedQuery | None = None):
        self.result = result
        """The answer as the library holds it (columns and rows of terms)."""
        self.question = question
        """The question asked (its name, title, parameters and SPARQL text)."""

    @property
    def columns(self) -> list[str]:
        """The variable names, in the order of the SELECT clause."""
        return list(self.result.columns)

    @property
    def terms(self) -> list[tuple[object, ...]]:
        """The rows as pyoxigraph terms (``NamedNode``, ``Literal``, ``BlankNode``; None where a
        variable is unbound)."""
        return list(self.result.rows)

    @cached_property
    def rows(self) -> list[Row]:
        """The rows as plain Python values."""
        return [tuple(python_value(t) for t in row) for row in self.result.rows]

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.result.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def column(self, name: str) -> list[Value]:
        """The values of one column, top to bottom."""
        if name not in self.result.columns:
            raise KeyError(f"no column '{name}'; the columns are: {', '.join(self.columns)}")
        index = self.result.columns.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Value]]:
        """The rows as dictionaries from column name to value."""
        return [dict(zip(self.result.columns, row, strict=True)) for row in self.rows]

    def _typed(self) -> list[tuple[str, str, list[Value]]]:
        """(name, kind, values) of each column, typed for a data frame."""
        typed = []
        for i, name in enumerate(self.result.columns):
            kind, values = typed_column([row[i] for row in self.rows],
                                        [row[i] for row in self.result.rows])
            typed.append((name, kind, values))
        return typed

    def to_pandas(self) -> Any:
        """The answer as a ``pandas.DataFrame`` (``pip install 'caucasus-kg[pandas]'``).

        Whole numbers are ``int64`` (``Int64`` when some are missing), decimals and doubles
        ``float64``, booleans ``bool`` (``boolean`` when some are missing), dates and date-times
        ``datetime64``, everything else text: IRIs as CURIEs, as in :attr:`rows`. A column that
        mixes kinds (a year in one row, a date in the next) holds the text the table shows.
        """
        try:
            import pandas as pd  # lazy: an optional extra, needed only here
        except ImportError as exc:
            raise ImportError("Table.to_pandas() needs pandas, which is not installed: "
                              "pip install 'caucasus-kg[pandas]'") from exc
        data = {}
        for name, kind, values in self._typed():
            missing = any(v is None for v in values)
            if kind in ("date", "datetime"):
                data[name] = pd.Series(pd.to_datetime(values), name=name)
            elif kind == "int":
                data[name] = pd.Series(values, dtype="Int64" if missing else "int64", name=name)
            elif kind == "float":
                data[name] = pd.Series(values, dtype="float64", name=name)
            elif kind == "bool":
                data[name] = pd.Series(values, dtype="boolean" if missing else "bool", name=name)
            elif kind == "empty":
                data[name] = pd.Series(values, dtype="object", name=name)
            else:
                data[name] = pd.Series(values, name=name)
        return pd.DataFrame(data, columns=self.columns)

    def to_polars(self) -> Any:
        """The answer as a ``polars.DataFrame`` (``pip install 'caucasus-kg[polars]'``), typed
        as :meth:`to_pandas` types it: ``Int64``, ``Float64``, ``Boolean``, ``Date``,
        ``Datetime``, ``String`` (``Null`` for a column with no value)."""
        try:
            import polars as pl  # lazy: an optional extra, needed only here
        except ImportError as exc:
            raise ImportError("Table.to_polars() needs polars, which is not installed: "
                              "pip install 'caucasus-kg[polars]'") from exc
        dtypes = {"empty": pl.Null, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean,
                  "date": pl.Date, "datetime": None, "str": pl.String}
        return pl.DataFrame([pl.Series(name, values, dtype=dtypes[kind])
                             for name, kind, values in self._typed()])

    def serialize(self, format: str = "csv") -> bytes:
        """The answer in a SPARQL 1.1 result format (``csv``, ``tsv``, ``json``, ``xml`` or a
        media type): the bytes ``caucasus-kg query --format`` prints and the server sends."""
        return serialize(self.result, FORM_FORMATS["SELECT"].named(format))

    def __str__(self) -> str:
        return render_table(self.result)

    def __repr__(self) -> str:
        count = len(self)
        return (f"<Table of {count} row{'s' if count != 1 else ''}: "
                f"{', '.join(self.result.columns)}>")


class Triples(Sequence[ox.Triple]):
    """The triples of a CONSTRUCT or DESCRIBE answer (pyoxigraph ``Triple`` objects), sorted."""

    def __init__(self, result: QueryResult, question: CannedQuery | None = None):
        self.result = result
        self.question = question

    @overload
    def __getitem__(self, index: int) -> ox.Triple: ...
    @overload
    def __getitem__(self, index: slice) -> list[ox.Triple]: ...
    def __getitem__(self, index: int | slice) -> ox.Triple | list[ox.Triple]:
        return (self.result.triples or [])[index]

    def __len__(self) -> int:
        return len(self.result.triples or [])

    def serialize(self, format: str = "turtle") -> bytes:
        """The triples as ``turtle`` (with the project's prefixes), ``ntriples``, ``rdfxml`` or
        ``jsonld``: the bytes ``caucasus-kg query --format`` prints."""
        return serialize(self.result, FORM_FORMATS["CONSTRUCT"].named(format))

    def __str__(self) -> str:
        return render_table(self.result)

    def __repr__(self) -> str:
        return f"<Triples: {len(self)}>"


def param_text(value: object) -> str:
    """A parameter value as ``--param`` takes it: a date in ISO form, a boolean as ``true`` or
    ``false``, a node by its IRI, anything else as its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, ox.NamedNode):
        return value.value
    return str(value)


def answer(store: QueryStore, question: CannedQuery, params: Mapping[str, object] | None = None,
           allow_service: bool = False) -> Table | bool | Triples:
    """Ask ``question`` with ``params``: a Table, a bool (ASK) or Triples (CONSTRUCT, DESCRIBE).

    Raises :class:`~caucasus_kg.read.queries.QueryError` (``UnknownEntity`` for a parameter
    naming no entity) with the command line's message."""
    given = {name: param_text(value) for name, value in (params or {}).items()}
    result = run_query(question, store, given, allow_service=allow_service)
    if result.boolean is not None:
        return result.boolean
    if result.triples is not None:
        return Triples(result, question)
    return Table(result, question)
