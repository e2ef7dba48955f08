"""Content negotiation (``Accept`` and ``format=``) for the endpoint, over the result formats of
:mod:`caucasus_kg.read.results` (which the command line's ``--format`` takes too)."""

from __future__ import annotations

from caucasus_kg.core.sparql_text import QueryRefused as Refused
from caucasus_kg.read.results import (
    ASK_FORMATS,
    GRAPH_FORMATS,
    SELECT_FORMATS,
    AnswerFormats,
    FormatError,
    ResultFormat,
)

FORMAT_PARAMS = ("format", "output")
"""Query-string parameters that override the Accept header, e.g. ``format=csv``."""


def known_format(value: str) -> bool:
    value = value.strip().lower()
    return any(value in f.names or value == f.media_type
               for kind in (SELECT_FORMATS, ASK_FORMATS, GRAPH_FORMATS) for f in kind.formats)


def parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in header.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind, _, sub = media.partition("/")
        ranges.append((kind.strip(), sub.strip(), q))
    return ranges


def quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific Accept range that matches ``media_type``; -1 if none does."""
    kind, _, sub = media_type.partition("/")
    best, specificity = -1.0, -1
    for rkind, rsub, q in ranges:
        if (rkind, rsub) == (kind, sub):
            level = 2
        elif rkind == kind and rsub == "*":
            level = 1
        elif rkind == "*" and rsub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def negotiate(offers: AnswerFormats, accept: str | None, fmt: str | None = None) -> ResultFormat:
    """The format a ``format=`` value names, else the best for the Accept header (ties go to the
    earlier format). Raises Refused(406) when nothing fits."""
    if fmt:
        try:
            return offers.named(fmt)
        except FormatError as exc:
            raise Refused(406, str(exc)) from None
    ranges = parse_accept(accept or "*/*") or [("*", "*", 1.0)]
    best, best_q = None, 0.0
    for offer in offers.formats:
        q = quality(offer.media_type, ranges)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        types = ", ".join(o.media_type for o in offers.formats)
        raise Refused(406, f"none of the accepted media types can be produced for {offers.answer}; "
                      f"available: {types}")
    return best
