"""The review page of a draft: the article beside its drafted entries, one self-contained HTML file
that works offline. Each entry's quote is highlighted in the article; clicking an entry scrolls
the article to its sentence, and clicking a highlight selects its entry."""

from __future__ import annotations

import html
from pathlib import Path

from caucasus_kg.draft.propose import Draft, Entry
from caucasus_kg.draft.text import paragraphs
from caucasus_kg.draft.writer import Written, report_entries

TEMPLATE = Path(__file__).with_name("review.html")


def review_page(draft: Draft, written: Written, title: str, yaml_name: str) -> str:
    entries = report_entries(draft)
    names = {n: f"e{n + 1}" for n in range(len(entries))}
    article = _article(draft, entries, names)
    cards = "\n".join(_card(draft, entry, names[n], written.ids.get(n, entry.id),
                            written.lines.get(n), yaml_name) for n, entry in enumerate(entries))
    facts = sum(1 for e in draft.entries if e.section in ("events", "indicators"))
    claims = sum(1 for e in draft.entries if e.section == "claims")
    summary = (f"{facts} facts, {claims} claims and {len(draft.declared)} new entities drafted "
               f"into {yaml_name}; every entry needs review")
    unknown = ", ".join(html.escape(n.text) + (f" <i>({html.escape(n.suggested_type)}?)</i>"
                                                if n.suggested_type else "")
                        for n in draft.new_names)
    page = TEMPLATE.read_text("utf-8")
    for marker, value in (("@@TITLE@@", html.escape(title)), ("@@SUMMARY@@", html.escape(summary)),
                          ("@@ARTICLE@@", article), ("@@ENTRIES@@", cards),
                          ("@@NAMES@@", "Names not in the graph: " + unknown if unknown else "")):
        page = page.replace(marker, value)
    return page


def _article(draft: Draft, entries: list[Entry], names: dict[int, str]) -> str:
    text = draft.text
    spans = [(e.quote.start, e.quote.end, names[n]) for n, e in enumerate(entries)]
    out = []
    for para in paragraphs(text):
        inside = [s for s in draft.sentences if para.start <= s.start < para.end]
        heading = all(s.heading for s in inside) if inside else False
        parts = []
        pos = para.start
        for sentence in inside:
            parts.append(html.escape(text[pos:sentence.start]))
            parts.append(f'<span class="sentence" id="s{sentence.index}">'
                         f"{_marked(text, sentence.start, sentence.end, spans)}</span>")
            pos = sentence.end
        parts.append(html.escape(text[pos:para.end]))
        css = ' class="heading"' if heading else ""
        out.append(f"    <p{css}>{''.join(parts)}</p>")
    return "\n".join(out)


def _marked(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> str:
    """``text[start:end]`` with every stretch that some entries quote wrapped in a mark naming
    them."""
    cuts = {start, end}
    for s, e, _ in spans:
        if s < end and start < e:
            cuts |= {max(s, start), min(e, end)}
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:], strict=False):
        covering = [name for s, e, name in spans if s <= a and b <= e]
        piece = html.escape(text[a:b])
        if covering:
            many = " many" if len(covering) > 1 else ""
            out.append(f'<mark class="q{many}" data-entries="{" ".join(covering)}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    return str(value)


def _card(draft: Draft, entry: Entry, name: str, written_id: str, line: int | None,
          yaml_name: str) -> str:
    what = entry.type or "Claim"
    if entry.stance:
        what += f" · {entry.stance}"
    bits = [f'<div class="what">{html.escape(what)}: {html.escape(entry.label)}</div>',
            f'<div class="id">{html.escape(written_id)}'
            + (f" · {html.escape(yaml_name)}:{line}" if line else "") + "</div>"]
    details = [f"{k}: {_shown(v)}" for k, v in entry.props.items() if k != "stance"]
    if details:
        bits.append(f'<div class="cue">{html.escape("; ".join(map(str, details)))}</div>')
    quote = draft.text[entry.quote.start:entry.quote.end]
    bits.append(f'<div class="quote">“{html.escape(quote)}”</div>')
    bits.append(f'<div class="cue">cue: {html.escape(entry.cue)}</div>')
    if entry.duplicate_of is not None:
        bits.append(f'<div class="dup">already in the graph as '
                    f"{html.escape(entry.duplicate_of.slug)}: the quote is added as evidence</div>")
    for note in entry.notes:
        bits.append(f'<div class="note">check: {html.escape(note)}</div>')
    return (f'    <li class="entry {entry.section}" tabindex="0" data-entry="{name}" '
            f'data-sentence="s{entry.sentence.index}">' + "".join(bits) + "</li>")
