"""Result formats and content negotiation (``Accept`` and ``format=``) for the endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from caucasus_kg.core.sparql_text import QueryRefused as Refused

# --- Result formats and content negotiation ------------------------------------------------

@dataclass(frozen=True)
class Offer:
    media_type: str
    names: tuple[str, ...]
    format: Any  # ox.QueryResultsFormat or ox.RdfFormat

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type == "application/n-triples"
        return self.media_type + ("; charset=utf-8" if textual else "")


_QRF = ox.QueryResultsFormat
RESULT_OFFERS = (
    Offer("application/sparql-results+json", ("json", "srj"), _QRF.JSON),
    Offer("application/json", (), _QRF.JSON),
    Offer("application/sparql-results+xml", ("xml", "srx"), _QRF.XML),
    Offer("application/xml", (), _QRF.XML),
    Offer("text/csv", ("csv",), _QRF.CSV),
    Offer("text/tab-separated-values", ("tsv",), _QRF.TSV),
    Offer("text/xml", (), _QRF.XML),
)
"""For SELECT and ASK; the first is the default."""

GRAPH_OFFERS = (
    Offer("text/turtle", ("turtle", "ttl"), ox.RdfFormat.TURTLE),
    Offer("application/n-triples", ("ntriples", "nt"), ox.RdfFormat.N_TRIPLES),
    Offer("text/plain", (), ox.RdfFormat.N_TRIPLES),
    Offer("application/rdf+xml", ("rdfxml", "xml"), ox.RdfFormat.RDF_XML),
) + ((Offer("application/ld+json", ("jsonld", "json"), ox.RdfFormat.JSON_LD),)
     if hasattr(ox.RdfFormat, "JSON_LD") else ())  # pyoxigraph 0.5 writes JSON-LD, 0.4 does not
"""For CONSTRUCT and DESCRIBE (and the service description); the first is the default."""

FORMAT_PARAMS = ("format", "output")
"""Query-string parameters that override the Accept header, e.g. ``format=csv``."""


def known_format(value: str) -> bool:
    value = value.strip().lower()
    return any(value in o.names or value == o.media_type for o in RESULT_OFFERS + GRAPH_OFFERS)


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


def negotiate(offers: tuple[Offer, ...], accept: str | None, fmt: str | None = None) -> Offer:
    """The offer for a ``format=`` value, else the best for the Accept header (ties go to the
    earlier offer). Raises Refused(406) when nothing fits."""
    if fmt:
        wanted = fmt.strip().lower()
        for offer in offers:
            if wanted in offer.names or wanted == offer.media_type:
                return offer
        names = ", ".join(n for o in offers for n in o.names[:1])
        raise Refused(406, f"format '{fmt}' does not fit this answer; it can be given as "
                      f"{names}")
    ranges = parse_accept(accept or "*/*") or [("*", "*", 1.0)]
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(offer.media_type, ranges)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        types = ", ".join(o.media_type for o in offers)
        raise Refused(406, f"none of the accepted media types can be produced for this answer; "
                      f"available: {types}")
    return best


