"""Proposing the facts and claims of an article, clause by clause, from the cues of
``rules.yaml``.

For each clause: who says it (a speech verb's subject, "according to X", the speaker of a quoted
paragraph, else nobody: the publisher); the earliest cue, which is either a stance (a claim) or an
event trigger (a fact); and what the cue's roles are filled with (subject, object, the actors
after "from" or "to", the date, an amount). What a person is said to say is always that person's
claim, never a fact. Every entry carries the cue that produced it and its quote, an exact span
of the text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from caucasus_kg.draft.dates import DateMention, find_dates
from caucasus_kg.draft.known import KnownEntity, KnownGraph, StoredFact
from caucasus_kg.draft.mentions import Matcher, Mention, NewName
from caucasus_kg.draft.rules import EventRule, Rules, StanceCue
from caucasus_kg.draft.rules import group as named_group
from caucasus_kg.draft.text import Sentence, Span, plain, sentences
from caucasus_kg.model.namespaces import CKG

PREPOSITIONS = frozenset(re.findall(r"\S+", """
to from with by of in on at for against about than into between among over under through
towards toward upon within without across behind beyond near
"""))

SECTION_OF = {"Actor": "actors", "Place": "places", "LegalInstrument": "instruments"}
MIN_QUOTE_WORDS = 4
"""A clause shorter than this ("but Baku refused") is quoted with its whole sentence."""


@dataclass
class Entry:
    """One drafted entry of the fact file."""

    section: str
    type: str | None
    id: str
    label: str
    props: dict[str, Any]
    quote: Span
    sentence: Sentence
    attributed_to: str | None
    cue: str
    cameo: str | None = None
    stance: str | None = None
    duplicate_of: StoredFact | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def claimant(self) -> str | None:
        value = self.props.get("claimant")
        return value if isinstance(value, str) else None


@dataclass
class Draft:
    """Everything ``draft`` proposes for one article."""

    text: str
    sentences: list[Sentence]
    entries: list[Entry]
    mentions: list[Mention]
    new_names: list[NewName]
    publisher: str | None
    source_id: str
    notes: list[str] = field(default_factory=list)
    declared: list[Entry] = field(default_factory=list)
    """New entities the drafted entries refer to, declared for review."""


@dataclass
class _Clause:
    span: Span
    sentence: Sentence
    content: Span
    speaker: str | None = None
    speaker_how: str | None = None
    subject: list[str] = field(default_factory=list)


@dataclass
class _Attribution:
    span: Span
    speaker: str | None
    how: str


class Drafter:
    """Proposes the entries of one article."""

    def __init__(self, known: KnownGraph, rules: Rules, publisher: str | None,
                 published: dt.date | None) -> None:
        self.known = known
        self.rules = rules
        self.publisher = publisher
        self.published = published
        self.matcher = Matcher(known, rules)
        self.provisional: dict[str, KnownEntity] = {}
        self.ids: set[str] = set(known.taken)

    # ----------------------------------------------------------------------------------------

    def entity(self, slug: str | None) -> KnownEntity | None:
        if slug is None:
            return None
        return self.known.entities.get(slug) or self.provisional.get(slug)

    def label_of(self, slug: str) -> str:
        entity = self.entity(slug)
        return entity.display if entity is not None else slug

    def is_a(self, slug: str | None, cls: str) -> bool:
        entity = self.entity(slug)
        return entity is not None and entity.is_a(cls)

    def draft(self, text: str, source_id: str) -> Draft:
        self.text, self.flat = text, plain(text)
        self.sentences = sentences(text)
        starts = set()
        for sentence in self.sentences:
            starts.add(sentence.start)
            lead = re.match(r"[\"'(\[\s]+", self.flat[sentence.start:sentence.end])
            if lead:
                starts.add(sentence.start + lead.end())
        found, names = self.matcher.scan(text, starts)
        headings = [x for x in self.sentences if x.heading]
        names = [n for n in names if n.occurrences > 1 or not any(
            h.start <= n.start < h.end for h in headings)]
        found += self._provisional(names)
        self.mentions = self.matcher.with_references(text, found, self.entity)
        self.unknown = names
        entries: list[Entry] = []
        speakers = self._quoted_speakers()
        previous_speaker: tuple[int, str | None] = (-1, None)
        for sentence in self.sentences:
            if sentence.heading:
                continue
            attributions = self._sentence_attributions(sentence)
            quoted = speakers.get(sentence.index)
            clauses = self._clauses(sentence, attributions, quoted, previous_speaker)
            lead = clauses[0] if clauses else None
            previous_speaker = (sentence.paragraph, lead.speaker if lead is not None and
                                lead.speaker_how in ("leading", "trailing", "according",
                                                     "quoted", "continued") else None)
            entries += self._sentence_entries(sentence, clauses)
        draft = Draft(text, self.sentences, entries, self.mentions, self.unknown, self.publisher,
                      source_id)
        self._declare_new(draft)
        self._duplicates(draft)
        return draft

    # ----------------------------------------------------------------------------------------
    # Names the graph does not hold, when entries refer to them
    # ----------------------------------------------------------------------------------------

    def _provisional(self, names: list[NewName]) -> list[Mention]:
        out = []
        for name in names:
            if name.suggested_type is None:
                continue
            slug = self._new_id(_slugify(name.text))
            classes = {c for c in (self._local(i) for i in self.known.ontology.superclasses(
                CKG[name.suggested_type])) if c}
            self.provisional[slug] = KnownEntity(slug, name.text, classes=classes)
            for match in re.finditer(r"(?<![\w])" + re.escape(plain(name.text)) + r"(?![\w])",
                                     self.flat):
                out.append(Mention(match.start(), match.end(),
                                   self.text[match.start():match.end()], slug, "new"))
        return out

    @staticmethod
    def _local(iri: object) -> str | None:
        text = str(iri)
        return text[len(str(CKG)):] if text.startswith(str(CKG)) else None

    def _declare_new(self, draft: Draft) -> None:
        used: list[str] = []
        for entry in draft.entries:
            for value in _slugs(entry.props.values()):
                if value in self.provisional and value not in used:
                    used.append(value)
            if entry.attributed_to in self.provisional and entry.attributed_to not in used:
                used.append(entry.attributed_to)
        for slug in used:
            entity = self.provisional[slug]
            first = next((m for m in self.mentions if m.slug == slug), None)
            if first is None:  # the publisher, declared by the caller
                continue
            cls = next((c for c in ("Person", "State", "GovernmentOffice", "LegislativeBody",
                                    "ResearchOrganisation", "MediaOutlet", "Alliance",
                                    "InternationalOrganisation", "Treaty", "Act", "Provision",
                                    "Bill", "City", "Region") if entity.is_a(c)), None)
            base = next((b for b in SECTION_OF if entity.is_a(b)), "Actor")
            sentence = self._sentence_at(first.start)
            instrument = base == "LegalInstrument"  # a fact: it needs its evidence
            draft.declared.append(Entry(
                SECTION_OF[base], cls, slug, entity.display, {},
                self._trim(sentence) if instrument else Span(first.start, first.end),
                sentence, self.publisher if instrument else None,
                f"a name the graph does not hold, '{entity.display}', that drafted entries "
                "refer to; its type is a guess from its words"))
        draft.new_names = [n for n in draft.new_names if _slugify(n.text) not in used]

    def _sentence_at(self, pos: int) -> Sentence:
        for sentence in self.sentences:
            if sentence.start <= pos < sentence.end:
                return sentence
        return self.sentences[-1]

    # ----------------------------------------------------------------------------------------
    # Who says it
    # ----------------------------------------------------------------------------------------

    def _mentions(self, start: int, end: int, named_only: bool = False) -> list[Mention]:
        out = [m for m in self.mentions if start <= m.start and m.end <= end and m.slug]
        if named_only:
            out = [m for m in out if m.kind not in ("pronoun", "role")]
        return out

    def _speaker_mention(self, end: int, floor: int) -> Mention | None:
        """The mention ending just before ``end`` (a speech verb), allowing "also", a title or
        an appositive in between: the speaker of "Harutyunov said", "He also told"."""
        candidates = [m for m in self.mentions if floor <= m.start and m.end <= end and m.slug
                      and self.is_a(m.slug, "Actor")]
        if not candidates:
            return None
        best = candidates[-1]
        between = self.flat[best.end:end]
        if re.fullmatch(r"(?:'s?)?\s*(?:\w+\s+){0,3}", between) or \
                re.fullmatch(r",\s+[^,]{2,80},\s*", between):
            return best
        return None

    def _sentence_attributions(self, sentence: Sentence) -> list[_Attribution]:
        found = []
        s, e = sentence.start, sentence.end
        for match in self.rules.according_to.finditer(self.flat, s, e):
            stop = re.search(r"[,;.!?\"]|$", self.flat[match.end():e])
            phrase_end = match.end() + (stop.start() if stop else 0)
            who = [m for m in self._mentions(match.end(), phrase_end)
                   if self.is_a(m.slug, "Actor")]
            start = match.start()
            before = re.search(r",\s*$", self.flat[s:start])
            if before:
                start = s + before.start()
            end = phrase_end
            rest = self.flat[phrase_end:e]
            tail = re.match(r",\s+(?:a|an|the)\s[^,]*?(?=[.!?\"']*$)", rest)
            if tail and start > s:
                end = phrase_end + tail.end()
            elif re.match(r",", rest):
                end = phrase_end + 1
            if re.fullmatch(r"[.!?\"'\s]*", self.flat[end:e]):
                end = e
            found.append(_Attribution(Span(start, end), who[0].slug if who else None,
                                      "according"))
        verbs = list(self.rules.speech_verbs.finditer(self.flat, s, e))
        if verbs:
            last = verbs[-1]
            rest = self.flat[last.end():e]
            listener = re.match(r"\s+(?:the\s+)?", rest)
            heard = next((m for m in self._mentions(last.end(), e) if listener and
                          m.start == last.end() + listener.end()), None)
            if heard is not None:  # "..., Marsh told the Daily Lantern."
                rest = self.flat[heard.end:e]
            if re.fullmatch(r"(?:\s+(?:on \w+|in a statement|in an interview|yesterday|today))?"
                            r"\s*[.!?\"']*\s*", rest):
                who = self._speaker_mention(last.start(), s)
                if who is not None:
                    head = re.search(r"(?:,\s*[\"']?|[\"']\s*)\s*(?:\w+\s+){0,2}$",
                                     self.flat[s:who.start])
                    if head is not None:
                        found.append(_Attribution(Span(s + head.start(), e), who.slug,
                                                  "trailing"))
            else:
                after = re.match(r"\s+(?:the\s+)?", rest)
                who = next((m for m in self._mentions(last.end(), e)
                            if after and m.start == last.end() + after.end()), None)
                if who is not None and re.fullmatch(r"[.!?\"']*\s*", self.flat[who.end:e]):
                    found.append(_Attribution(Span(last.start(), e), who.slug, "trailing"))
        return found

    def _quoted_speakers(self) -> dict[int, str]:
        """Sentence index -> the speaker of the quoted speech it belongs to: a paragraph whose
        quotation names its speaker ("“...,” Harutyunov said.") lends that speaker to its other
        quoted sentences."""
        out: dict[int, str] = {}
        by_paragraph: dict[int, list[Sentence]] = {}
        for sentence in self.sentences:
            by_paragraph.setdefault(sentence.paragraph, []).append(sentence)
        for group in by_paragraph.values():
            start, end = group[0].start, group[-1].end
            inside = _quoted_ranges(self.flat, start, end)
            quoted = [s for s in group if any(a <= s.start + 1 and s.start < b or
                                              a <= s.start < b for a, b in inside)]
            if not quoted:
                continue
            speaker = None
            for sentence in quoted:
                for attribution in self._sentence_attributions(sentence):
                    if attribution.how == "trailing" and attribution.speaker:
                        speaker = attribution.speaker
                        break
                if speaker:
                    break
            if speaker is None:
                continue
            for sentence in quoted:
                out[sentence.index] = speaker
        return out

    def _clauses(self, sentence: Sentence, attributions: list[_Attribution],
                 quoted: str | None, previous: tuple[int, str | None]) -> list[_Clause]:
        out: list[_Clause] = []
        sentence_speaker, how = None, None
        for attribution in attributions:
            if attribution.speaker:
                sentence_speaker, how = attribution.speaker, attribution.how
                break
        if sentence_speaker is None and quoted:
            sentence_speaker, how = quoted, "quoted"
        if sentence_speaker is None and previous[0] == sentence.paragraph and previous[1] and \
                self.rules.connectors.match(self.flat[sentence.start:sentence.end]):
            sentence_speaker, how = previous[1], "continued"
        carry: str | None = None
        for span in sentence.clauses:
            clause = _Clause(span, sentence, Span(span.start, span.end))
            for attribution in attributions:  # trim an attribution at either end
                a = attribution.span
                if a.start <= clause.content.start < a.end:
                    clause.content.start = min(a.end, clause.content.end)
                if a.start < clause.content.end <= a.end and a.start > clause.content.start:
                    clause.content.end = a.start
            previous_clause = out[-1] if out else None
            self._leading_speech(clause, previous_clause)
            if clause.speaker is not None:
                carry = clause.speaker
            elif carry is not None:  # "X told Y that A, but B": B is X's too
                clause.speaker, clause.speaker_how = carry, "leading"
            if clause.speaker is None and sentence_speaker is not None:
                clause.speaker, clause.speaker_how = sentence_speaker, how
            clause.subject = self._subject(clause, self._first_cue(clause.span),
                                           previous_clause)
            out.append(clause)
        return out

    def _first_cue(self, span: Span) -> int:
        """Where the clause's verb of interest starts (a speech verb, stance cue or trigger)."""
        found = [span.end]
        for pattern in [self.rules.speech_verbs, *(c.pattern for c in self.rules.stances),
                        *(r.pattern for r in self.rules.events)]:
            match = pattern.search(self.flat, span.start, span.end)
            if match:
                found.append(match.start())
        return min(found)

    def _leading_speech(self, clause: _Clause, previous: _Clause | None) -> None:
        """"X said (that) ...", "X, a ..., told Y that ...": the speaker, and the content after
        the verb."""
        c = clause.content
        match = self.rules.speech_verbs.search(self.flat, c.start, c.end)
        if match is None:
            return
        lead = self.flat[c.start:match.start()]
        speaker = self._speaker_mention(match.start(), c.start)
        if speaker is None and previous is not None and re.fullmatch(
                r"[\s,]*(?:and|but)?\s*(?:(?:has|have|had|also|then|later)\s+)*", lead,
                re.IGNORECASE):
            speaker_slug = previous.subject[0] if previous.subject else previous.speaker
        elif speaker is not None and (speaker.start - c.start) < 80:
            speaker_slug = speaker.slug
        else:
            return
        if not speaker_slug:
            return
        clause.speaker, clause.speaker_how = speaker_slug, "leading"
        rest = match.end()
        listener = re.match(r"\s+to\s+" if not re.match(r"(?:told|tells|tell|informed)$",
                                                         match.group(0), re.IGNORECASE)
                            else r"\s+(?:to\s+)?", self.flat[rest:c.end])
        if listener:
            for m in self._mentions(rest, c.end):
                if m.start == rest + listener.end():
                    rest = m.end
                    break
        that = re.match(r"(?:\s+(?:on \w+day|yesterday|today|last week|in a statement|in an "
                        r"interview|on \d+ \w+))?\s*(?:,\s*)?(?:that\s+)?", self.flat[rest:c.end])
        clause.content = Span(rest + (that.end() if that else 0), c.end)

    def _subject(self, clause: _Clause, before: int, previous: _Clause | None) -> list[str]:
        """The grammatical subject(s) before ``before`` in the clause: the last mention not
        governed by a preposition, with the mentions joined to it by "and"."""
        found: list[Mention] = []
        start = clause.span.start
        for mention in reversed(self._mentions(start, before)):
            if mention.kind == "pronoun" and mention.text.lower() in ("its", "his", "her"):
                continue
            word = re.search(r"(\w+)\s*$", self.flat[start:mention.start])
            if word and word.group(1).lower() in PREPOSITIONS:
                if found:
                    break
                continue
            if found:
                between = self.flat[mention.end:found[0].start]
                if re.fullmatch(r"\s*(?:,|and|, and|as well as)\s*(?:(?:its|their|the)\s+)?",
                                between):
                    found.insert(0, mention)
                    continue
                break
            if not self.is_a(mention.slug, "Actor"):
                continue
            found.append(mention)
        slugs: list[str] = []
        for mention in found:
            if mention.slug and mention.slug not in slugs:
                slugs.append(mention.slug)
        if not slugs and previous is not None and re.match(
                r"[\s,]*(?:and|but)?\s*(?:(?:has|have|had|also|then|later)\s+)+\w+",
                self.flat[clause.span.start:clause.span.end], re.IGNORECASE):
            return list(previous.subject)
        return slugs

    # ----------------------------------------------------------------------------------------
    # Facts and claims
    # ----------------------------------------------------------------------------------------

    def _sentence_entries(self, sentence: Sentence, clauses: list[_Clause]) -> list[Entry]:
        entries: list[Entry] = []
        pending: _Clause | None = None
        for clause in clauses:
            if pending is not None:  # a clause without a cue of its own joins the next one
                clause.content.start = pending.content.start
                clause.span.start = pending.span.start
                pending = None
            made = self._clause_entries(clause, entries)
            if made is None:
                if entries and entries[-1].sentence is sentence and \
                        entries[-1].quote.end <= clause.span.start:
                    last = entries[-1]
                    tail = self._trim(Span(last.quote.start, clause.content.end))
                    if last.section == "claims" and tail.end > last.quote.end:
                        last.quote = tail
                elif not entries:
                    pending = clause
                continue
            entries += made
        return entries

    def _clause_entries(self, clause: _Clause, earlier: list[Entry]) -> list[Entry] | None:
        """The entries one clause proposes, or None when it carries no cue."""
        c = clause.content
        if c.end <= c.start:
            return None
        stance_hits = sorted(((m.start(), m.end(), cue) for cue in self.rules.stances
                              for m in cue.pattern.finditer(self.flat, c.start, c.end)
                              if not _month(self.flat, m.start(), m.end())),
                             key=lambda h: (h[0], -h[1]))
        triggers = []
        for rule in self.rules.events:
            for m in rule.pattern.finditer(self.flat, c.start, c.end):
                triggers.append((m.start(), m, rule))
        triggers.sort(key=lambda t: (t[0], -t[1].end()))
        # What someone is said to say is their claim; only "according to" an organisation
        # (a research centre's data) reports a fact on its authority.
        person_speaker = clause.speaker is not None and clause.speaker != self.publisher and (
            self.is_a(clause.speaker, "Person") or clause.speaker_how != "according")
        stance = stance_hits[0] if stance_hits else None
        trigger = None
        for position, match, rule in triggers:
            if rule.object_required and self._object(rule, match.end(), c.end) is None:
                continue
            trigger = (position, match, rule)
            break
        made: list[Entry] = []
        nominal = self._nominal_claims(clause)
        if person_speaker:
            made.append(self._claim(clause, stance, earlier))
        elif trigger is not None and (stance is None or trigger[0] <= stance[0]):
            made += self._events(clause, trigger[1], trigger[2], earlier)
        elif stance is not None:
            made.append(self._claim(clause, stance, earlier))
        elif clause.speaker is not None and clause.speaker != self.publisher:
            made.append(self._claim(clause, None, earlier))
        elif not nominal:
            return None
        for claim in nominal:
            made.append(claim)
            main = made[0] if made and made[0] is not claim else None
            if main is not None and main.section == "claims":
                if main.stance == "denies":
                    main.props.setdefault("denies", claim.id)
                elif main.stance == "characterises":
                    main.props["about"] = [claim.id, *[a for a in _as_list(main.props.get(
                        "about")) if a != claim.id]]
        return made

    # --- claims -------------------------------------------------------------------------------

    def _claim(self, clause: _Clause, stance: tuple[int, int, StanceCue] | None,
               earlier: list[Entry]) -> Entry:
        c = clause.content
        quote = self._trim(c)
        elliptical = len(self.flat[quote.start:quote.end].split()) < MIN_QUOTE_WORDS or (
            stance is not None and stance[2].speech and
            re.fullmatch(r"[\s.,;:!?\"')]*", self.flat[stance[1]:c.end]) is not None)
        if elliptical:
            quote = self._trim(Span(clause.sentence.start, clause.sentence.end))
        claimant, how = clause.speaker, clause.speaker_how
        cue_words = None
        name = "asserts"
        cameo = "010"
        if stance is not None:
            start, end, cue = stance
            name, cameo, cue_words = cue.stance, cue.cameo, self.text[start:end]
            if cue.speech:
                subject = self._subject(clause, start, None)
                if subject:
                    claimant, how = subject[0], "subject"
        if claimant is None:
            claimant, how = self.publisher, "publisher"
        props: dict[str, Any] = {"claimant": claimant, "stance": name}
        about = [m.slug for m in self._mentions(quote.start, quote.end, named_only=True)
                 if m.slug not in (self.publisher, claimant)]
        if about:
            props["about"] = _unique(about)
        if name in ("proposes", "refuses") and stance is not None:
            to = re.match(r"\s+to\s+", self.flat[stance[1]:c.end])
            if to:
                addressee = next((m for m in self._mentions(stance[1], c.end)
                                  if m.start == stance[1] + to.end()), None)
                if addressee is not None:
                    props["addressee"] = addressee.slug
        previous = earlier[-1] if earlier and earlier[-1].sentence is clause.sentence else None
        if elliptical and previous is not None and previous.section == "claims":
            props["in_response_to"] = previous.id
            props["about"] = [previous.id]
            if previous.claimant and previous.claimant != claimant:
                props.setdefault("addressee", previous.claimant)
        # a person's words are his (an interviewee, an official quoted); what a state or an
        # office is reported to say, the publisher reports
        attributed = clause.speaker if clause.speaker_how in (
            "leading", "trailing", "according", "quoted", "continued") and \
            self.is_a(clause.speaker, "Person") else self.publisher
        who = {"subject": f"the subject of '{cue_words}'",
               "publisher": "nobody else is said to say it: the publisher",
               "leading": "the speaker of the speech verb", "trailing": "the speaker named "
               "after the quote", "according": "'according to'", "quoted": "the speaker of the "
               "quoted paragraph", "continued": "the speaker of the paragraph's previous "
               "sentence"}.get(how or "", "")
        cue = (f"stance '{name}' from '{cue_words}'" if cue_words else
               f"stance '{name}': a statement without a stance cue") + \
            f"; claimant {self.label_of(claimant) if claimant else '?'} ({who})"
        after = stance[1] if stance is not None and stance[2].speech and \
            quote.start <= stance[1] <= quote.end else quote.start
        words = _slug_words(self.flat[after:quote.end], 5)
        entry = Entry("claims", None, self._new_id(f"{claimant or 'someone'}-{name}-{words}"),
                      _claim_label(self.label_of(claimant) if claimant else "Someone", name,
                                   self.text[quote.start:quote.end]),
                      props, quote, clause.sentence, attributed, cue, cameo, name)
        if claimant is None:
            entry.notes.append("no claimant found and no publisher given: fill in 'claimant'")
        return entry

    def _nominal_claims(self, clause: _Clause) -> list[Entry]:
        """"X's accusations that ...": a claim by X, besides what the clause says of it."""
        c = clause.content
        out = []
        for stance, pattern in self.rules.nominal_claims:
            for match in pattern.finditer(self.flat, c.start, c.end):
                owner = None
                np_start = match.start()
                by = re.match(r"\s+(?:made\s+)?(?:by|of)\s+(?:the\s+)?",
                              self.flat[match.end():c.end])
                if by:  # "the allegations of the Azerbaijani side", "accusations by Baku"
                    owner = next((m for m in self._mentions(match.end(), c.end)
                                  if m.start == match.end() + by.end()), None)
                if owner is None:  # "Baku's accusations", "its false allegations", "Azeri ..."
                    for mention in reversed(self._mentions(max(c.start, match.start() - 40),
                                                           match.start())):
                        between = self.flat[mention.end:match.start()]
                        possessive = re.match(r"'s?\s", between) or mention.kind == "demonym" \
                            or mention.text.lower() in ("its", "their", "his", "her")
                        if possessive and re.fullmatch(r"(?:'s?)?\s*(?:[a-z-]+\s+){0,2}",
                                                       between):
                            owner, np_start = mention, mention.start
                        break
                if owner is None or not self.is_a(owner.slug, "Actor"):
                    continue
                article = re.search(r"(?:the|these|those|such)\s+$",
                                    self.flat[max(c.start, np_start - 8):np_start],
                                    re.IGNORECASE)
                if article:
                    np_start -= len(article.group(0))
                quote = self._trim(Span(np_start, c.end))
                words = _slug_words(self.flat[match.end():c.end], 5)
                entry = Entry(
                    "claims", None, self._new_id(f"{owner.slug}-{stance}-{words}"),
                    _claim_label(self.label_of(owner.slug), stance,
                                 self.text[match.end():c.end].strip(" ,.")),
                    {"claimant": owner.slug, "stance": stance}, quote, clause.sentence,
                    self.publisher, f"stance '{stance}' from '{self.text[match.start():match.end()]}'"
                    f"; claimant {self.label_of(owner.slug)} (whose they are: "
                    f"'{self.text[owner.start:owner.end]}')", "112" if stance == "alleges"
                    else None, stance)
                about = [m.slug for m in self._mentions(match.end(), c.end, named_only=True)
                         if m.slug not in (self.publisher, owner.slug)]
                if about:
                    entry.props["about"] = _unique(about)
                out.append(entry)
        return out

    # --- events -------------------------------------------------------------------------------

    def _object(self, rule: EventRule, start: int, end: int) -> Mention | None:
        if rule.object_class is None:
            return None
        for mention in self._mentions(start, end):
            if self.is_a(mention.slug, rule.object_class):
                return mention
        return None

    def _events(self, clause: _Clause, match: re.Match[str], rule: EventRule,
                earlier: list[Entry]) -> list[Entry]:
        c = clause.content
        type_name = rule.type
        props: dict[str, Any] = {}
        notes = []
        obj = self._object(rule, match.end(), c.end)
        if rule.object_key:
            if obj is not None:
                props[rule.object_key] = obj.slug
            else:
                notes.append(f"no {self.known.class_label(rule.object_class)} named after "
                             f"'{match.group(0)}': fill in '{rule.object_key}'")
        for prep, role in rule.prepositions.items():
            found = re.search(rf"(?<![\w]){prep}\s+(?:the\s+)?(?:territory\s+of\s+)?",
                              self.flat[match.end():c.end], re.IGNORECASE)
            if not found:
                continue
            at = match.end() + found.end()
            who = next((m for m in self._mentions(at, c.end) if m.start == at), None)
            if who is not None and self.is_a(who.slug, role.cls):
                props[role.key] = who.slug
                if role.type:
                    type_name = role.type
        subjects = [s for s in self._subject(clause, match.start(), None)
                    if self.is_a(s, "Actor")]
        if not subjects and clause.subject:
            subjects = [s for s in clause.subject if self.is_a(s, "Actor")]
        speaker = clause.speaker if clause.speaker and not self.is_a(clause.speaker, "Person") \
            else None
        if rule.rank:
            props["rank"] = int(named_group(match, "rank") or 0)
            population = re.match(r"\s*([^,.;(]+)", self.flat[match.end():c.end])
            if population and population.group(1).strip():
                props["ranking_population"] = population.group(1).strip()
            if speaker:
                props["ranked_by"] = speaker
            else:
                notes.append("no publisher of the ranking found: fill in 'ranked_by'")
        date = self._date(clause, notes)
        if date is not None:
            key = "year" if type_name in self.rules.year_only else "date"
            props[key] = date[:4] if key == "year" else date
        if type_name in ("ArmsProcurement", "ArmsTransfer"):
            value = self._money(c)
            if value:
                props["value"] = value
            weapon = self._weapon(Span(match.end(), c.end)) or self._weapon(c)
            if weapon:
                props["weapon_category"] = weapon
        if re.search(r"\bin response\b", self.flat[c.start:match.start()], re.IGNORECASE):
            before = [e for e in earlier if e.section == "events"]
            if before:
                props["in_response_to"] = before[-1].id
        quote = self._trim(clause.content if clause.speaker_how not in ("according",
                                                                        "trailing")
                           else Span(clause.content.start, max(clause.content.end,
                                                               clause.span.end)))
        attributed = speaker or self.publisher
        cue = f"trigger '{self.text[match.start():match.end()]}' -> {type_name}"
        if rule.cameo:
            cue += f" (CAMEO {rule.cameo})"
        out = []
        for subject in subjects or [None]:
            entry_props = dict(props)
            if subject is not None:
                entry_props[rule.subject] = subject
            else:
                entry_props_notes = f"no subject found: fill in '{rule.subject}'"
                notes = [*notes, entry_props_notes]
            entry_props = _ordered(entry_props, rule.subject)
            label = self._event_label(type_name, subject, entry_props.get(rule.object_key or ""),
                                      entry_props.get("date") or entry_props.get("year"))
            parts = [subject or "", _slug_words(self.known.class_label(type_name), 3),
                     entry_props.get(rule.object_key or "") or "",
                     str(entry_props.get("date") or entry_props.get("year") or "")[:4]]
            section = rule.section
            entry = Entry(section, type_name, self._new_id("-".join(p for p in parts if p)),
                          label, entry_props, quote, clause.sentence, attributed,
                          cue + (f"; {rule.subject} {self.label_of(subject)} (the subject)"
                                 if subject else ""), rule.cameo, None, None, list(notes))
            out.append(entry)
        return out

    def _event_label(self, type_name: str, subject: str | None, obj: Any,
                     date: Any) -> str:
        label = self.known.class_label(type_name)
        text = f"{self.label_of(subject)}: {label}" if subject else label.capitalize()
        if isinstance(obj, str):
            text += f" ({self.label_of(obj)})"
        if date:
            text += f", {date}"
        return text

    def _date(self, clause: _Clause, notes: list[str]) -> str | None:
        for span in (clause.span, clause.sentence):
            dates: list[DateMention] = find_dates(self.text, span.start, span.end,
                                                  self.published)
            for found in dates:
                if found.note:
                    notes.append(found.note)
                if found.value is not None and not (found.note and "after" in found.note):
                    return found.value
        return None

    def _money(self, span: Span) -> dict[str, Any] | None:
        flat = self.flat[span.start:span.end]
        symbols = "|".join(re.escape(k) for k in sorted(self.rules.currencies, key=len,
                                                         reverse=True))
        scales = "|".join(re.escape(k) for k in sorted(self.rules.scales, key=len, reverse=True))
        bounds = "|".join(re.escape(k) for k in sorted(self.rules.bounds, key=len, reverse=True))
        number = r"\d+(?:[.,]\d+)*"
        pattern = re.compile(
            rf"(?:(?P<bound>{bounds})\s+)?(?:(?P<pre>{symbols})\s?(?P<n1>{number})"
            rf"|(?P<n2>{number}))\s*(?P<scale>{scales})?\b\s*(?P<post>{symbols})?",
            re.IGNORECASE)
        for match in pattern.finditer(flat):
            currency = match.group("pre") or match.group("post")
            digits = match.group("n1") or match.group("n2")
            if not currency or not digits:
                continue
            amount = _amount(digits, match.group("scale"), self.rules.scales)
            if amount is None:
                continue
            value: dict[str, Any] = {"amount": amount,
                                     "currency": self.rules.currencies[currency.lower()]}
            if match.group("bound"):
                value["bound"] = self.rules.bounds[match.group("bound").lower()]
            return value
        return None

    def _weapon(self, span: Span) -> str | None:
        words = "|".join(re.escape(k) for k in sorted(self.rules.weapons, key=len, reverse=True))
        match = re.search(rf"(?<![\w])(?:{words})(?![\w])", self.flat[span.start:span.end],
                          re.IGNORECASE)
        return self.rules.weapons[match.group(0).lower()] if match else None

    # --- quotes and ids -----------------------------------------------------------------------

    def _trim(self, span: Span) -> Span:
        """The span without leading connectors, quotation marks and commas, and without the
        punctuation at its end: still an exact substring of the text."""
        start, end = span.start, span.end
        while True:
            piece = self.flat[start:end]
            lead = re.match(r"[\s,;:\"'(\[]+", piece)
            if lead and lead.end() > 0:
                start += lead.end()
                continue
            connector = self.rules.connectors.match(piece)
            if connector and connector.end() > 0 and connector.end() < len(piece):
                start += connector.end()
                continue
            break
        while end > start and self.flat[end - 1] in " ,;:.\"'\n":
            end -= 1
        if end > start and self.flat[end - 1] == ")" and "(" not in self.flat[start:end]:
            end -= 1
        return Span(start, end)

    def _new_id(self, wanted: str) -> str:
        base = _slugify(wanted)[:60].strip("-") or "entry"
        slug, n = base, 2
        while slug in self.ids:
            slug, n = f"{base}-{n}", n + 1
        self.ids.add(slug)
        return slug

    # --- the graph's own facts ----------------------------------------------------------------

    def _duplicates(self, draft: Draft) -> None:
        for entry in draft.entries:
            if entry.section == "claims":
                if entry.claimant and entry.stance:
                    entry.duplicate_of = self.known.same_claim(
                        entry.claimant, entry.stance, self.text[entry.quote.start:
                                                                entry.quote.end])
                continue
            rule = next((r for r in self.rules.events if r.type == entry.type), None)
            keys = {}
            for key in ("actor", "recipient", "supplier", "ranked_entity", "ranked_by",
                        "treaty", "instrument", "exercises"):
                if isinstance(entry.props.get(key), str) and \
                        entry.props[key] not in self.provisional:
                    keys[key] = entry.props[key]
            if rule is None or rule.subject not in keys:
                continue
            date_key = "year" if "year" in entry.props else "date"
            date = entry.props.get(date_key)
            entry.duplicate_of = self.known.same_event(entry.type or "", keys,
                                                       str(date) if date else None, date_key)


