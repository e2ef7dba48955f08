"""Partial dates whose datatype carries their precision: xsd:gYear, xsd:gYearMonth or xsd:date.

:func:`partial_date` reads a date as text and its datatype IRI, without rdflib (a query's date
parameter needs no more); the loaders' :func:`parse_partial_date` makes it an rdflib literal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from caucasus_kg.model.iris import XSD

if TYPE_CHECKING:
    from rdflib import Literal

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
G_YEAR, G_YEAR_MONTH, DATE = XSD + "gYear", XSD + "gYearMonth", XSD + "date"


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
"""English month names, whatever the locale (``calendar.month_name`` follows it)."""


def days_in_month(year: int, month: int) -> int:
    """The days of ``month`` (1-12) of ``year`` in the proleptic Gregorian calendar."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class DateFormatError(ValueError):
    """A value that is not a year, year-month or calendar date; the message says why."""


def partial_date(value: object) -> tuple[str, str]:
    """``2024``, ``"2023-11"`` or ``"2023-11-07"`` as its lexical form and the IRI of the datatype
    of matching precision (xsd:gYear, xsd:gYearMonth, xsd:date)."""
    if isinstance(value, bool):
        raise DateFormatError(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(value, int):
        value = f"{value:04d}" if value >= 0 else str(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise DateFormatError(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    text = value.strip()
    match = _PATTERN.match(text)
    if not match:
        raise DateFormatError(f"'{value}' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    y = int(year)
    if y < 1:
        raise DateFormatError(f"'{value}' has year 0, which does not exist")
    if month is None:
        return year, G_YEAR
    m = int(month)
    if not 1 <= m <= 12:
        raise DateFormatError(f"'{value}' has month {m}; months run from 01 to 12")
    if day is None:
        return f"{year}-{month}", G_YEAR_MONTH
    d = int(day)
    last = days_in_month(y, m)
    if not 1 <= d <= last:
        raise DateFormatError(f"'{value}' is not a date: {MONTHS[m - 1]} {y} has {last} days")
    return f"{year}-{month}-{day}", DATE


def parse_partial_date(value: object) -> Literal:
    """Turn ``2024``, ``"2023-11"`` or ``"2023-11-07"`` into a typed literal of matching precision."""
    from rdflib import Literal, URIRef  # lazy: rdflib, which reading the graph does without

    text, datatype = partial_date(value)
    return Literal(text, datatype=URIRef(datatype))


def parse_year(value: object) -> Literal:
    """A year only (xsd:gYear), from ``2024`` or ``"2024"``."""
    literal = parse_partial_date(value)
    if str(literal.datatype) != G_YEAR:
        raise DateFormatError(f"'{value}' is not a year; write YYYY")
    return literal


def earliest_day(literal: Literal) -> dt.date:
    """The first day a partial date can denote, for ordering and future-date checks."""
    text = str(literal)
    if str(literal.datatype) == G_YEAR:
        return dt.date(int(text), 1, 1)
    if str(literal.datatype) == G_YEAR_MONTH:
        y, m = text.split("-")
        return dt.date(int(y), int(m), 1)
    return dt.date.fromisoformat(text)
