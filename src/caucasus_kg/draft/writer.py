"""Writing a draft: the fact file (YAML, every entry marked ``review: needed`` with its cue) and
the same as data for scripts (``--format json``).

Entries that repeat a fact or claim the graph already holds are written as additions to it (its
id and type, no label, the new quote as evidence), as docs/adding-facts.md describes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from caucasus_kg.draft.propose import Draft, Entry

SECTIONS = ("actors", "places", "instruments", "events", "indicators", "claims")
REVIEW = "needed"

_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/()-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


@dataclass
class SourceBlock:
    """The ``source:`` of the drafted file."""

    id: str
    title: str
    publisher: str | None
    text: str | None = None
    sha256: str | None = None
    language: str = "en"
    kind: str | None = None
    url: str | None = None
    date: str | None = None
    retrieved: str | None = None


@dataclass
class Written:
    """The YAML text, and the line of each entry in it (by the entry's position in the report)."""

    text: str
    lines: dict[int, int] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)


def scalar(value: Any) -> str:
    """A YAML scalar that reads back as exactly ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN_SCALAR.fullmatch(text) and text.lower() not in _YAML_WORDS and \
            text == text.strip() and not re.fullmatch(r"[\d.]+(?:e\d+)?", text) or \
            re.fullmatch(r"\d{4}(?:-\d\d(?:-\d\d)?)?", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    return scalar(value)


def occurrence(text: str, quote: str, start: int) -> int:
    """Which occurrence of ``quote`` in ``text`` starts at ``start``, counted as the loader
    counts them."""
    count, pos = 0, -1
    while True:
        pos = text.find(quote, pos + 1)
        if pos < 0 or pos > start:
            return max(count, 1)
        count += 1
        if pos == start:
            return count


def merged_entries(draft: Draft) -> list[tuple[Entry, list[Entry]]]:
    """The entries to write: each with the entries whose evidence it carries (several drafted
    entries that repeat the same stored fact become one addition to it), with references to
    drafted duplicates pointed at the stored ids."""
    remap = {e.id: e.duplicate_of.slug for e in draft.entries if e.duplicate_of is not None}
    groups: dict[str, tuple[Entry, list[Entry]]] = {}
    order: list[str] = []
    for entry in [*draft.declared, *draft.entries]:
        for key, value in list(entry.props.items()):
            if isinstance(value, str) and value in remap:
                entry.props[key] = remap[value]
            elif isinstance(value, list):
                entry.props[key] = list(dict.fromkeys(remap.get(v, v) if isinstance(v, str)
                                                      else v for v in value))
        key = entry.duplicate_of.slug if entry.duplicate_of is not None else entry.id
        if key in groups:
            groups[key][1].append(entry)
        else:
            groups[key] = (entry, [entry])
            order.append(key)
    return [groups[k] for k in order]


def to_yaml(draft: Draft, source: SourceBlock, header: list[str]) -> Written:
    """The fact file of the draft."""
    out: list[str] = [f"# {line}" if line else "#" for line in header]
    out.append("")
    out.append("source:")
    for key in ("id", "title", "text", "sha256", "publisher", "language", "kind", "url", "date",
                "retrieved"):
        value = getattr(source, key)
        if value is not None:
            out.append(f"  {key}: {scalar(value)}")
    written = Written("")
    groups = merged_entries(draft)
    index = {id(e): n for n, e in enumerate(report_entries(draft))}
    for section in SECTIONS:
        chosen = [(head, members) for head, members in groups if head.section == section]
        if not chosen:
            continue
        out.append("")
        out.append(f"{section}:")
        for head, members in chosen:
            lines = _entry_lines(draft, head, members)
            line = len(out) + 1 + next(n for n, text in enumerate(lines)
                                       if text.startswith("  - id: "))
            for member in members:
                written.lines[index[id(member)]] = line
                written.ids[index[id(member)]] = head.duplicate_of.slug \
                    if head.duplicate_of is not None else head.id
            out += lines
            out.append("")
        if out[-1] == "":
            out.pop()
    written.text = "\n".join(out) + "\n"
    return written


def _entry_lines(draft: Draft, head: Entry, members: list[Entry]) -> list[str]:
    lines: list[str] = []
    duplicate = head.duplicate_of
    if duplicate is not None:
        where = f" ({duplicate.where})" if duplicate.where else ""
        lines.append(f"  # already in the graph as '{duplicate.slug}'{where}: this adds the "
                     "quote as evidence")
        lines.append(f"  - id: {duplicate.slug}")
        if head.type:
            lines.append(f"    type: {head.type}")
    else:
        lines.append(f"  - id: {head.id}")
        if head.type or head.section != "claims":
            lines.append(f"    type: {head.type or ''}".rstrip())
        lines.append(f"    label: {scalar(head.label)}")
        for key, value in head.props.items():
            lines.append(f"    {key}: {_value(value)}")
    lines.append(f"    review: {REVIEW}")
    cues = list(dict.fromkeys(m.cue for m in members))
    lines.append(f"    cue: {scalar(' | '.join(cues))}")
    for note in dict.fromkeys(n for m in members for n in m.notes
                              if duplicate is None or "fill in" not in n):
        lines.append(f"    # check: {note}")
    evidence = [m for m in members if m.section != "actors" and m.section != "places"
                and not (m.section == "instruments" and m.attributed_to is None)]
    if evidence:
        lines.append("    evidence:")
        seen = set()
        for member in evidence:
            quote = draft.text[member.quote.start:member.quote.end]
            if (quote, member.quote.start) in seen:
                continue
            seen.add((quote, member.quote.start))
            lines.append(f"      # characters {member.quote.start}-{member.quote.end}")
            lines.append(f"      - quote: {scalar(quote)}")
            if member.attributed_to:
                lines.append(f"        attributed_to: {member.attributed_to}")
            number = occurrence(draft.text, quote, member.quote.start)
            if number > 1:
                lines.append(f"        occurrence: {number}")
    return lines


def report_entries(draft: Draft) -> list[Entry]:
    return [*draft.declared, *draft.entries]


def to_report(draft: Draft, written: Written, source: SourceBlock, files: dict[str, str | None]
              ) -> dict[str, Any]:
    """The draft as data (``--format json``)."""
    entries = []
    for n, entry in enumerate(report_entries(draft)):
        entries.append({
            "id": written.ids.get(n, entry.id),
            "line": written.lines.get(n),
            "section": entry.section,
            "type": entry.type,
            "label": entry.label,
            "stance": entry.stance,
            "claimant": entry.claimant,
            "properties": entry.props,
            "quote": draft.text[entry.quote.start:entry.quote.end],
            "start": entry.quote.start,
            "end": entry.quote.end,
            "sentence": {"start": entry.sentence.start, "end": entry.sentence.end},
            "attributed_to": entry.attributed_to,
            "cue": entry.cue,
            "cameo": entry.cameo,
            "already_in_graph": entry.duplicate_of.slug if entry.duplicate_of else None,
            "notes": entry.notes,
        })
    facts = [e for e in draft.entries if e.section in ("events", "indicators")]
    claims = [e for e in draft.entries if e.section == "claims"]
    return {
        **files,
        "source": {k: v for k, v in vars(source).items() if v is not None},
        "counts": {"facts": len(facts), "claims": len(claims),
                   "new_entities": len(draft.declared),
                   "already_in_graph": sum(1 for e in draft.entries if e.duplicate_of)},
        "entries": entries,
        "new_names": [{"name": n.text, "start": n.start, "end": n.end,
                       "suggested_type": n.suggested_type, "near": n.near}
                      for n in draft.new_names],
        "notes": draft.notes,
    }