def _month(flat: str, start: int, end: int) -> bool:
    """The cue is the month of a date ("3 May 2021", "May 2021"), not the verb "may"."""
    return flat[start:end] == "May" and (
        re.match(r"\s+\d", flat[end:end + 3]) is not None or
        re.search(r"\d\s+$", flat[max(0, start - 4):start]) is not None)


def _quoted_ranges(flat: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stretches inside quotation marks between ``start`` and ``end``."""
    ranges, opened = [], None
    for match in re.finditer(r"\"", flat[start:end]):
        pos = start + match.start()
        if opened is None:
            opened = pos
        else:
            ranges.append((opened, pos + 1))
            opened = None
    if opened is not None:
        ranges.append((opened, end))
    return ranges


def _amount(digits: str, scale: str | None, scales: dict[str, int]) -> int | None:
    """'2,2' billion (a decimal comma) or '2.2' billion or '2,200,000'."""
    text = digits
    if scale and re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if scale:
        number *= scales[scale.lower()]
    return int(number) if number == number.to_integral_value() else None


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(text).lower()).strip("-")


STOP = frozenset(re.findall(r"\S+", "the a an of to that is are was were be been has have had "
                            "it its in on and for with by as this these those which who"))


def _slug_words(text: str, count: int) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", plain(text).lower()) if w not in STOP]
    return "-".join(words[:count])


def _claim_label(claimant: str, stance: str, quote: str) -> str:
    words = quote.split()
    body = " ".join(words[:14]) + (" ..." if len(words) > 14 else "")
    return f"{claimant} {stance}: {body}"


def _unique(items: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _slugs(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _ordered(props: dict[str, Any], first: str) -> dict[str, Any]:
    order = [first, "treaty", "instrument", "exercises", "supplier", "recipient", "location",
             "ranked_by", "rank", "ranking_population", "date", "year", "value",
             "weapon_category", "in_response_to"]
    out = {k: props[k] for k in order if k in props}
    out.update({k: v for k, v in props.items() if k not in out})
    return out
