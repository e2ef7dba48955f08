"""Dates in an article, normalised against its publication date with the precision stated:
"On 7 November 2023" is 2023-11-07, "in November 2023" 2023-11, "in 2001" 2001, "last year"
the year before publication, "on Tuesday" the Tuesday before it.

Date expressions are found by pattern here; dateparser turns each into a date and tells its
period (day, month, year), which becomes the precision. A relative date without a publication
date is reported, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from caucasus_kg.draft.text import plain

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

_ABSOLUTE = [
    rf"{_YEAR}-[01]\d-[0-3]\d",
    rf"{_DAY}\s+{_MONTH},?\s+{_YEAR}",
    rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",
    rf"{_MONTH},?\s+{_YEAR}",
    rf"(?<![$€£\d.,]){_YEAR}(?![\d%])(?!\s*(?:%|percent|per cent|troops|units|km|tons))",
]
_RELATIVE = [
    r"(?:last|this|next|previous|past)\s+(?:year|month|week)",
    r"(?:yesterday|today|tomorrow)",
    rf"(?:on|last|this|next)\s+{_WEEKDAY}",
    rf"{_DAY}\s+{_MONTH}(?!,?\s+\d)",
    rf"{_MONTH}\s+{_DAY}(?!,?\s+\d)(?!\d)",
    r"(?:a|one|two|three|four|five|six|\d+)\s+(?:days?|weeks?|months?|years?)\s+ago",
    r"earlier this (?:year|month|week)",
]
_PATTERN = re.compile("|".join(f"(?P<a{i}>{p})" for i, p in enumerate(_ABSOLUTE)) + "|" +
                      "|".join(f"(?P<r{i}>{p})" for i, p in enumerate(_RELATIVE)),
                      re.IGNORECASE)
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: str | None
    """YYYY, YYYY-MM or YYYY-MM-DD; None when it could not be resolved."""
    relative: bool
    note: str | None = None


def find_dates(text: str, start: int, end: int, published: dt.date | None
               ) -> list[DateMention]:
    """The date expressions in ``text[start:end]``, in order."""
    flat = plain(text)
    found = []
    for match in _PATTERN.finditer(flat, start, end):
        s, e = match.start(), match.end()
        if s > 0 and _WORD.match(flat[s - 1]) or e < len(flat) and _WORD.match(flat[e]):
            continue
        relative = any(k.startswith("r") and v for k, v in match.groupdict().items())
        expression = text[s:e]
        found.append(normalise(expression, s, e, relative, published))
    return found


def normalise(expression: str, start: int, end: int, relative: bool,
              published: dt.date | None) -> DateMention:
    if relative and published is None:
        return DateMention(start, end, expression, None, True,
                           f"relative date '{expression}' not resolved: give --published")
    try:
        from dateparser.date import DateDataParser  # lazy: the drafting extra
    except ImportError:
        return DateMention(start, end, expression, _by_hand(expression), relative,
                           None if not relative else "dateparser is not installed")
    base = dt.datetime.combine(published or dt.date(2000, 1, 1), dt.time())
    parser = DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first"})
    words = re.sub(r"^(?:on|in)\s+", "", expression, flags=re.IGNORECASE)
    words = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", words)
    data = parser.get_date_data(words)
    if data is None or data.date_obj is None:
        return DateMention(start, end, expression, None, relative,
                           f"'{expression}' could not be read as a date")
    day = data.date_obj.date()
    period = data.period or "day"
    if period == "year":
        value = f"{day.year:04d}"
    elif period == "month":
        value = f"{day.year:04d}-{day.month:02d}"
    elif period == "day":
        value = day.isoformat()
    else:  # a week, or a time of day: no precision the graph can keep
        return DateMention(start, end, expression, None, relative,
                           f"'{expression}' names a {period}; give the date by hand")
    if published is not None and day > published:
        return DateMention(start, end, expression, value, relative,
                           f"'{expression}' is after the publication date")
    return DateMention(start, end, expression, value, relative)


def _by_hand(expression: str) -> str | None:
    match = re.search(r"\b(\d{4})\b", expression)
    return match.group(1) if match else None
