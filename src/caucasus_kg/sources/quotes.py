"""Finding verbatim quotes in source texts, and saying why one is not there."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT_CHARS = 32
"""Characters of prefix and suffix kept in a TextQuoteSelector, as the Web Annotation model suggests."""

_EQUIVALENT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                             "\u00a0": " "})


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote sits in its source text."""

    exact: str
    start: int
    end: int
    prefix: str
    suffix: str


def find_quote(text: str, quote: str, occurrence: int = 1) -> QuoteMatch | None:
    """The ``occurrence``-th place (1-based) where ``quote`` occurs verbatim in ``text``."""
    if not quote:
        return None
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start < 0:
            return None
    end = start + len(quote)
    return QuoteMatch(
        exact=quote,
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT_CHARS):start],
        suffix=text[end:end + CONTEXT_CHARS],
    )


def _normalise(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_EQUIVALENT)).strip().lower()


def explain_missing(text: str, quote: str) -> str:
    """A fix hint for a quote that is not in the text: what differs, or the closest passage."""
    if _normalise(quote) and _normalise(quote) in _normalise(text):
        if quote.translate(_EQUIVALENT) != quote or text.translate(_EQUIVALENT) != text:
            return ("the quote differs from the source only in quotation marks, apostrophes, dashes, "
                    "spaces or letter case; copy the exact characters from the source text")
        return ("the quote differs from the source only in spaces or letter case; "
                "copy the exact characters from the source text")
    passage = closest_passage(text, quote)
    if passage is not None:
        return f"quote the source verbatim; the closest passage is: \"{passage}\""
    return "quote a passage that occurs verbatim in the source text"


def closest_passage(text: str, quote: str, cutoff: float = 0.6) -> str | None:
    """The stretch of ``text``, as long as the quote and starting at a word, most like it."""
    size = len(quote)
    if size == 0 or size > 2000:
        return None
    best, best_ratio, best_end = None, cutoff, 0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote.lower())
    for match in re.finditer(r"\S+", text):
        window = text[match.start():match.start() + size]
        matcher.set_seq1(window.lower())
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio, best_end = window, ratio, match.start() + size
    if best is None:
        return None
    if best_end < len(text) and not text[best_end].isspace() and " " in best:
        best = best.rsplit(None, 1)[0]  # do not end in the middle of a word
    return best.strip()
