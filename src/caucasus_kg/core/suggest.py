"""'Did you mean ...?' suggestions for misspelt keys, types and references."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, best first, compared case-insensitively."""
    import difflib  # lazy: only once a name is not found, not for every command

    lowered: dict[str, str] = {}
    for candidate in candidates:  # the first spelling of a name wins: callers list labels first
        lowered.setdefault(candidate.lower(), candidate)
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    if not hits:
        return []
    def score(hit: str) -> float:
        return difflib.SequenceMatcher(None, word.lower(), hit).ratio()
    best = score(hits[0])
    return [lowered[h] for h in hits if score(h) >= best - 0.1]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A fix hint such as "did you mean 'Azerbaijan'?" or None when nothing is close."""
    hits = closest(word, candidates)
    if not hits:
        return None
    if len(hits) == 1:
        return f"did you mean '{hits[0]}'?"
    return "did you mean " + " or ".join(f"'{h}'" for h in hits) + "?"
