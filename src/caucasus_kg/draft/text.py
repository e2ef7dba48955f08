"""An article's text cut into paragraphs, sentences and clauses, by character offsets.

Offsets always index the stored text itself, so a span is a verbatim quote. Matching works on
:func:`plain`, a copy of the same length with typographic quotes, apostrophes and dashes read as
plain ones and letters without their accents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                        "–": "-", "—": "-", "\u00a0": " ", "\u2011": "-"})

ABBREVIATIONS = frozenset(re.findall(r"\S+", """
mr mrs ms dr prof gen col lt maj capt sgt st no nos jan feb mar apr jun jul aug sep sept oct nov
dec u.s u.k u.n e.g i.e etc vs inc ltd co jr sr dept gov sen rep approx fig est
"""))
"""Words whose full stop does not end a sentence."""

CLAUSE_BREAKS = re.compile(
    r"(?:;\s+|,\s+(?=(?:and|but|while|whereas|contrary to|yet|although|though)\b)"
    r"|\s+(?=but\b)|\s+(?=and\s+(?:has|have|had|is|was|were|will|would|also|then)\s+\w+)"
    r"|\s+(?=and\s+(?:said|says|stated|added|told|noted|insisted|stressed)\b))",
    re.IGNORECASE)
"""Where a sentence divides into clauses that may each carry a fact or claim: a semicolon, a comma
before a conjunction, "but", and "and" opening a second verb ("... and has stated that ...")."""


def plain(text: str) -> str:
    """``text`` with the same length and offsets, typographic punctuation made plain and
    accents taken off letters (Türkiye reads Turkiye)."""
    out = []
    for ch in text.translate(_PLAIN):
        if ord(ch) > 127 and ch.isalpha():
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if len(base) == 1 else ch)
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Span:
    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start:self.end]


@dataclass
class Sentence(Span):
    paragraph: int
    index: int
    heading: bool = False
    clauses: list[Span] = field(default_factory=list)


def paragraphs(text: str) -> list[Span]:
    spans, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(Span(start, end))
        pos += len(line) + 1
    return spans


_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")


def sentences(text: str) -> list[Sentence]:
    """Every sentence of ``text``, paragraph by paragraph (a paragraph is a line). A short line
    without closing punctuation is a heading (a title, a byline): kept, but marked."""
    flat = plain(text)
    found: list[Sentence] = []
    for number, para in enumerate(paragraphs(text)):
        start = para.start
        chunk = flat[para.start:para.end]
        cuts = []
        for match in _END.finditer(chunk):
            before = re.search(r"([\w.]+)\.?$", chunk[:match.start() + 1].rstrip(".!?"))
            word = before.group(1).lower().rstrip(".") if before else ""
            if chunk[match.start()] == "." and (word in ABBREVIATIONS or re.fullmatch(
                    r"[a-z]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", word)):
                continue
            cuts.append(para.start + match.end())
        for cut in [*cuts, para.end]:
            s, e = start, cut
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                found.append(Sentence(s, e, number, len(found)))
            start = cut
        last = found[-1] if found else None
        if last is not None and last.paragraph == number and len(cuts) == 0:
            body = flat[last.start:last.end]
            if not re.search(r"[.!?:\"')\]]$", body) and len(body.split()) < 25:
                last.heading = True
    for sentence in found:
        sentence.clauses = clauses(text, sentence)
    return found


def clauses(text: str, sentence: Span) -> list[Span]:
    """The clauses of a sentence: spans that start at a conjunction or after a semicolon."""
    flat = plain(text[sentence.start:sentence.end])
    spans, start = [], 0
    for match in CLAUSE_BREAKS.finditer(flat):
        if _inside_parentheses(flat, match.start()):
            continue
        end = match.start()
        if flat[end - 1:end] in (",", ";"):
            end -= 1
        if end > start:
            spans.append(Span(sentence.start + start, sentence.start + end))
        start = match.end()
    spans.append(Span(sentence.start + start, sentence.end))
    return [s for s in spans if text[s.start:s.end].strip()]


def _inside_parentheses(text: str, pos: int) -> bool:
    return text.count("(", 0, pos) > text.count(")", 0, pos)
